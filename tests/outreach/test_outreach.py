"""Outreach within marketplace rules: the plan names who is excluded and why; only the plan is sent."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from customers.conftest import DAY

from crossdesk.errors import DeskError


def _high_value(desk, b, platform, **kw):
    c = b.buyer(platform, **kw)
    for d in (3, 20, 40):
        b.order(c, platform=platform, days_ago=d, amount_minor=500_000, currency="USD")
    return c


@pytest.fixture
def world(desk, admin, b):
    for _ in range(12):  # the ordinary crowd the quantiles are taken over
        c = b.buyer("shopify")
        b.order(c, days_ago=100, amount_minor=2000)
    w = {
        "amazon": _high_value(desk, b, "amazon", country="DE", language="de"),
        "ebay": _high_value(desk, b, "ebay", country="FR", language="fr"),
        "own_yes": _high_value(desk, b, "shopify", country="JP", language="ja"),
        "own_none": _high_value(desk, b, "shopify", country="US", language="en"),
        "own_out": _high_value(desk, b, "shopify", country="DE", language="de"),
    }
    both = b.buyer("amazon", phone="+4915123450000", country="DE", language="de")
    assert b.buyer("shopify", phone="+4915123450000", country="DE") == both
    for d in (2, 9, 30):
        b.order(both, platform="amazon", days_ago=d, amount_minor=600_000, currency="USD")
    w["both_yes"] = both
    desk.segments.recompute_all(admin)
    assert all(desk.segments.of(admin, c)["segment"] == "high-value" for c in w.values())
    desk.outreach.set_consent(admin, w["own_yes"], True, source="checkout")
    desk.outreach.set_consent(admin, w["both_yes"], True, source="checkout")
    desk.outreach.set_consent(admin, w["own_out"], True, source="checkout")
    desk.outreach.set_consent(admin, w["own_out"], False, source='replied "stop"')
    return w


def test_holiday_greeting_to_high_value_excludes_marketplaces_and_no_consent(desk, admin, world):
    plan = {r.customer_id: r for r in desk.outreach.plan(admin, "holiday_greeting", segment="high-value")}
    assert set(plan) == set(world.values())
    sent = {c for c, r in plan.items() if r.included}
    assert sent == {world["own_yes"], world["both_yes"]}
    assert "Amazon permits only its message types" in plan[world["amazon"]].reason
    assert "eBay allows messages about a transaction only" in plan[world["ebay"]].reason
    assert plan[world["own_none"]].reason == "no marketing consent recorded"
    assert plan[world["own_out"]].reason.startswith("opted out of marketing on ")
    jp = plan[world["own_yes"]]
    assert (jp.platform, jp.language, jp.timezone) == ("shopify", "ja", "Asia/Tokyo")
    assert "良い休暇" in jp.body
    both = plan[world["both_yes"]]
    assert both.platform == "shopify" and both.timezone == "Europe/Berlin"  # the own channel, not Amazon


def test_send_queues_only_the_plan_at_the_platform_rate_and_honours_a_late_opt_out(desk, admin, world, crossdesk_clock):
    day = dt.datetime.fromtimestamp(crossdesk_clock.now, dt.UTC).date() + dt.timedelta(days=1)
    rows = desk.outreach.plan(admin, "holiday_greeting", segment="high-value", day=day)
    assert desk.outreach.schedule(admin, "xmas", "holiday_greeting", rows) == 2
    assert desk.outreach.schedule(admin, "xmas", "holiday_greeting", rows) == 0  # once per buyer
    assert desk.outreach.send_due(admin) == 0  # tomorrow, 10:00 local
    desk.outreach.set_consent(admin, world["both_yes"], False, source="unsubscribe link")
    crossdesk_clock.advance(2 * DAY)
    assert desk.outreach.send_due(admin) == 1
    out = [orjson.loads(r[0]) for r in desk.db.execute("SELECT payload FROM outbox")]
    assert len(out) == 1 and out[0]["platform"] == "shopify" and "良い休暇" in out[0]["body"]
    status = dict(desk.db.execute("SELECT customer_id, status FROM outreach_messages"))
    assert status == {world["own_yes"]: "queued", world["both_yes"]: "dropped"}


def test_tokyo_and_berlin_send_at_ten_local_and_sends_are_spaced(desk, admin, b, crossdesk_clock):
    day = dt.date(2025, 12, 20)
    buyers = [b.buyer("shopify", country="DE") for _ in range(3)] + [b.buyer("shopify", country="JP")]
    for c in buyers:
        desk.outreach.set_consent(admin, c, True)
    rows = {r.customer_id: r for r in desk.outreach.plan(admin, "win_back", customer_ids=buyers, day=day)}
    tokyo = rows[buyers[3]].send_at
    assert dt.datetime.fromtimestamp(tokyo, dt.UTC).hour == 1  # 10:00 in Tokyo
    berlin = sorted(rows[c].send_at for c in buyers[:3])
    assert dt.datetime.fromtimestamp(berlin[0], dt.UTC).hour == 9  # 10:00 in Berlin
    assert berlin[1] - berlin[0] == 3600 // 200 and berlin[2] - berlin[1] == 3600 // 200  # Shopify's rate


def test_transactional_messages_follow_each_marketplace(desk, admin, b):
    amazon = b.buyer("amazon")
    b.order(amazon, platform="amazon", days_ago=2)  # on its way: not delivered
    plan = desk.outreach.plan(admin, "order_status", customer_ids=[amazon])[0]
    assert plan.included and plan.message_type == "unexpectedProblem"
    desk.db.execute("UPDATE orders SET delivered_at = ? WHERE customer_id = ?", [desk.now() - DAY, amazon])
    plan = desk.outreach.plan(admin, "delivery_follow_up", customer_ids=[amazon])[0]
    assert not plan.included and "Request a Review" in plan.reason
    ebay = b.buyer("ebay")
    o = b.order(ebay, platform="ebay", days_ago=5)
    desk.db.execute("UPDATE orders SET delivered_at = ? WHERE id = ?", [desk.now() - DAY, o])
    plan = desk.outreach.plan(admin, "delivery_follow_up", customer_ids=[ebay])[0]
    assert plan.included and plan.platform == "ebay" and "ORD-" in plan.body
    lonely = b.buyer("shopify")
    assert desk.outreach.plan(admin, "order_status", customer_ids=[lonely])[0].reason == "no order on its way"


def test_no_campaign_to_a_buyer_whose_negative_feedback_is_recent(desk, admin, b):
    amazon = b.buyer("amazon")
    b.order(amazon, platform="amazon", days_ago=2)
    shop = desk.db.execute("SELECT shop_id FROM customer_identities WHERE customer_id = ?", [amazon]).fetchone()[0]
    desk.db["reviews"].insert(
        {
            "platform": "amazon",
            "shop_id": shop,
            "external_id": "302-1",
            "kind": "seller_feedback",
            "rating": 1,
            "negative": 1,
            "customer_id": amazon,
            "created_at": desk.now() - 3 * DAY,
            "pulled_at": desk.now(),
        }
    )
    assert desk.outreach.plan(admin, "order_status", customer_ids=[amazon])[0].included  # facts still go
    ebay = b.buyer("ebay")
    o = b.order(ebay, platform="ebay", days_ago=5)
    desk.db.execute("UPDATE orders SET delivered_at = ? WHERE id = ?", [desk.now() - DAY, o])
    assert desk.outreach.plan(admin, "delivery_follow_up", customer_ids=[ebay])[0].included
    ebay_shop = desk.db.execute("SELECT shop_id FROM orders WHERE id = ?", [o]).fetchone()[0]
    desk.db["reviews"].insert(
        {
            "platform": "ebay",
            "shop_id": ebay_shop,
            "external_id": "fb-1",
            "kind": "seller_feedback",
            "rating": 1,
            "negative": 1,
            "customer_id": ebay,
            "created_at": desk.now() - DAY,
            "pulled_at": desk.now(),
        }
    )
    plan = desk.outreach.plan(admin, "delivery_follow_up", customer_ids=[ebay])[0]
    assert not plan.included and "negative seller feedback on ebay" in plan.reason
    reason = desk.outreach._complaint(amazon, "amazon", desk.now())
    assert "Amazon forbids asking a buyer to change or remove feedback" in reason


def test_bad_input(desk, admin, b):
    with pytest.raises(DeskError, match="unknown campaign"):
        desk.outreach.plan(admin, "spam")
    with pytest.raises(DeskError, match="no customer"):
        desk.outreach.set_consent(admin, 999_999, True)
    with pytest.raises(DeskError, match="needs a name"):
        desk.outreach.schedule(admin, " ", "win_back", [])


def test_outreach_plan_command_names_every_exclusion(tmp_path):
    import time

    from click.testing import CliRunner
    from customers.conftest import Buyers

    from crossdesk.api import Desk
    from crossdesk.cli import cli
    from crossdesk.testing import FixedClock

    path = tmp_path / "desk.db"
    clock = FixedClock(int(time.time()))
    desk = Desk.open(path, clock=clock)
    b = Buyers(desk, clock)
    amazon = _high_value(desk, b, "amazon")
    own = _high_value(desk, b, "shopify")
    desk.close()
    run = CliRunner()
    assert run.invoke(cli, ["outreach", "consent", str(own), "--yes", "--db", str(path)]).exit_code == 0
    out = run.invoke(cli, ["outreach", "plan", "holiday_greeting", "--db", str(path)])
    assert out.exit_code == 0
    assert f"#{amazon:<8} EXCLUDED marketing only on own channels: Amazon" in out.output
    assert f"#{own:<8} SEND" in out.output and "1 to send, 1 excluded" in out.output
    out = run.invoke(cli, ["outreach", "send", "holiday_greeting", "--campaign", "xmas", "--db", str(path)])
    assert out.exit_code == 0 and "1 scheduled" in out.output
    bad = run.invoke(cli, ["outreach", "plan", "spam", "--db", str(path)])
    assert bad.exit_code != 0
