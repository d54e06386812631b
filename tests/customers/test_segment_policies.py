""""High-value buyers get a 4-hour first reply" is one SLA policy and one rule (examples/)."""

from __future__ import annotations

from pathlib import Path

from .test_segments import _fill

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_high_value_segment_gets_the_policy_and_the_rule(desk, admin, b, crossdesk_clock):
    _fill(b)
    whale = b.buyer("ebay")
    for d in (3, 9, 20):
        b.order(whale, platform="ebay", days_ago=d, amount_minor=300_000, currency="USD")
    plain = b.buyer("ebay")
    b.order(plain, platform="ebay", days_ago=50, amount_minor=2000)
    desk.segments.recompute_all(admin)
    desk.create_team(admin, "Japan", timezone="Asia/Tokyo")  # the examples route Japanese to it
    desk.sla.load_file(admin, EXAMPLES / "sla.toml")
    desk.rules.load_file(admin, EXAMPLES / "rules.toml")
    vip = b.ticket(whale, platform="ebay")
    other = b.ticket(plain, platform="ebay")
    status = desk.sla.status(admin, vip)
    assert status["policy"] == "High-value buyers: 4-hour first reply"
    assert desk.ticket(admin, vip)["first_reply_due"] == crossdesk_clock.now + 4 * 3600
    assert desk.sla.status(admin, other)["policy"] == "eBay: 1 business day"
    assert "high-value" in desk.tags(vip) and "high-value" not in desk.tags(other)
    assert desk.ticket(admin, vip)["priority_level"] == "high"
