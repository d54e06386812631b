"""Per-day SKU counts: what the quality warnings compare, without reading every order of the windows
(docs/analytics.md, "Rollups").

``sku_days`` holds, per UTC day of ordering, SKU and marketplace: the orders holding the SKU, the units
sold, the orders with a ticket whose intent says the product is at fault, and the units in return, refund
and exchange cases. Triggers (migration 0180) on ``orders``, ``order_lines``, ``tickets`` (intent,
order), ``cases`` and ``case_lines`` mark every day a change touches, bulk loads included;
:meth:`SkuSales.refresh` recounts those days (every day when the complaint intents changed). A window is
the whole days it covers, read from the rollup, plus its partial first and last days counted from the
orders themselves, so the counts are exact for any window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from crossdesk.store import Store

DAY = 86_400
RETURN_CASES = ("return", "refund", "exchange")
#: The order lines' covering index (migration 0195), named by the queries: without statistics SQLite
#: would take the unique index on the same first column and seek every line in the table.
LINES_INDEX = "order_lines_order_sku"
#: (day or 0, sku, platform, orders, units) over the orders placed in [?, ?)
_SALES = (
    "SELECT {day}, l.sku, o.platform, COUNT(DISTINCT o.id), SUM(l.quantity) FROM orders o "
    "JOIN order_lines l ON l.order_id = o.id WHERE o.ordered_at >= ? AND o.ordered_at < ? GROUP BY 1, 2, 3"
)
_COMPLAINTS = (
    "SELECT {day}, l.sku, o.platform, COUNT(DISTINCT o.id) FROM orders o "
    "JOIN order_lines l ON l.order_id = o.id WHERE o.ordered_at >= ? AND o.ordered_at < ? "
    "AND EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = o.id AND t.intent IN ({intents})) GROUP BY 1, 2, 3"
)
_RETURNS = (
    "SELECT d, sku, platform, SUM(units) FROM (SELECT {day} AS d, l.sku AS sku, o.platform AS platform, "
    "MIN(l.quantity, SUM(cl.quantity)) AS units FROM orders o CROSS JOIN order_lines l ON l.order_id = o.id "
    "CROSS JOIN case_lines cl ON cl.order_line_id = l.id CROSS JOIN cases c ON c.id = cl.case_id "
    "WHERE o.ordered_at >= ? AND o.ordered_at < ? AND c.type IN ('return', 'refund', 'exchange') "
    "GROUP BY l.id) GROUP BY 1, 2, 3"
)


def _runs(days: Sequence[int]) -> Iterable[tuple[int, int]]:
    """Consecutive days as [first, last + 1) runs."""
    start = prev = None
    for d in days:
        if start is None:
            start = prev = d
        elif d == prev + 1:  # type: ignore[operator]
            prev = d
        else:
            yield start, prev + 1  # type: ignore[operator]
            start = prev = d
    if start is not None:
        yield start, prev + 1  # type: ignore[operator]


class SkuSales:
    """Orders, units, complaints and returns per SKU and marketplace over any window."""

    def __init__(self, store: Store, intents: Sequence[str]) -> None:
        self.store = store
        self.intents = tuple(intents)
        self._lines: str | None = None

    def _order_lines(self) -> str:
        """The order lines as the queries join them: through the covering index of migration 0195 when
        the desk has it (SQLite would otherwise seek each line in the table)."""
        if self._lines is None:
            found = self.store.db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [LINES_INDEX]
            ).fetchone()
            self._lines = f"order_lines l INDEXED BY {LINES_INDEX}" if found else "order_lines l"
        return self._lines

    def _aggregate(self, lo: int, hi: int, by_day: bool) -> dict[tuple, list[int]]:
        """{(day, sku, platform): [orders, units, complaints, returned]} over the orders placed in [lo, hi)
        (day 0 when not by day)."""
        db = self.store.db
        day = "o.ordered_at / 86400" if by_day else "0"
        out: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        marks = ",".join("?" * len(self.intents)) or "NULL"
        queries: list[tuple[int, str, list[Any]]] = [
            (0, _SALES.format(day=day), [lo, hi]),
            (2, _COMPLAINTS.format(day=day, intents=marks), [lo, hi, *self.intents]),
            (3, _RETURNS.format(day=day), [lo, hi]),
        ]
        lines = self._order_lines()
        for at, sql, args in queries:
            for row in db.execute(sql.replace("order_lines l ON", f"{lines} ON"), args):
                entry = out[(int(row[0]), row[1], row[2])]
                for k, value in enumerate(row[3:]):
                    entry[at + k] = int(value or 0)
        return out

    def _intents_changed(self) -> bool:
        return list(self.store.get_setting("analytics_sku_days_intents", None) or []) != list(self.intents)

    def pending(self) -> int:
        """How many days wait for a recount (every day of orders when the complaint intents changed)."""
        db = self.store.db
        if self._intents_changed():
            return int(db.execute("SELECT COUNT(DISTINCT ordered_at / 86400) FROM orders").fetchone()[0])
        return int(db.execute("SELECT COUNT(*) FROM sku_days_dirty").fetchone()[0])

    def refresh(self, *, limit: int | None = None) -> int:
        """Recount the days marked since the last refresh (all of them when the complaint intents
        changed; the oldest ``limit`` of them when given, so a large desk's first count goes in slices);
        returns how many."""
        db = self.store.db
        if self._intents_changed():
            with self.store.tx():
                db.execute("DELETE FROM sku_days")
                db.execute(
                    "INSERT OR IGNORE INTO sku_days_dirty (day) SELECT DISTINCT ordered_at / 86400 FROM orders"
                )
                self.store.put_setting("analytics_sku_days_intents", list(self.intents))
        sql = "SELECT day FROM sku_days_dirty ORDER BY day" + ("" if limit is None else " LIMIT ?")
        days = [r[0] for r in db.execute(sql, [] if limit is None else [int(limit)])]
        if not days:
            return 0
        with self.store.tx():
            for first, last in _runs(days):
                db.execute("DELETE FROM sku_days WHERE day >= ? AND day < ?", [first, last])
                rows = self._aggregate(first * DAY, last * DAY, by_day=True)
                db.conn.executemany(
                    "INSERT INTO sku_days (day, sku, platform, orders, units, complaints, returned) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [[*key, *values] for key, values in rows.items()],
                )
                db.execute("DELETE FROM sku_days_dirty WHERE day >= ? AND day < ?", [first, last])
        return len(days)

    def try_refresh(self) -> bool:
        """Refresh; False when the desk cannot be written here (read-only file or medium)."""
        try:
            self.refresh()
        except Exception as exc:
            text = str(exc).lower()
            if "readonly" not in text and "read-only" not in text:
                raise
            return False
        return True

    def rebuild(self) -> int:
        """Recount every day (``crossdesk report --rebuild``)."""
        with self.store.tx():
            self.store.db.execute("DELETE FROM sku_days")
            self.store.db.execute(
                "INSERT OR IGNORE INTO sku_days_dirty (day) SELECT DISTINCT ordered_at / 86400 FROM orders"
            )
        return self.refresh()

    def counts(self, start: int, end: int) -> dict[tuple[str, str], list[int]]:
        """{(sku, platform): [orders holding it, units sold, orders with a complaint, units returned]} for
        the orders placed in [start, end)."""
        if not self.try_refresh():  # a desk we may not write: count the whole window from the orders
            return {(k[1], k[2]): v for k, v in self._aggregate(start, end, by_day=False).items()}
        out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        first = -(-start // DAY)  # the first whole day inside the window
        last = end // DAY  # the day after the last whole day
        ranges = [(start, end)] if first >= last else [(start, first * DAY), (last * DAY, end)]
        rows: list[tuple] = []
        for lo, hi in ranges:
            if lo < hi:
                rows += [(k[1], k[2], *v) for k, v in self._aggregate(lo, hi, by_day=False).items()]
        if first < last:
            rows += self.store.db.execute(
                "SELECT sku, platform, SUM(orders), SUM(units), SUM(complaints), SUM(returned) FROM sku_days "
                "WHERE day >= ? AND day < ? GROUP BY 1, 2",
                [first, last],
            ).fetchall()
        for sku, platform, *values in rows:
            entry = out[(sku, platform)]
            for k, value in enumerate(values):
                entry[k] += int(value)
        return out
