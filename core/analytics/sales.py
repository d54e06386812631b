"""Per-day SKU sales: the exposure of the quality warnings without reading every order of the windows
(docs/analytics.md, "Rollups").

``sku_days`` holds, per UTC day of ordering, SKU and marketplace, the orders holding the SKU and the units
sold. Triggers on ``orders`` and ``order_lines`` (migration 0180) mark every day a change touches, bulk
loads included; :meth:`SkuSales.refresh` recounts those days. A window is the whole days it covers, read
from the rollup, plus its partial first and last days read from the orders themselves, so the counts are
exact for any window, not only for whole days.
"""

from __future__ import annotations

from collections import defaultdict

from crossdesk.store import Store

DAY = 86_400
_RAW = (
    "SELECT l.sku AS sku, o.platform AS platform, COUNT(DISTINCT o.id) AS orders, SUM(l.quantity) AS units "
    "FROM orders o "
    "JOIN order_lines l ON l.order_id = o.id WHERE o.ordered_at >= ? AND o.ordered_at < ? GROUP BY 1, 2"
)


class SkuSales:
    """Orders and units per SKU and marketplace over any window."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def refresh(self) -> int:
        """Recount the days marked since the last refresh; returns how many."""
        db = self.store.db
        days = [r[0] for r in db.execute("SELECT day FROM sku_days_dirty ORDER BY day")]
        if not days:
            return 0
        with self.store.tx():
            for day in days:
                db.execute("DELETE FROM sku_days WHERE day = ?", [day])
                db.execute(
                    "INSERT INTO sku_days (day, sku, platform, orders, units) "
                    f"SELECT ?, sku, platform, orders, units FROM ({_RAW})",
                    [day, day * DAY, (day + 1) * DAY],
                )
                db.execute("DELETE FROM sku_days_dirty WHERE day = ?", [day])
        return len(days)

    def rebuild(self) -> int:
        """Recount every day (``crossdesk report --rebuild``)."""
        with self.store.tx():
            self.store.db.execute("DELETE FROM sku_days")
            self.store.db.execute(
                "INSERT OR IGNORE INTO sku_days_dirty (day) SELECT DISTINCT ordered_at / 86400 FROM orders"
            )
        return self.refresh()

    def counts(self, start: int, end: int) -> dict[tuple[str, str], list[int]]:
        """{(sku, platform): [orders holding it, units sold]} for the orders placed in [start, end)."""
        self.refresh()
        db = self.store.db
        out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        first = -(-start // DAY)  # the first whole day inside the window
        last = end // DAY  # the day after the last whole day
        ranges = [(start, end)] if first >= last else [(start, first * DAY), (last * DAY, end)]
        rows = []
        for lo, hi in ranges:
            if lo < hi:
                rows += db.execute(_RAW, [lo, hi]).fetchall()
        if first < last:
            rows += db.execute(
                "SELECT sku, platform, SUM(orders), SUM(units) FROM sku_days WHERE day >= ? AND day < ? "
                "GROUP BY 1, 2",
                [first, last],
            ).fetchall()
        for sku, platform, orders, units in rows:
            entry = out[(sku, platform)]
            entry[0] += orders
            entry[1] += units
        return out
