"""What a case is judged on and what the verdict means for the refund: the :class:`ReturnQuery` built
from the case, its order, lines, buyer and shop; the refund terms a verdict sets; legal days as UTC
seconds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson

from crossdesk.policy import PLATFORMS, ReturnQuery
from crossdesk.store import Store


def day(epoch: int | None) -> dt.date | None:
    """The UTC day of ``epoch`` (None stays None)."""
    return None if epoch is None else dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()


def end_of_day(when: dt.date) -> int:
    """The last second of ``when`` in UTC: a legal deadline lasts the whole day."""
    return int(dt.datetime.combine(when, dt.time(23, 59, 59), dt.UTC).timestamp())


def return_query(store: Store, case: Mapping[str, Any], order: Mapping[str, Any]) -> ReturnQuery:
    """The :class:`ReturnQuery` a case is judged on, from its order, lines, shop and request."""
    db = store.db
    request = orjson.loads(case["request"] or "{}")
    customer = (
        db.execute("SELECT country, region FROM customers WHERE id = ?", [order["customer_id"]]).fetchone()
        if order["customer_id"] is not None
        else None
    )
    shop = db.execute("SELECT config FROM shops WHERE id = ?", [order["shop_id"]]).fetchone()
    config = orjson.loads(shop[0]) if shop else {}
    # The delivery days of the lines the case is about (all lines when it names none).
    delivered_rows = db.execute(
        "SELECT DISTINCT ol.delivered_at FROM order_lines ol "
        "WHERE ol.order_id = ? AND ol.delivered_at IS NOT NULL AND (NOT EXISTS "
        "(SELECT 1 FROM case_lines c WHERE c.case_id = ?) OR ol.id IN "
        "(SELECT order_line_id FROM case_lines WHERE case_id = ?))",
        [order["id"], case["id"], case["id"]],
    ).fetchall()
    delivered = sorted({day(r[0]) for r in delivered_rows})
    if not delivered and order["delivered_at"] is not None:
        delivered = [day(order["delivered_at"])]
    informed = request.get("informed")
    if informed is None:
        informed = config.get("informs_withdrawal", True)
    if isinstance(informed, str):
        informed = dt.date.fromisoformat(informed)
    days = config.get("return_days")
    return ReturnQuery(
        country=order["country"] or (customer[0] if customer else "") or None,
        region=order["region"] or (customer[1] if customer else "") or None,
        platform=order["platform"] if order["platform"] in PLATFORMS else None,
        ordered=day(order["ordered_at"]),
        delivered=delivered,
        requested=day(case["requested_at"]),
        informed=informed,
        flags=frozenset(request.get("flags") or ()),
        seller_policy_days=None if days is None else int(days),
    )


def refund_terms(verdict: Mapping[str, Any]) -> dict[str, Any]:
    """When the refund is due. The law binds the seller whichever policy served the buyer best, so the
    terms come from the best verdict if it has any, else from the strictest eligible law in ``considered``
    (the earliest due date)."""
    if verdict.get("refund_due") or verdict.get("refund_days") is not None:
        return dict(verdict)
    laws = [
        v
        for v in verdict.get("considered") or ()
        if v.get("kind") == "law"
        and v.get("eligible")
        and (v.get("refund_due") or v.get("refund_days") is not None)
    ]
    if not laws:
        return {}
    dated = [v for v in laws if v.get("refund_due")]
    return dict(min(dated, key=lambda v: v["refund_due"]) if dated else laws[0])
