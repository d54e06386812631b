"""Case workflow: every step a permission-checked, audited service call with its platform action."""

from __future__ import annotations

import datetime as dt

import pytest

from crossdesk.aftersales import CaseError, CaseService
from crossdesk.api import PermissionDenied
from crossdesk.platforms import Cancellation, Refund, ReturnDecision, from_json

from .conftest import DAY, epoch


def outbox(world, kind=None):
    rows = [dict(r) for r in world.desk.db.query("SELECT * FROM outbox ORDER BY id")]
    return [r for r in rows if kind is None or r["kind"] == kind]


def action(row):
    """An outbox row's action, read back as its type."""
    return from_json(row["kind"], row["payload"])


def test_desk_cases_is_the_case_service(world):
    assert isinstance(world.desk.cases, CaseService)


def test_ebay_return_from_request_to_close(world):
    desk, agent, sup = world.desk, world.agent, world.supervisor
    order = world.order("ebay")
    case = desk.cases.open(
        agent,
        type="return",
        order_id=order,
        items=[{"sku": "SHOE-42", "quantity": 1}],
        external_id="5000123",
        reason="wrong size",
    )
    row = desk.cases.get(agent, case)
    assert row["state"] == "requested" and row["requested_minor"] == 12900 and row["currency"] == "EUR"
    assert row["verdict"]["eligible"] and row["verdict"]["considered"]

    desk.cases.approve(sup, case)
    (decide,) = outbox(world, "return_decision")
    decision = action(decide)
    assert decide["platform"] == "ebay" and isinstance(decision, ReturnDecision)
    assert decision.decision == "approve" and decision.return_external_id == "5000123"
    assert decision.order_external_id == desk.db["orders"].get(order)["external_id"]
    assert decide["idempotency_key"] == f"case:{case}:approve" and decide["case_id"] == case

    desk.cases.issue_label(agent, case, tracking="1Z999")
    desk.cases.ship_back(agent, case)
    desk.cases.receive(agent, case)
    refund_id = desk.cases.refund(sup, case)
    (issue,) = outbox(world, "refund")
    refund = action(issue)
    assert issue["platform"] == "ebay" and isinstance(refund, Refund)
    assert refund.amount_minor == 12900 and refund.currency == "EUR" and refund.return_external_id == "5000123"
    assert issue["idempotency_key"] == f"refund:{refund_id}" == refund.idempotency_key
    desk.cases.close(agent, case)

    row = desk.cases.get(agent, case)
    assert row["state"] == "closed" and row["refunded_minor"] == 12900
    assert [e["action"] for e in row["events"]] == [
        "open",
        "approve",
        "issue_label",
        "ship_back",
        "receive",
        "refund",
        "close",
    ]
    actions = [a["action"] for a in desk.audit_trail(world.admin, "case", case)]
    assert {"case.open", "case.approve", "case.refund", "case.close"} <= set(actions)


def test_reopening_the_same_platform_return_is_an_upsert(world):
    order = world.order("ebay")
    first = world.desk.cases.open(world.agent, type="return", order_id=order, external_id="R-1")
    assert world.desk.cases.open(world.agent, type="return", order_id=order, external_id="R-1") == first
    assert world.count("cases") == 1


def test_amazon_merchant_fulfilled_says_to_use_seller_central(world):
    desk = world.desk
    order = world.order("amazon")
    case = desk.cases.open(world.agent, type="return", order_id=order, items=[{"sku": "SHOE-42"}])
    row = desk.cases.approve(world.supervisor, case)
    assert "Seller Central" in row["next_step"]
    assert not [r for r in outbox(world) if r["platform"] == "amazon"]


@pytest.mark.parametrize("platform", ["shopify", "shopee"])
def test_platform_actions_for_shopify_and_shopee(world, platform):
    desk = world.desk
    a = desk.cases.open(
        world.agent, type="return", order_id=world.order(platform), items=[{"sku": "SHOE-42"}]
    )
    b = desk.cases.open(
        world.agent, type="return", order_id=world.order(platform), items=[{"sku": "SHOE-42"}]
    )
    desk.cases.approve(world.supervisor, a)
    desk.cases.decline(world.supervisor, b, "used and damaged")
    rows = outbox(world)
    assert [(r["platform"], r["kind"], action(r).decision) for r in rows] == [
        (platform, "return_decision", "approve"),
        (platform, "return_decision", "decline"),
    ]
    assert action(rows[1]).reason == "used and damaged"
    assert desk.cases.get(world.agent, b)["decline_reason"] == "used and damaged"


def test_shopify_refund_create(world):
    desk = world.desk
    case = desk.cases.open(
        world.agent, type="refund", order_id=world.order("shopify"), items=[{"sku": "SHOE-42"}]
    )
    desk.cases.approve(world.supervisor, case)
    desk.cases.refund(world.supervisor, case)
    [row] = outbox(world, "refund")
    assert row["platform"] == "shopify" and isinstance(action(row), Refund)


def test_decline_needs_a_reason_and_steps_follow_the_state_machine(world):
    desk = world.desk
    case = desk.cases.open(world.agent, type="return", order_id=world.order(), items=[{"sku": "SHOE-42"}])
    with pytest.raises(CaseError, match="reason"):
        desk.cases.decline(world.supervisor, case, " ")
    with pytest.raises(CaseError, match="is requested; receive needs it"):
        desk.cases.receive(world.agent, case)
    desk.cases.approve(world.supervisor, case)
    with pytest.raises(CaseError, match="is approved"):
        desk.cases.approve(world.supervisor, case)
    assert [e["action"] for e in desk.cases.get(world.agent, case)["events"]] == ["open", "approve"]


def test_permission_refused_writes_nothing(world):
    desk = world.desk
    case = desk.cases.open(world.agent, type="return", order_id=world.order(), items=[{"sku": "SHOE-42"}])
    audits, events = world.count("audit"), world.count("case_events")
    with pytest.raises(PermissionDenied):
        desk.cases.approve(world.agent, case)  # agents may not approve returns
    assert desk.cases.get(world.agent, case)["state"] == "requested"
    assert (world.count("audit"), world.count("case_events"), world.count("outbox")) == (audits, events, 0)


def test_exception_state_and_back(world):
    desk = world.desk
    case = desk.cases.open(world.agent, type="return", order_id=world.order(), items=[{"sku": "SHOE-42"}])
    desk.cases.flag(world.agent, case, "buyer opened a PayPal dispute")
    assert desk.cases.get(world.agent, case)["exception_reason"] == "buyer opened a PayPal dispute"
    desk.cases.approve(world.supervisor, case)
    assert desk.cases.get(world.agent, case)["state"] == "approved"


def test_verdict_sets_the_refund_due_date_from_the_law(world):
    desk = world.desk
    # Own shop, French buyer: EU art. 13(1), 14 days from the notice of Wed 10 Dec 2025 -> Wed 24 Dec.
    order = world.order("web", country="FR", delivered=dt.date(2025, 12, 5))
    case = desk.cases.open(world.agent, type="return", order_id=order, items=[{"sku": "SHOE-42"}])
    row = desk.cases.get(world.agent, case)
    assert row["verdict"]["basis"] == "EU 2011/83/EU art. 9"
    assert row["verdict"]["deadline"] == "2025-12-19"
    assert dt.datetime.fromtimestamp(row["refund_due"], dt.UTC).date() == dt.date(2025, 12, 24)


def test_uk_refund_due_counts_from_receipt(world):
    desk = world.desk
    order = world.order("web", country="GB", currency="GBP", delivered=dt.date(2025, 12, 5))
    case = desk.cases.open(world.agent, type="return", order_id=order, items=[{"sku": "SHOE-42"}])
    assert desk.cases.get(world.agent, case)["refund_due"] is None
    desk.cases.approve(world.supervisor, case)
    desk.cases.receive(world.agent, case, at=epoch(dt.date(2025, 12, 20)))
    due = desk.cases.get(world.agent, case)["refund_due"]
    assert dt.datetime.fromtimestamp(due, dt.UTC).date() == dt.date(2026, 1, 3)  # reg. 34: 14 days after


def test_shop_return_days_come_from_the_shop_config(world):
    desk = world.desk
    order = world.order("web", country="AU", currency="AUD", config={"return_days": 30})
    case = desk.cases.open(world.agent, type="return", order_id=order, items=[{"sku": "SHOE-42"}])
    verdict = desk.cases.get(world.agent, case)["verdict"]
    assert verdict["kind"] == "seller" and verdict["deadline"] == "2026-01-04"


def test_batch_does_the_good_cases_and_leaves_the_failing_one_untouched(world):
    desk = world.desk
    ids = [
        desk.cases.open(world.agent, type="return", order_id=world.order(), items=[{"sku": "SHOE-42"}])
        for _ in range(3)
    ]
    desk.cases.decline(world.supervisor, ids[1], "outside the window")
    before = desk.cases.get(world.agent, ids[1])
    results = desk.bulk.cases(world.supervisor, [*ids, 999], "approve")
    assert results[ids[0]] == "ok" and results[ids[2]] == "ok"
    assert results[ids[1]].startswith("error: case") and "declined" in results[ids[1]]
    assert results[999].startswith("error: no case 999")
    after = desk.cases.get(world.agent, ids[1])
    assert after["state"] == "declined" and after["events"] == before["events"]
    decisions = [action(r) for r in outbox(world, "return_decision") if r["platform"] == "ebay"]
    # 2 approvals + the earlier decline
    assert sorted(d.decision for d in decisions) == ["approve", "approve", "decline"]


def test_batch_needs_the_bulk_permission(world):
    with pytest.raises(PermissionDenied):
        world.desk.bulk.cases(world.agent, [1], "close")


def test_unknown_action_and_type_are_clear_errors(world):
    with pytest.raises(CaseError, match="unknown case action"):
        world.desk.cases.act(world.agent, 1, "explode")
    with pytest.raises(CaseError, match="unknown case type"):
        world.desk.cases.open(world.agent, type="swap", order_id=world.order())


def test_not_received_report_after_n_days(world):
    desk = world.desk
    case = desk.cases.open(world.agent, type="return", order_id=world.order(), items=[{"sku": "SHOE-42"}])
    desk.cases.approve(world.supervisor, case)
    desk.cases.issue_label(world.agent, case)
    assert not [r for r in desk.cases.exception_report(world.agent) if r["kind"] == "not_received"]
    world.clock.advance(15 * DAY)
    (row,) = [
        r
        for r in desk.cases.exception_report(world.agent, not_received_days=14)
        if r["kind"] == "not_received"
    ]
    assert row["case_id"] == case and "15 days" in row["detail"]


def test_act_maps_and_checks_parameters(world):
    desk = world.desk
    case = desk.cases.open(world.agent, type="return", order_id=world.order(), items=[{"sku": "SHOE-42"}])
    with pytest.raises(CaseError, match="approve takes no tracking"):
        desk.cases.act(world.supervisor, case, "approve", tracking="X")
    desk.cases.act(world.supervisor, case, "approve", reason="fine by policy")
    assert desk.cases.get(world.agent, case)["events"][-1]["data"] == {"note": "fine by policy"}


def test_cases_created_without_a_verdict_are_evaluated_later(world):
    desk = world.desk
    case = desk.cases.open(world.agent, type="return", order_id=world.order(), items=[{"sku": "SHOE-42"}])
    desk.db.execute(
        "UPDATE cases SET verdict = '{}' WHERE id = ?", [case]
    )  # as the marketplace sync inserts it
    results = desk.cases.evaluate_missing(world.agent)
    assert list(results) == [case] and results[case].startswith("eligible: returns accepted until")
    assert desk.cases.get(world.agent, case)["verdict"]["considered"]
    assert desk.cases.evaluate_missing(world.agent) == {}


def test_cancellations_cancel_the_order_not_a_return(world):
    desk = world.desk
    shopify = desk.cases.open(
        world.agent, type="cancellation", order_id=world.order("shopify", delivered=None)
    )
    desk.cases.approve(world.supervisor, shopify)
    (item,) = outbox(world)
    cancel = action(item)
    assert item["kind"] == "cancellation" and item["platform"] == "shopify" and isinstance(cancel, Cancellation)
    assert cancel.refund is False and cancel.restock is True
    amazon = desk.cases.open(world.agent, type="cancellation", order_id=world.order("amazon", delivered=None))
    assert "Cancel the order in Seller Central" in desk.cases.approve(world.supervisor, amazon)["next_step"]
    refund_request = desk.cases.open(world.agent, type="refund", order_id=world.order("ebay"))
    assert desk.cases.approve(world.supervisor, refund_request)["next_step"] == ""
    desk.cases.refund(world.supervisor, refund_request, amount_minor=500)
    assert "Seller Hub" in desk.cases.get(world.agent, refund_request)["next_step"]
    assert len(outbox(world)) == 1  # nothing pretended: only the Shopify cancellation was queued
