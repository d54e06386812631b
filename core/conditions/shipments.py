"""Rule fields about the parcel of a ticket's order (carrier tracking, docs/tracking.md).

Each reads the order's latest outbound shipment (or, for ``return_state``, the latest return parcel of the
order); a ticket without an order, or an order without a tracked parcel, has no value (``is_not_set``).
Time fields count days with fractions, so ``days_since_delivered gte 3`` in a ``time`` rule fires the run
of ``crossdesk automate`` after three days have passed, once per condition window (and once per ticket
with ``once_per_ticket``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crossdesk.conditions.fields import Facts, FieldSpec

_LATEST = "(SELECT {col} FROM shipments s WHERE s.order_id = t.order_id AND s.kind = '{kind}' ORDER BY s.id DESC LIMIT 1)"


def _sql(col: str, kind: str = "outbound") -> str:
    return _LATEST.format(col=f"s.{col}", kind=kind)


def _value(col: str, kind: str = "outbound") -> Callable[[Facts], Any]:
    def get(f: Facts) -> Any:
        oid = f.ticket.get("order_id")
        if oid is None:
            return None
        return f.cached(
            f"shipment.{kind}.{col}",
            lambda: f._one(
                f"SELECT {col} FROM shipments WHERE order_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
                [oid, kind],
            ),
        )

    return get


def _days_since(col: str) -> Callable[[Facts], float | None]:
    at = _value(col)

    def get(f: Facts) -> float | None:
        value = at(f)
        return None if value is None else (f.now - value) / 86400.0

    return get


def _stalled(f: Facts) -> int | None:
    value = _value("id")(f)
    if value is None:
        return None
    return 0 if _value("stalled_at")(f) is None else 1


SHIPMENT_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec(
            "shipment_state",
            "text",
            _value("state"),
            _sql("state"),
            description="the parcel's state: info_received, in_transit, out_for_delivery, delivered, "
            "failed_attempt, exception, returned, expired",
        ),
        FieldSpec(
            "return_state",
            "text",
            _value("state", "return"),
            _sql("state", "return"),
            description="the state of the order's return parcel (a return label's)",
        ),
        FieldSpec(
            "shipment_stalled",
            "number",
            _stalled,
            f"(CASE WHEN {_sql('id')} IS NULL THEN NULL WHEN {_sql('stalled_at')} IS NULL THEN 0 ELSE 1 END)",
            description="1 when the parcel has had no scan for its carrier's stall window, else 0",
        ),
        FieldSpec(
            "days_since_shipped",
            "number",
            _days_since("shipped_at"),
            f"(({{now}} - {_sql('shipped_at')}) / 86400.0)",
            uses_now=True,
        ),
        FieldSpec(
            "days_since_delivered",
            "number",
            _days_since("delivered_at"),
            f"(({{now}} - {_sql('delivered_at')}) / 86400.0)",
            uses_now=True,
            description="days since the parcel was delivered; is_not_set before",
        ),
        FieldSpec(
            "days_since_last_scan",
            "number",
            _days_since("last_scan_at"),
            f"(({{now}} - {_sql('last_scan_at')}) / 86400.0)",
            uses_now=True,
        ),
    )
}
