"""The dimensions a report can group by, and the statistics every metric is summarised with.

Each dimension is one SQL expression over a ticket ``t`` and its facts row ``f`` (docs/analytics.md,
"Dimensions"); ``sku`` joins the ticket's order lines (a ticket about an order of two SKUs counts once for
each); ``day`` and ``week`` are buckets of a time in the desk's time zone, computed after the query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from crossdesk.errors import DeskError
from crossdesk.models import Tier

_TIER = " ".join(f"WHEN {int(t)} THEN '{t.label}'" for t in Tier)

#: dimension -> SQL over ``t`` (tickets) and ``f`` (ticket_facts); '' stands for "none".
SQL: dict[str, str] = {
    "platform": "t.platform",
    "shop": "(SELECT s.name FROM shops s WHERE s.id = t.shop_id)",
    "market": (
        "COALESCE(NULLIF((SELECT c.country FROM customers c WHERE c.id = t.customer_id), ''), "
        "(SELECT o.country FROM orders o WHERE o.id = t.order_id))"
    ),
    "language": "t.language",
    "agent": (
        "COALESCE((SELECT a.name FROM agents a WHERE a.id = t.assignee_id), NULLIF(f.first_human_author, ''))"
    ),
    "team": "(SELECT tm.name FROM teams tm WHERE tm.id = t.team_id)",
    "intent": "t.intent",
    "segment": f"CASE t.tier {_TIER} END",
    "sku": "l.sku",
}
#: The customers column that holds a segment, when the desk has one (else the tier is the segment).
SEGMENT_COLUMN = "segment"
TIME_BUCKETS = ("day", "week")
DIMENSIONS = (*SQL, *TIME_BUCKETS)
#: How the SKU dimension reaches the order lines of a ticket.
SKU_JOIN = "JOIN order_lines l ON l.order_id = t.order_id"
NONE = "(none)"


def check(by: Sequence[str]) -> list[str]:
    """The dimensions asked for, validated (a clear error names the known ones)."""
    out = []
    for name in by:
        key = name.strip().lower()
        if key not in DIMENSIONS:
            raise DeskError(f"unknown dimension {name!r}; known: {', '.join(DIMENSIONS)}")
        if key in out:
            continue
        out.append(key)
    if sum(k in TIME_BUCKETS for k in out) > 1:
        raise DeskError("group by day or by week, not both")
    return out


def sql_for(name: str, columns: set[str]) -> str:
    """The SQL of a dimension; ``columns`` are the customers table's (a segment column wins over tier)."""
    if name == "segment" and SEGMENT_COLUMN in columns:
        return (
            f"COALESCE(NULLIF((SELECT c.{SEGMENT_COLUMN} FROM customers c WHERE c.id = t.customer_id), ''), "
            f"{SQL['segment']})"
        )
    return SQL[name]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise DeskError(f"unknown time zone {name!r} in the desk's timezone setting") from None


def buckets(times: np.ndarray, kind: str, tz: ZoneInfo) -> np.ndarray:
    """The local day (or the Monday of the local week) holding each epoch time, as ISO date text."""
    out = np.empty(len(times), dtype=object)
    if not len(times):
        return out
    first = dt.datetime.fromtimestamp(int(times.min()), tz).date() - dt.timedelta(days=7)
    last = dt.datetime.fromtimestamp(int(times.max()), tz).date() + dt.timedelta(days=1)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    starts = np.array([int(dt.datetime.combine(d, dt.time(), tz).timestamp()) for d in days], dtype=np.int64)
    index = np.searchsorted(starts, times.astype(np.int64), side="right") - 1
    labels = [(d - dt.timedelta(days=d.weekday()) if kind == "week" else d).isoformat() for d in days]
    table = np.array(labels, dtype=object)
    out[:] = table[index]
    return out


def stats(values: np.ndarray) -> dict[str, Any]:
    """count, median, 90th percentile and mean of ``values`` (NaN left out); percentiles interpolate
    linearly between the closest ranks (docs/analytics.md, "Statistics")."""
    v = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    if not len(v):
        return {"count": 0, "median": None, "p90": None, "mean": None}
    median, p90 = np.percentile(v, [50, 90])
    return {"count": len(v), "median": float(median), "p90": float(p90), "mean": float(v.mean())}


def refund_summary(count: int, per_currency: dict[str, int], usd_factor: dict[str, float]) -> dict[str, Any]:
    """Refunds of a group: their count, amounts per currency (minor units) and in USD (each currency's
    exact total converted once, so the figure does not depend on the order of the rows)."""
    usd = sum(per_currency[c] * usd_factor.get(c, 0.0) for c in sorted(per_currency))
    return {"count": count, "by_currency": dict(sorted(per_currency.items())), "usd": round(usd, 2)}


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def parse_time(text: str, tz: ZoneInfo) -> int:
    """A period bound: ``2026-11-30`` (midnight in the desk's time zone), an ISO 8601 time (without an
    offset: the desk's time zone), or epoch seconds."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DeskError(f"not a date or time: {text!r} (use 2026-11-30 or 2026-11-30T08:00)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return int(parsed.timestamp())
