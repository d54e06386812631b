"""Outbox rows in the typed shape of :mod:`crossdesk.platforms`.

Before this migration an item's ``kind`` was a loose string (``message``, or a platform-named
``ebay.return_decide``, ``shopify.refund_create``...) and its payload a dict whose ids the dispatcher
completed at send time (``order_id`` held the order's *external* id; the thread, buyer and currency were
looked up from the ticket and the case). Now the kind is the action's (``message``, ``return_decision``,
``refund``, ``cancellation``) and the payload holds every field of the action, each platform id resolved.

This module converts each old row the way the old dispatcher read it: the payload's own values first, then
the ticket's and the case's rows, as the dispatcher did. It writes the first version of the typed shape
field by field, deliberately without the classes of :mod:`crossdesk.platforms` (a later change to them
brings its own migration); the tests read every converted row back through those classes.

A row that cannot be converted (an unknown kind, no order for a decision, no shop) keeps its kind and
payload as they were; if it was still to be sent (``pending`` or ``sending``) it becomes ``manual`` with
a note saying what is missing, so a person does it on the platform rather than nobody.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import orjson
import sqlite_utils

#: the old platform-named actions (the part after ``<platform>.``) -> (kind, decision it implies)
OLD_ACTIONS: dict[str, tuple[str, str | None]] = {
    "return_decide": ("return_decision", None),
    "return_approve": ("return_decision", "approve"),
    "return_confirm": ("return_decision", "approve"),
    "return_decline": ("return_decision", "decline"),
    "return_dispute": ("return_decision", "decline"),
    "issue_refund": ("refund", None),
    "refund_create": ("refund", None),
    "refund": ("refund", None),
    "cancel": ("cancellation", None),
    "cancel_order": ("cancellation", None),
    "message": ("message", None),
    "send_message": ("message", None),
}
KINDS = frozenset({"message", "return_decision", "refund", "cancellation"})
DECISION_WORDS = {"accept": "approve", "approve": "approve", "decline": "decline", "reject": "decline"}
CHUNK = 5000

_SELECT = """
SELECT o.id, o.kind, o.platform, o.shop_id, o.payload, o.idempotency_key, o.created_at, o.status,
       t.external_id, c.external_id, c.currency, ord.id, ord.external_id, ord.currency,
       (SELECT ci.external_id FROM customer_identities ci
         WHERE ci.customer_id = coalesce(t.customer_id, c.customer_id)
           AND ci.platform = o.platform AND ci.shop_id = o.shop_id
         ORDER BY ci.id LIMIT 1)
FROM outbox o
LEFT JOIN tickets t ON t.id = o.ticket_id
LEFT JOIN cases c ON c.id = o.case_id
LEFT JOIN orders ord ON ord.id = coalesce(t.order_id, c.order_id)
WHERE o.id > ? ORDER BY o.id LIMIT ?
"""


class Unconvertible(Exception):
    """What an old row lacks, in words for the person who will act on it."""


def old_kind(kind: str) -> tuple[str, str | None]:
    """``ebay.return_decide`` -> ``("return_decision", None)``; ``shopee.return_dispute`` ->
    ``("return_decision", "decline")``; ``message`` -> ``("message", None)``."""
    if kind in KINDS:
        return kind, None
    action = kind.split(".", 1)[1] if "." in kind else kind
    if action not in OLD_ACTIONS:
        raise Unconvertible(f"its kind {kind!r} is not one crossdesk knows")
    return OLD_ACTIONS[action]


def _text(value: Any) -> str | None:
    """Non-empty text, or None."""
    if value is None or value == "":
        return None
    return str(value)


def _minor(text: Any, digits: int) -> int:
    try:
        return int((Decimal(str(text)).scaleb(digits)).to_integral_value(rounding=ROUND_HALF_EVEN))
    except InvalidOperation:
        raise Unconvertible(f"its amount {text!r} is not a number") from None


def convert(row: dict[str, Any], db: sqlite_utils.Database, digits: dict[str, int]) -> tuple[str, dict]:
    """One old row (the outbox columns plus what the joins found) -> (kind, the typed payload)."""
    kind, decision = old_kind(row["kind"])
    p = orjson.loads(row["payload"] or "{}")
    if not isinstance(p, dict):
        raise Unconvertible("its payload is not an object")
    if row["shop_external_id"] is None:
        raise Unconvertible("it names no shop")
    common = {
        "platform": row["platform"],
        "shop_external_id": row["shop_external_id"],
        "idempotency_key": row["idempotency_key"],
        "buyer_external_id": _text(p.get("buyer_external_id")) or _text(row["buyer"]),
    }
    order = _text(p.get("order_external_id")) or _text(p.get("order_id")) or _text(row["order_external_id"])
    returned = (
        _text(p.get("return_external_id"))
        or _text(p.get("return_id"))
        or _text(p.get("case_external_id"))
        or _text(row["case_external_id"])
    )
    if kind == "message":
        message_type = str(p.get("amazon_action") or p.get("message_type") or "")
        body = str(p.get("body") or "")
        if not body.strip() and not message_type:
            raise Unconvertible("it has no message text")
        message_id = p.get("message_id")
        return kind, {
            **common,
            "attachments": [_attachment(a) for a in p.get("attachments") or []],
            "body": body,
            "created_at": int(row["created_at"]),
            "message_id": int(message_id) if message_id is not None else None,
            "message_type": message_type,
            "order_external_id": order,
            "template": _text(p.get("template")),
            "thread_id": _text(p.get("thread_id")) or _text(row["thread_id"]),
        }
    if order is None:
        raise Unconvertible("its order is not known")
    if kind == "return_decision":
        word = str(decision or p.get("decision") or "").lower()
        if word not in DECISION_WORDS:
            raise Unconvertible("it does not say whether to approve or decline")
        return kind, {
            **common,
            "decision": DECISION_WORDS[word],
            "evidence": [str(i) for i in p.get("images") or []],
            "note": str(p.get("note") or p.get("comment") or ""),
            "order_external_id": order,
            "reason": str(p.get("reason") or ""),
            "reason_code": str(p.get("decline_reason") or p.get("dispute_reason") or ""),
            "return_external_id": returned,
        }
    if kind == "refund":
        currency = str(p.get("currency") or row["case_currency"] or row["order_currency"] or "").upper()
        if len(currency) != 3:
            raise Unconvertible("its currency is not known")
        places = digits.get(currency, 2)
        if p.get("amount_minor") is not None:
            amount = int(p["amount_minor"])
        elif p.get("amount") is not None:
            amount = _minor(p["amount"], places)
        else:
            raise Unconvertible("it has no amount")
        return kind, {
            **common,
            "amount_minor": amount,
            "currency": currency,
            "digits": places,
            "lines": _lines(p.get("lines") or [], row["order_id"], db),
            "notify": bool(p.get("notify", True)),
            "order_external_id": order,
            "reason": str(p.get("reason") or p.get("comment") or ""),
            "return_external_id": returned,
        }
    return kind, {
        **common,
        "notify": bool(p.get("notify", True)),
        "order_external_id": order,
        "reason_code": str(p.get("cancel_reason") or ""),
        "refund": bool(p.get("refund", True)),
        "restock": bool(p.get("restock", True)),
    }


def _attachment(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Unconvertible("an attachment is not an uploaded file")
    upload = value.get("upload_destination_id") or value.get("uploadDestinationId")
    name = value.get("file_name") or value.get("fileName")
    if not upload or not name:
        raise Unconvertible("an attachment lacks its upload id or file name")
    return {"file_name": str(name), "upload_destination_id": str(upload)}


def _lines(lines: list, order_id: int | None, db: sqlite_utils.Database) -> list[dict]:
    out = []
    for line in lines:
        if not isinstance(line, dict):
            raise Unconvertible("a refund line is not an object")
        sku = str(line.get("sku") or "")
        external = _text(line.get("line_external_id")) or _text(line.get("external_id"))
        if external is None and sku and order_id is not None:
            found = db.execute(
                "SELECT external_id FROM order_lines WHERE order_id = ? AND sku = ? ORDER BY id LIMIT 1",
                [order_id, sku],
            ).fetchone()
            external = _text(found[0]) if found else None
        if external is None:
            raise Unconvertible(f"refund line {sku or '?'} has no platform line id")
        quantity = int(line.get("quantity") or 1)
        out.append({"line_external_id": external, "quantity": max(1, quantity), "sku": sku})
    return out


def _dumps(payload: dict) -> str:
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode()


def up(db: sqlite_utils.Database) -> None:
    shops = {r[0]: r[1] for r in db.execute("SELECT id, external_id FROM shops")}
    digits = {r[0]: int(r[1]) for r in db.execute("SELECT currency, minor_digits FROM rates")}
    names = [
        "id",
        "kind",
        "platform",
        "shop_id",
        "payload",
        "idempotency_key",
        "created_at",
        "status",
        "thread_id",
        "case_external_id",
        "case_currency",
        "order_id",
        "order_external_id",
        "order_currency",
        "buyer",
    ]
    last = 0
    while True:
        rows = [dict(zip(names, r, strict=True)) for r in db.execute(_SELECT, [last, CHUNK]).fetchall()]
        if not rows:
            return
        last = rows[-1]["id"]
        converted, stuck = [], []
        for row in rows:
            row["shop_external_id"] = shops.get(row["shop_id"])
            try:
                payload = orjson.loads(row["payload"] or "{}")
                if isinstance(payload, dict) and "shop_external_id" in payload and row["kind"] in KINDS:
                    continue  # already typed
                kind, typed = convert(row, db, digits)
            except (Unconvertible, ValueError, TypeError, orjson.JSONDecodeError) as exc:
                if row["status"] in ("pending", "sending"):
                    stuck.append(
                        (
                            f"queued by an older crossdesk and cannot be sent: {exc}. Do it on the "
                            "platform, then mark this item sent",
                            row["id"],
                        )
                    )
                continue
            converted.append((kind, _dumps(typed), row["id"]))
        db.conn.executemany("UPDATE outbox SET kind = ?, payload = ? WHERE id = ?", converted)
        db.conn.executemany("UPDATE outbox SET status = 'manual', last_error = ? WHERE id = ?", stuck)
