"""On a demo desk the segments come from the demo's orders; the generator sets no tier."""

from __future__ import annotations

import pytest

from crossdesk.api import Desk
from crossdesk.customers.segments import DAY, DEFAULT_TIERS, DEFAULTS
from crossdesk.demo import build_demo
from crossdesk.models import Actor

NOW = 1_765_792_800  # 2025-12-15 10:00 UTC


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "desk.db"
    build_demo(path, size=3000, seed=5, now=NOW)
    desk = Desk.open(path)
    yield desk
    desk.close()


def _buyers(desk):
    """Per buyer, from the orders alone: orders in the window, platforms, first and last order time."""
    since = NOW - DEFAULTS["window_days"] * DAY
    return {
        r[0]: r[1:]
        for r in desk.db.execute(
            "SELECT c.id, g.segment, c.tier, "
            "(SELECT count(*) FROM orders o WHERE o.customer_id = c.id AND o.ordered_at >= ?), "
            "(SELECT count(DISTINCT o.platform) FROM orders o WHERE o.customer_id = c.id), "
            "(SELECT min(ordered_at) FROM orders o WHERE o.customer_id = c.id), "
            "(SELECT count(*) FROM orders o WHERE o.customer_id = c.id), g.m "
            "FROM customers c JOIN customer_segments g ON g.customer_id = c.id WHERE c.merged_into IS NULL",
            [since],
        )
    }


def test_every_demo_buyer_is_segmented_and_tiered_from_the_segment(demo):
    buyers = _buyers(demo)
    live = demo.db.execute("SELECT count(*) FROM customers WHERE merged_into IS NULL").fetchone()[0]
    assert len(buyers) == live > 100
    assert all(tier == DEFAULT_TIERS[seg] for seg, tier, *_ in buyers.values())
    # The tickets carry their buyer's tier (what the queue scores).
    off = demo.db.execute(
        "SELECT count(*) FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE t.tier <> c.tier"
    ).fetchone()[0]
    assert off == 0


def test_many_high_value_orders_across_platforms_make_high_value(demo):
    buyers = _buyers(demo)
    rich = [
        (seg, n) for seg, _tier, n, platforms, _first, _ever, m in buyers.values() if m == 5 and n >= 3 and platforms >= 2
    ]
    assert rich, "the demo has buyers with many high-value orders on two platforms"
    assert {seg for seg, _ in rich} <= {"high-value", "at-risk"}
    assert sum(seg == "high-value" for seg, _ in rich) >= len(rich) / 2
    for seg, _tier, n, _p, _first, _ever, m in buyers.values():
        if seg == "high-value":
            assert n >= DEFAULTS["high_value_orders"] and m == 5


def test_single_recent_buyers_are_new(demo):
    buyers = _buyers(demo)
    single_recent = [
        seg for seg, _t, n, _p, first, ever, _m in buyers.values()
        if ever == 1 and first is not None and NOW - first <= DEFAULTS["new_days"] * DAY
    ]
    assert single_recent and set(single_recent) == {"new"}
    counts = demo.segments.counts(Actor.system("test"))
    assert counts["new"] > 0 and counts["high-value"] > 0


def test_demo_holiday_greeting_plan_follows_the_rules(demo):
    admin = Actor.system("test")
    plan = demo.outreach.plan(admin, "holiday_greeting", segment="high-value")
    assert any(r.included for r in plan) and any(not r.included for r in plan)
    for r in plan:
        platforms = {
            p for (p,) in demo.db.execute("SELECT platform FROM customer_identities WHERE customer_id = ?", [r.customer_id])
        }
        if r.included:
            assert r.platform in {"shopify", "web"} and demo.outreach.consent(r.customer_id)[0] is True
        elif not platforms & {"shopify", "web"}:
            assert r.reason.startswith("marketing only on own channels")
        else:
            assert r.reason in {"no marketing consent recorded"} or r.reason.startswith("opted out")
