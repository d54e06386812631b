"""Read-only desk figures for the agent's screens: the dashboard numbers and the inbox's counts and names.

Every function takes the desk and an :class:`~crossdesk.models.Actor` and checks the ``view`` permission
first, like the services; nothing here writes. Days are UTC days of the desk's clock, so a test with a
fixed clock gets fixed figures.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crossdesk.models import OPEN_STATUSES, Actor

if TYPE_CHECKING:
    from crossdesk.api import Desk

DAY = 86_400

#: A ticket is "breaching" when its nearest SLA deadline falls within this many seconds from now (or has
#: passed). One hour gives an agent time to act before the clock runs out.
BREACHING_WINDOW = 3_600


def breaching_before(desk: Desk) -> int:
    """The ``breaching_before`` bound for the inbox's "breaching" filter."""
    return desk.now() + BREACHING_WINDOW


def day_start(now: int) -> int:
    """Midnight UTC of the day holding ``now``."""
    return now - now % DAY


# ---- inbox -------------------------------------------------------------------------------------------


def count_tickets(desk: Desk, actor: Actor, **filters: Any) -> int:
    """How many tickets :meth:`Desk.list_tickets` would page through for the same filters."""
    return desk.count_tickets(actor, **filters)


def names_for(desk: Desk, actor: Actor, rows: Sequence[dict]) -> None:
    """Add ``shop_name``, ``buyer`` and ``assignee`` to ticket rows in place (three queries per page,
    whatever the page size)."""
    desk.require(actor, "view")
    for key, table, column, target in (
        ("shop_id", "shops", "name", "shop_name"),
        ("customer_id", "customers", "name", "buyer"),
        ("assignee_id", "agents", "name", "assignee"),
    ):
        ids = sorted({r[key] for r in rows if r.get(key) is not None})
        found: dict[int, str] = {}
        if ids:
            marks = ",".join("?" * len(ids))
            found = dict(desk.db.execute(f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", ids))
        for row in rows:
            row[target] = found.get(row.get(key), "")


def shops(desk: Desk, actor: Actor) -> list[dict]:
    """Every shop of the desk, for filters and pickers."""
    desk.require(actor, "view")
    return [dict(r) for r in desk.db.query("SELECT id, platform, external_id, name FROM shops ORDER BY id")]


# ---- dashboard -----------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    """The figures of the dashboard screen, for one UTC day."""

    day_start: int
    now: int
    created_today: int = 0
    messages_in_today: int = 0
    replies_today: int = 0
    open_tickets: int = 0
    sla_breaches: int = 0
    first_reply_median_s: float | None = None
    first_reply_count: int = 0
    volume_by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    top_intents: list[tuple[str, int]] = field(default_factory=list)
    returns_per_sku: list[tuple[str, int]] = field(default_factory=list)


def dashboard(desk: Desk, actor: Actor, *, top: int = 8) -> Dashboard:
    """Today's volume, first-reply time, SLA breaches, top intents of open tickets and returned units
    per SKU."""
    desk.require(actor, "view")
    now = desk.now()
    start = day_start(now)
    out = Dashboard(day_start=start, now=now)
    db = desk.db
    open_codes = [int(s) for s in OPEN_STATUSES]
    marks = ",".join("?" * len(open_codes))
    for hour, n in db.execute(
        "SELECT (created_at - ?) / 3600 AS h, COUNT(*) FROM tickets WHERE created_at >= ? AND created_at < ? "
        "GROUP BY h",
        [start, start, start + DAY],
    ):
        out.volume_by_hour[int(hour)] = n
    out.created_today = sum(out.volume_by_hour)
    for direction, n in db.execute(
        "SELECT direction, COUNT(*) FROM messages WHERE created_at >= ? AND created_at < ? GROUP BY direction",
        [start, start + DAY],
    ):
        if direction == "in":
            out.messages_in_today = n
        elif direction == "out":
            out.replies_today = n
    out.open_tickets = db.execute(
        f"SELECT COUNT(*) FROM tickets WHERE status IN ({marks})", open_codes
    ).fetchone()[0]
    out.sla_breaches = db.execute(
        f"SELECT COUNT(*) FROM tickets WHERE status IN ({marks}) AND sla_due IS NOT NULL AND sla_due < ?",
        [*open_codes, now],
    ).fetchone()[0]
    waits = [
        r[0]
        for r in db.execute(
            "SELECT first_replied_at - created_at FROM tickets "
            "WHERE first_replied_at IS NOT NULL AND first_replied_at >= ? AND first_replied_at < ?",
            [start, start + DAY],
        )
    ]
    out.first_reply_count = len(waits)
    out.first_reply_median_s = float(statistics.median(waits)) if waits else None
    out.top_intents = [
        (r[0] or "(none)", r[1])
        for r in db.execute(
            f"SELECT intent, COUNT(*) AS n FROM tickets WHERE status IN ({marks}) GROUP BY intent "
            "ORDER BY n DESC, intent LIMIT ?",
            [*open_codes, top],
        )
    ]
    out.returns_per_sku = [
        (r[0], r[1])
        for r in db.execute(
            "SELECT l.sku, SUM(cl.quantity) AS n FROM case_lines cl JOIN cases c ON c.id = cl.case_id "
            "JOIN order_lines l ON l.id = cl.order_line_id WHERE c.type IN ('return', 'exchange') "
            "GROUP BY l.sku ORDER BY n DESC, l.sku LIMIT ?",
            [top],
        )
    ]
    return out


def order(desk: Desk, actor: Actor, order_id: int) -> dict:
    """One order with its lines (for the after-sales screen)."""
    desk.require(actor, "view")
    from crossdesk.api import NotFound

    row = desk.db.execute("SELECT id FROM orders WHERE id = ?", [order_id]).fetchone()
    if row is None:
        raise NotFound(f"no order #{order_id}")
    out = dict(desk.db["orders"].get(order_id))
    out["lines"] = [
        dict(r) for r in desk.db.query("SELECT * FROM order_lines WHERE order_id = ? ORDER BY id", [order_id])
    ]
    return out


def refundable(desk: Desk, actor: Actor, order_id: int) -> int:
    """Minor units still refundable on an order: paid minus refunds made (0 on a desk without refunds)."""
    desk.require(actor, "view")
    paid = desk.db.execute("SELECT total_minor FROM orders WHERE id = ?", [order_id]).fetchone()
    if paid is None:
        return 0
    if not desk.db["refunds"].exists():
        return int(paid[0])
    done = desk.db.execute(
        "SELECT COALESCE(SUM(amount_minor), 0) FROM refunds WHERE order_id = ?", [order_id]
    ).fetchone()
    return max(0, int(paid[0]) - int(done[0]))


def tickets_by_ids(desk: Desk, actor: Actor, ids: Sequence[int]) -> list[dict]:
    """Ticket rows for ``ids``, in the order given (a page of the live queue), with their names."""
    desk.require(actor, "view")
    if not ids:
        return []
    found: dict[int, dict] = {}
    for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
        part = list(ids[start : start + 500])
        marks = ",".join("?" * len(part))
        for row in desk.db.query(f"SELECT * FROM tickets WHERE id IN ({marks})", part):
            found[row["id"]] = dict(row)
    rows = [found[i] for i in ids if i in found]
    names_for(desk, actor, rows)
    return rows
