"""Segments from every order of the merged buyer: RFM against the desk's distribution, thresholds, tiers."""

from __future__ import annotations

import numpy as np
import pytest

from crossdesk.customers import segments as seg
from crossdesk.errors import DeskError


def _fill(b, n: int = 15) -> list[int]:
    """Single buyers with one modest order 120 days ago: the desk's ordinary crowd."""
    out = []
    for _ in range(n):
        c = b.buyer("shopify")
        b.order(c, days_ago=120, amount_minor=3000)
        out.append(c)
    return out


def test_segments_follow_orders_across_platforms_and_currencies(desk, admin, b):
    crowd = _fill(b)
    # One person on Amazon (EUR) and Shopify (USD): the same phone merges the profiles at intake.
    whale = b.buyer("amazon", phone="+4915123456789", country="DE")
    assert b.buyer("shopify", phone="+49 151 23456789", country="DE") == whale
    for i in range(8):
        b.order(
            whale,
            platform="amazon" if i % 2 else "shopify",
            days_ago=10 + 30 * i,
            amount_minor=162_000,
            currency="EUR" if i % 2 else "USD",
        )
    fresh = b.buyer("ebay")
    b.order(fresh, platform="ebay", days_ago=3, amount_minor=2000)
    repeat = b.buyer("shopify")
    for d in (20, 60):
        b.order(repeat, days_ago=d, amount_minor=3000)
    slipping = b.buyer("shopify")
    for d in (200, 250, 300):
        b.order(slipping, days_ago=d, amount_minor=9000)
    gone = b.buyer("shopify")
    b.order(gone, days_ago=400, amount_minor=9000)
    nobody = b.buyer("shopify")

    report = desk.segments.recompute_all(admin)
    got = {c: desk.segments.of(admin, c)["segment"] for c in (whale, fresh, repeat, slipping, gone, nobody)}
    assert got == {
        whale: "high-value",
        fresh: "new",
        repeat: "core",
        slipping: "at-risk",
        gone: "lapsed",
        nobody: "new",
    }
    assert {desk.segments.of(admin, c)["segment"] for c in crowd} == {"potential"}
    assert report.counts["potential"] == len(crowd)
    row = desk.segments.of(admin, whale)
    assert row["frequency"] == 8 and row["m"] == 5
    eur = desk.rates.to_usd(162_000, "EUR")
    assert row["monetary_usd"] == pytest.approx(4 * eur + 4 * 1620.0, abs=0.01)
    assert "high-value" in row["reason"] and "8 order(s)" in row["reason"]
    assert desk.segments.of(admin, nobody)["reason"] == "no order yet"
    # The tier the queue scores follows the segment.
    assert desk.customer(admin, whale)["tier"] == 3
    assert desk.customer(admin, slipping)["tier"] == seg.DEFAULT_TIERS["at-risk"]


@pytest.mark.parametrize("few", [seg.FEW, 0])  # 0: the full-run path that writes only changed tiers
def test_tier_reaches_tickets_queue_and_conditions(desk, admin, b, monkeypatch, few):
    monkeypatch.setattr(seg, "FEW", few)
    _fill(b)
    whale = b.buyer("shopify")
    for i in range(4):
        b.order(whale, days_ago=5 + i, amount_minor=500_000, currency="USD")
    tid = b.ticket(whale)
    other = b.ticket(b.buyer("shopify"))
    desk.segments.recompute_all(admin)
    assert desk.ticket(admin, tid)["tier"] == 3
    top = [e.ticket_id for e in desk.queue.top(admin, 10, tier=3)]
    assert top == [tid] and other not in top
    from crossdesk.conditions import BUILTIN_FIELDS

    spec = BUILTIN_FIELDS["segment"]
    row = desk.db.execute(f"SELECT {spec.sql} FROM tickets t WHERE t.id = ?", [tid]).fetchone()
    assert row[0] == "high-value"


def test_incremental_recompute_uses_stored_cut_points(desk, admin, b, monkeypatch):
    monkeypatch.setattr(seg, "SMALL_DESK", 0)
    _fill(b)
    desk.segments.recompute_all(admin)
    runs = len(desk.audit_trail(admin, "desk"))
    c = b.buyer("shopify")
    assert desk.segments.of(admin, c) is None  # created without an order: nothing to segment yet
    b.order(c, days_ago=1, amount_minor=1000)
    assert desk.segments.of(admin, c)["segment"] == "new"
    for d in (2, 3, 4):
        b.order(c, days_ago=d, amount_minor=900_000)
    assert desk.segments.of(admin, c)["segment"] == "high-value"
    assert len(desk.audit_trail(admin, "desk")) == runs  # no full run happened
    # The stored cut points are what the buyer is judged against: raise the spend cuts, and the same
    # orders no longer make the top spend score.
    cuts = desk.get_setting(seg.CUTS_SETTING)
    desk.store.put_setting(seg.CUTS_SETTING, {**cuts, "monetary": [1e12] * 4})
    b.order(c, days_ago=5, amount_minor=100)
    assert desk.segments.of(admin, c)["segment"] == "core"


def test_an_order_on_a_small_desk_changes_only_its_buyer(desk, admin, b):
    crowd = _fill(b, 5)
    before = desk.db.execute("SELECT * FROM customer_segments ORDER BY customer_id").fetchall()
    assert len(before) == 5
    c = b.buyer("shopify")
    b.order(c, days_ago=1)
    assert desk.segments.of(admin, c)["segment"] == "new"
    after = desk.db.execute(
        f"SELECT * FROM customer_segments WHERE customer_id IN ({','.join(map(str, crowd))}) ORDER BY customer_id"
    ).fetchall()
    assert after == before


def test_thresholds_are_settable_and_checked(desk, admin, b):
    _fill(b)
    c = b.buyer("shopify")
    for d in (5, 6):
        b.order(c, days_ago=d)
    desk.segments.recompute_all(admin)
    assert desk.segments.of(admin, c)["segment"] == "core"
    desk.segments.set_thresholds(admin, {"core_orders": 3})
    desk.segments.recompute_all(admin)
    assert desk.segments.of(admin, c)["segment"] == "new"
    for bad, msg in (
        ({"core_orders": 0}, "positive"),
        ({"nonsense": 3}, "unknown segment threshold"),
        ({"high_value_m": 6}, "1 to 5"),
        ({"new_days": 900}, "window_days"),
        ({"core_orders": "two"}, "positive"),
    ):
        with pytest.raises(DeskError, match=msg):
            desk.segments.set_thresholds(admin, bad)
    assert desk.segments.thresholds()["core_orders"] == 3  # a refused value changed nothing
    with pytest.raises(DeskError, match="tier"):
        seg.tier_map({"core": 7})


def test_cancelled_orders_do_not_count(desk, admin, b):
    _fill(b)
    c = b.buyer("shopify")
    for d in (5, 6):
        o = b.order(c, days_ago=d)
        desk.db.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?", [o])
    desk.segments.recompute_all(admin)
    row = desk.segments.of(admin, c)
    assert row["frequency"] == 0 and row["segment"] == "new"


def test_scores_are_quantiles_of_the_desk():
    values = np.arange(1, 101, dtype=float)
    cuts = seg.cut_points(values, values, values)
    assert seg.score(np.array([1.0, 50.0, 100.0]), cuts.monetary).tolist() == [1, 3, 5]
    assert seg.score(np.array([1.0, 50.0, 100.0]), cuts.recency, lower_is_better=True).tolist() == [5, 3, 1]
    assert seg.score(np.array([5.0]), ()).tolist() == [3]


def test_a_rerun_rewrites_only_what_moved_and_tier_settings_still_apply(desk, admin, b, monkeypatch, crossdesk_clock):
    monkeypatch.setattr(seg, "FEW", 0)  # the full-run path on a small desk
    _fill(b)
    c = b.buyer("shopify")
    for d in (5, 6):
        b.order(c, days_ago=d)
    desk.segments.recompute_all(admin)
    before = desk.db.execute("SELECT customer_id, computed_at FROM customer_segments ORDER BY 1").fetchall()
    crossdesk_clock.advance(3600)
    desk.segments.recompute_all(admin)
    assert desk.db.execute("SELECT customer_id, computed_at FROM customer_segments ORDER BY 1").fetchall() == before
    assert "last order 5 days ago" in desk.segments.of(admin, c)["reason"]  # recency is read, not stored
    desk.set_setting(admin, seg.TIERS_SETTING, {"core": 3})
    desk.segments.recompute_all(admin)
    assert desk.customer(admin, c)["tier"] == 3
