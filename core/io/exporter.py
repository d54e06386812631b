"""Exporting a desk as JSON Lines, in the format :mod:`crossdesk.io.importer` reads.

Records come in dependency order (shops, customers, orders, then each conversation's messages followed by
its ticket record), so the file imports into an empty desk line by line. Everything is streamed: tables
are read in id order and joined by merging sorted cursors, never loaded whole.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from crossdesk.api import Desk
from crossdesk.io.records import iso
from crossdesk.models import Actor, TicketStatus


def export_jsonl(
    desk: Desk, actor: Actor, target: str | os.PathLike | BinaryIO, *, history: bool = False
) -> Counter[str]:
    """Write the whole desk to ``target`` (a path, written atomically, or a binary stream); return the
    number of records per type. ``history`` adds each ticket's reporting history (docs/analytics.md,
    "Checking the figures"), which the importer ignores."""
    desk.require(actor, "manage_settings")
    if history and desk.analytics.facts.stale():  # the history fields come from the per-ticket facts
        desk.analytics.facts.rebuild(actor)
    counts: Counter[str] = Counter()
    if isinstance(target, str | os.PathLike):
        path = Path(target)
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("wb") as stream:
                _write(desk, stream, counts, history)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    else:
        _write(desk, target, counts, history)
    if not getattr(desk.db, "read_only", False):  # on read-only media the export is all it can do
        with desk.tx():
            desk.audit(actor, "export", "desk", None, None, dict(counts))
    return counts


def _write(desk: Desk, stream: BinaryIO, counts: Counter[str], history: bool = False) -> None:
    buffer: list[bytes] = []
    for record in records(desk, history=history):
        buffer.append(orjson.dumps(record))
        counts[record["type"]] += 1
        if len(buffer) >= 2000:
            stream.write(b"\n".join(buffer) + b"\n")
            buffer.clear()
    if buffer:
        stream.write(b"\n".join(buffer) + b"\n")


def records(desk: Desk, *, history: bool = False) -> Iterator[dict[str, Any]]:
    """Every record of the desk, in the order an import needs them."""
    db = desk.db
    shops = {}
    for row in _rows(db, "SELECT * FROM shops ORDER BY id"):
        shops[row["id"]] = row["external_id"]
        yield _clean(
            {
                "type": "shop",
                "platform": row["platform"],
                "external_id": row["external_id"],
                "name": row["name"],
                "country": row["country"],
                "currency": row["currency"],
                "marketplace": row["marketplace"],
                "config": orjson.loads(row["config"]),
            }
        )
    for row in _rows(
        db,
        "SELECT i.platform, i.shop_id, i.external_id, i.handle, c.name, c.email, c.phone, c.country, c.region, "
        "c.language, c.tier FROM customer_identities i JOIN customers c ON c.id = i.customer_id ORDER BY i.id",
    ):
        yield _clean(
            {
                "type": "customer",
                "platform": row["platform"],
                "shop": shops[row["shop_id"]],
                "external_id": row["external_id"],
                "name": row["name"],
                "email": row["email"],
                "phone": row["phone"],
                "country": row["country"],
                "region": row["region"],
                "language": row["language"],
                "handle": row["handle"],
                "tier": row["tier"],
            }
        )
    lines = groupby(_rows(db, "SELECT * FROM order_lines ORDER BY order_id, id"), key=lambda r: r["order_id"])
    pending = next(lines, None)
    for row in _rows(
        db, f"SELECT o.*, {_IDENTITY.format(alias='o')} AS customer_ext FROM orders o ORDER BY o.id"
    ):
        order_lines = []
        while pending is not None and pending[0] <= row["id"]:
            if pending[0] == row["id"]:
                order_lines = list(pending[1])
            else:
                list(pending[1])  # lines of an order that no longer exists: skip them
            pending = next(lines, None)
        yield _clean(
            {
                "type": "order",
                "platform": row["platform"],
                "shop": shops[row["shop_id"]],
                "external_id": row["external_id"],
                "customer": row["customer_ext"],
                "status": row["status"],
                "currency": row["currency"],
                "total_minor": row["total_minor"],
                "ordered_at": iso(row["ordered_at"]),
                "shipped_at": iso(row["shipped_at"]),
                "delivered_at": iso(row["delivered_at"]),
                "tracking_number": row["tracking_number"],
                "carrier": row["carrier"],
                "country": row["country"],
                "region": row["region"],
                "lines": [
                    _clean(
                        {
                            "external_id": line["external_id"],
                            "sku": line["sku"],
                            "title": line["title"],
                            "quantity": line["quantity"],
                            "unit_price_minor": line["unit_price_minor"],
                            "delivered_at": iso(line["delivered_at"])
                            if line["delivered_at"] != row["delivered_at"]
                            else None,
                        }
                    )
                    for line in order_lines
                ],
            }
        )
    yield from _conversations(desk, shops, history)


#: The buyer's identity on the record's own shop (records refer to buyers by their platform id).
_IDENTITY = (
    "(SELECT ci.external_id FROM customer_identities ci WHERE ci.customer_id = {alias}.customer_id "
    "AND ci.platform = {alias}.platform AND ci.shop_id = {alias}.shop_id ORDER BY ci.id LIMIT 1)"
)


def _conversations(desk: Desk, shops: dict[int, str], history: bool = False) -> Iterator[dict[str, Any]]:
    db = desk.db
    messages = groupby(
        _rows(db, "SELECT * FROM messages ORDER BY ticket_id, created_at, id"), key=lambda r: r["ticket_id"]
    )
    tags = groupby(
        _rows(db, "SELECT ticket_id, tag FROM ticket_tags ORDER BY ticket_id, tag"),
        key=lambda r: r["ticket_id"],
    )
    next_messages, next_tags = next(messages, None), next(tags, None)
    attachments = _attachments(db)
    sql = (
        f"SELECT t.*, {_IDENTITY.format(alias='t')} AS customer_ext, "
        "(SELECT o.external_id FROM orders o WHERE o.id = t.order_id AND o.platform = t.platform "
        "AND o.shop_id = t.shop_id) AS order_ext, "
        # What analytics needs to recompute its figures from the file (docs/analytics.md, "Checking").
        "(SELECT a.name FROM agents a WHERE a.id = t.assignee_id) AS assignee_name, "
        "(SELECT p.name FROM sla_policies p WHERE p.id = t.sla_policy_id) AS sla_policy, "
        "f.reopens AS facts_reopens, f.first_reply_due AS facts_first_due, f.resolution_due AS facts_res_due "
        "FROM tickets t LEFT JOIN ticket_facts f ON f.ticket_id = t.id ORDER BY t.id"
    )
    for ticket in _rows(db, sql):
        tid = ticket["id"]
        thread: list[dict] = []
        while next_messages is not None and next_messages[0] <= tid:
            group = list(next_messages[1])
            if next_messages[0] == tid:
                thread = group
            next_messages = next(messages, None)
        ticket_tags: list[str] = []
        while next_tags is not None and next_tags[0] <= tid:
            group = [r["tag"] for r in next_tags[1]]
            if next_tags[0] == tid:
                ticket_tags = group
            next_tags = next(tags, None)
        # A conversation opens with the buyer's message: that is the one that creates the ticket on import.
        first_in = next((i for i, m in enumerate(thread) if m["direction"] == "in"), None)
        if first_in is None:
            continue  # nothing a buyer wrote: not importable as a conversation
        thread.insert(0, thread.pop(first_in))
        shop = shops[ticket["shop_id"]]
        for i, m in enumerate(thread):
            ext = m["external_id"]
            if ext.startswith("crossdesk:"):
                # Our own ids are per desk; give them the thread's scope so they stay unique on any desk.
                ext = f"{ticket['external_id']}:{ext.replace(':', '-')}"
            record = {
                "type": "message",
                "platform": m["platform"],
                "shop": shop,
                "thread_id": ticket["external_id"],
                "external_id": ext,
                "direction": m["direction"],
                "created_at": iso(m["created_at"]),
                "author": m["author"],
                "language": m["language"],
                "body": m["body"],
                "translation": m["translation"],
                "channel": m.get("channel", ""),
                "attachments": attachments.get(m["id"], []),
            }
            if i == 0:
                record["customer"] = ticket["customer_ext"]
                record["order"] = ticket["order_ext"]
                record["subject"] = ticket["subject"]
            yield _clean(record)
        yield _clean(
            {
                "type": "ticket",
                "platform": ticket["platform"],
                "shop": shop,
                "thread_id": ticket["external_id"],
                "status": TicketStatus(ticket["status"]).label,
                "subject": ticket["subject"],
                "tags": ticket_tags,
                **(_history(ticket) if history else {}),
            }
        )


def _history(ticket: dict[str, Any]) -> dict[str, Any]:
    """The ticket's history for reporting (export only; the importer ignores these fields): when it was
    created and last solved, its assignee, how often it was reopened and its SLA deadlines (the
    first-reply one kept after the reply, the resolution one as it stood at the solve, else live)."""
    solved = ticket["status"] >= TicketStatus.SOLVED and ticket["solved_at"] is not None
    first_due = (
        ticket["facts_first_due"] if ticket["facts_first_due"] is not None else ticket["first_reply_due"]
    )
    res_due = ticket["facts_res_due"] if solved else ticket["resolution_due"]
    return {
        "created_at": iso(ticket["created_at"]),
        "solved_at": iso(ticket["solved_at"]) if solved else None,
        "assignee": ticket["assignee_name"],
        "reopens": ticket["facts_reopens"],
        "sla": _clean(
            {
                "policy": ticket["sla_policy"],
                "first_reply_due": iso(first_due),
                "next_reply_due": iso(ticket["next_reply_due"]),
                "resolution_due": iso(res_due),
            }
        ),
    }
def _attachments(db: Any) -> dict[int, list[dict[str, Any]]]:
    """Attachment metadata per desk message (files stay beside the desk; the export names them)."""
    found: dict[int, list[dict[str, Any]]] = {}
    sql = (
        "SELECT m.desk_message_id AS message_id, a.filename, a.declared_type, a.sniffed_type, a.size, a.sha256, "
        "a.stored FROM mail_attachments a JOIN mail_messages m ON m.id = a.mail_id "
        "WHERE m.desk_message_id IS NOT NULL ORDER BY a.id"
    )
    for row in _rows(db, sql):
        message_id = row.pop("message_id")
        row["stored"] = bool(row["stored"])
        found.setdefault(message_id, []).append(row)
    return found


def _rows(db: Any, sql: str) -> Iterator[dict[str, Any]]:
    cursor = db.conn.execute(sql)
    names = [d[0] for d in cursor.description]
    while True:
        batch = cursor.fetchmany(1000)
        if not batch:
            return
        for values in batch:
            yield dict(zip(names, values, strict=True))


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty optional fields: smaller files, and what is absent reads as absent."""
    return {k: v for k, v in record.items() if v not in (None, "", [], {}) or k == "type"}
