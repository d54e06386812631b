"""Per-day SKU counts: kept by triggers through orders, lines, tickets and cases (bulk loads included),
equal to a rebuild, and to counting the orders of any window directly (edges inside a day included)."""

from __future__ import annotations

from crossdesk.analytics.quality import COMPLAINT_INTENTS
from crossdesk.analytics.sales import _COMPLAINTS, _RETURNS, _SALES, SkuSales
from crossdesk.models import Actor

ADMIN = Actor.system("test")
DAY = 86_400


def _raw(desk, start: int, end: int) -> dict[tuple[str, str], list[int]]:
    """The four counts from the orders of [start, end), with no rollup."""
    db = desk.store.db
    out: dict[tuple[str, str], list[int]] = {}
    marks = ",".join("?" * len(COMPLAINT_INTENTS))
    for at, sql, args in (
        (0, _SALES.format(day="0"), [start, end]),
        (2, _COMPLAINTS.format(day="0", intents=marks), [start, end, *COMPLAINT_INTENTS]),
        (3, _RETURNS.format(day="0"), [start, end]),
    ):
        for row in db.execute(sql, args):
            entry = out.setdefault((row[1], row[2]), [0, 0, 0, 0])
            for k, v in enumerate(row[3:]):
                entry[at + k] += int(v or 0)
    return out


def _table(desk) -> list[tuple]:
    return desk.store.db.execute("SELECT * FROM sku_days ORDER BY day, sku, platform").fetchall()


def test_windows_equal_direct_counts(desk):
    sales = SkuSales(desk.store, COMPLAINT_INTENTS)
    now = desk.store.now()
    for start, end in (
        (now - 14 * DAY, now),
        (now - 70 * DAY, now - 14 * DAY),
        (now - 3600, now),
        (0, now + 1),
    ):
        got = {k: v for k, v in sales.counts(start, end).items() if any(v)}
        assert got == _raw(desk, start, end)
    assert any(v[2] for v in sales.counts(0, now + 1).values()), "the demo has complaints on orders"


def test_triggers_keep_the_days_equal_to_a_rebuild(desk):
    sales = SkuSales(desk.store, COMPLAINT_INTENTS)
    sales.refresh()
    assert desk.store.db.execute("SELECT COUNT(*) FROM sku_days_dirty").fetchone()[0] == 0
    db = desk.store.db
    # An order line changes quantity, a ticket's intent becomes a complaint, a case line goes away, an
    # order moves to another day: each marks the days it touches.
    line = db.execute("SELECT id, order_id FROM order_lines ORDER BY id LIMIT 1").fetchone()
    with desk.store.tx():
        db.execute("UPDATE order_lines SET quantity = quantity + 2 WHERE id = ?", [line[0]])
        t = db.execute(
            "SELECT id FROM tickets WHERE order_id IS NOT NULL AND intent = 'shipping_status' LIMIT 1"
        ).fetchone()
        db.execute("UPDATE tickets SET intent = 'damaged_item' WHERE id = ?", [t[0]])
        cl = db.execute("SELECT case_id, order_line_id FROM case_lines LIMIT 1").fetchone()
        db.execute("DELETE FROM case_lines WHERE case_id = ? AND order_line_id = ?", list(cl))
        db.execute("UPDATE orders SET ordered_at = ordered_at - 3 * 86400 WHERE id = ?", [line[1]])
    assert db.execute("SELECT COUNT(*) FROM sku_days_dirty").fetchone()[0] >= 2
    now = desk.store.now()
    assert {k: v for k, v in sales.counts(0, now + 1).items() if any(v)} == _raw(desk, 0, now + 1)
    incremental = _table(desk)
    sales.rebuild()
    assert _table(desk) == incremental


def test_other_complaint_intents_recount_every_day(desk):
    desk.analytics.quality.rates(ADMIN)
    before = desk.analytics.quality.rates(ADMIN)
    desk.store.put_setting("quality_intents", ["shipping_status"])
    after = desk.analytics.quality.rates(ADMIN)
    assert [r["complaints"]["now"] for r in after] != [r["complaints"]["now"] for r in before]
    now = desk.store.now()
    sales = SkuSales(desk.store, ("shipping_status",))
    counts = sales.counts(now - 14 * DAY, now)
    top = max(counts, key=lambda k: counts[k][2])
    direct = desk.store.db.execute(
        "SELECT COUNT(DISTINCT o.id) FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.sku = ? "
        "AND o.platform = ? AND o.ordered_at >= ? AND o.ordered_at < ? AND EXISTS (SELECT 1 FROM tickets t "
        "WHERE t.order_id = o.id AND t.intent = 'shipping_status')",
        [top[0], top[1], now - 14 * DAY, now],
    ).fetchone()[0]
    assert counts[top][2] == direct > 0


def test_marking_survives_the_outer_statements_conflict_policy(desk):
    """An importer's ``INSERT OR ABORT`` / ``UPDATE OR FAIL`` overrides a trigger's ``OR IGNORE``: the
    triggers must not rely on one when a day is already marked."""
    db = desk.store.db
    oid, tid = db.execute("SELECT order_id, id FROM tickets WHERE order_id IS NOT NULL LIMIT 1").fetchone()
    with desk.store.tx():
        for _ in range(2):  # the second time every day is already marked
            db.execute("UPDATE OR FAIL orders SET ordered_at = ordered_at + 1 WHERE id = ?", [oid])
            db.execute("UPDATE OR ABORT tickets SET intent = 'wrong_item', status = 1 WHERE id = ?", [tid])
            db.execute(
                "INSERT OR ABORT INTO order_lines (order_id, external_id, sku, title, quantity, unit_price_minor, "
                "currency) SELECT order_id, external_id || '-x' || ?, sku, title, 1, unit_price_minor, currency "
                "FROM order_lines WHERE order_id = ? LIMIT 1",
                [_, oid],
            )
    assert db.execute("SELECT COUNT(*) FROM sku_days_dirty").fetchone()[0] >= 1
    assert db.execute("SELECT COUNT(*) FROM analytics_dirty").fetchone()[0] >= 1
