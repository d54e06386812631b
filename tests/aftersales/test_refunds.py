"""Refund checks, exchange reservations, the exception report, and the crash between refund and case."""

from __future__ import annotations

import pytest

from crossdesk.aftersales import CaseError, CaseService
from crossdesk.api import PermissionDenied
from crossdesk.platforms import Refund, from_json

from .conftest import DAY

LINES = (("LAMP-01", 1, 4000), ("BULB-E27", 2, 500), ("CABLE-2M", 1, 1500))  # EUR 65.00 in all


def received_return(world, order, items=None):
    desk = world.desk
    case = desk.cases.open(world.agent, type="return", order_id=order, items=items or [{"sku": "LAMP-01"}])
    desk.cases.approve(world.supervisor, case)
    desk.cases.receive(world.agent, case)
    return case


def snapshot(world):
    tables = ("refunds", "refund_lines", "outbox", "audit", "case_events")
    cases = [dict(r) for r in world.desk.db.query("SELECT * FROM cases ORDER BY id")]
    return {t: world.count(t) for t in tables}, cases


def test_a_crash_between_refund_recorded_and_case_updated_leaves_neither(world, monkeypatch):
    order = world.order("ebay", lines=LINES)
    case = received_return(world, order)
    before = snapshot(world)
    real = CaseService._update_case

    def crash(self, case_id, patch):
        if "refunded_minor" in patch:  # the refund rows are written by now: fail the case update
            assert world.count("refunds") == 1
            raise RuntimeError("power cut")
        return real(self, case_id, patch)

    monkeypatch.setattr(CaseService, "_update_case", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        world.desk.cases.refund(world.supervisor, case)
    assert snapshot(world) == before  # no refund row, no outbox item, no audit row, case unchanged
    monkeypatch.setattr(CaseService, "_update_case", real)
    world.desk.cases.refund(world.supervisor, case)  # and the retry goes through once
    assert world.count("refunds") == 1 and world.desk.cases.get(world.agent, case)["refunded_minor"] == 4000


def test_never_more_than_paid_minus_refunded_and_partial_refunds(world):
    desk = world.desk
    order = world.order("web", lines=LINES)
    case = desk.cases.open(world.agent, type="refund", order_id=order)
    desk.cases.approve(world.supervisor, case)
    desk.cases.refund(world.supervisor, case, amount_minor=3000, reason="goodwill")
    desk.cases.refund(world.supervisor, case, amount_minor=2000)
    with pytest.raises(
        CaseError, match=r"more than remains refundable .*EUR 15\.00.*paid EUR 65\.00, refunded EUR 50\.00"
    ):
        desk.cases.refund(world.supervisor, case, amount_minor=1501)
    desk.cases.refund(world.supervisor, case, amount_minor=1500)
    assert desk.cases.get(world.agent, case)["refunded_minor"] == 6500


def test_refund_in_the_orders_currency_only(world):
    order = world.order("web", lines=LINES)
    case = received_return(world, order)
    with pytest.raises(CaseError, match="USD does not match the order's currency EUR"):
        world.desk.cases.refund(world.supervisor, case, amount_minor=100, currency="usd")
    assert world.count("refunds") == 0


def test_no_second_refund_of_the_same_line(world):
    desk = world.desk
    order = world.order("web", lines=LINES)
    first = received_return(world, order, [{"sku": "BULB-E27", "quantity": 2}])
    desk.cases.refund(world.supervisor, first)
    second = received_return(world, order, [{"sku": "BULB-E27", "quantity": 1}])
    with pytest.raises(CaseError, match=r"BULB-E27 of order .* was already refunded"):
        desk.cases.refund(world.supervisor, second)
    assert world.count("refund_lines") == 1


def test_refund_a_return_only_after_the_goods_are_back(world):
    desk = world.desk
    case = desk.cases.open(
        world.agent, type="return", order_id=world.order("web", lines=LINES), items=[{"sku": "LAMP-01"}]
    )
    desk.cases.approve(world.supervisor, case)
    with pytest.raises(CaseError, match="not received yet"):
        desk.cases.refund(world.supervisor, case)
    desk.cases.refund(world.supervisor, case, without_return=True)


def test_amounts_above_the_agents_limit_need_a_supervisor(world):
    desk = world.desk
    # EUR 80.00 is about USD 86.40, above the agent's USD 50.00 limit.
    order = world.order("web", lines=(("LAMP-01", 1, 8000),))
    case = received_return(world, order)
    before = snapshot(world)
    with pytest.raises(PermissionDenied, match="ask a supervisor"):
        desk.cases.refund(world.agent, case)
    assert snapshot(world) == before
    desk.cases.refund(world.agent, case, amount_minor=3000)  # within the limit: a partial refund
    desk.cases.refund(world.supervisor, case, amount_minor=5000)
    assert desk.cases.get(world.agent, case)["refunded_minor"] == 8000


def test_exchange_reserves_stock_atomically(world):
    desk = world.desk
    desk.cases.set_stock(world.admin, "SHOE-43", 1)
    a = desk.cases.open(
        world.agent,
        type="exchange",
        order_id=world.order(),
        items=[{"sku": "SHOE-42", "replacement_sku": "SHOE-43"}],
    )
    b = desk.cases.open(
        world.agent,
        type="exchange",
        order_id=world.order(),
        items=[{"sku": "SHOE-42", "replacement_sku": "SHOE-43"}],
    )
    desk.cases.approve(world.supervisor, a)
    assert desk.cases.stock(world.agent, "SHOE-43") == {
        "sku": "SHOE-43",
        "on_hand": 1,
        "reserved": 1,
        "available": 0,
    }
    audits = world.count("audit")
    with pytest.raises(CaseError, match="no stock for SHOE-43: 1 needed, 0 available"):
        desk.cases.approve(world.supervisor, b)
    assert desk.cases.get(world.agent, b)["state"] == "requested" and world.count("audit") == audits
    assert world.count("reservations") == 1
    desk.cases.receive(world.agent, a)
    desk.cases.ship_replacement(world.agent, a, tracking="TRK")
    assert desk.cases.stock(world.agent, "SHOE-43")["on_hand"] == 0
    assert desk.cases.get(world.agent, a)["reservations"][0]["status"] == "shipped"


def test_a_multi_line_exchange_reserves_all_or_nothing(world):
    desk = world.desk
    desk.cases.set_stock(world.admin, "A-2", 5)  # B-2 has no stock at all
    order = world.order(lines=(("A-1", 1, 100), ("B-1", 1, 100)))
    case = desk.cases.open(
        world.agent,
        type="exchange",
        order_id=order,
        items=[{"sku": "A-1", "replacement_sku": "A-2"}, {"sku": "B-1", "replacement_sku": "B-2"}],
    )
    with pytest.raises(CaseError, match="no stock for B-2"):
        desk.cases.approve(world.supervisor, case)
    assert desk.cases.stock(world.agent, "A-2")["reserved"] == 0 and world.count("reservations") == 0


def test_an_exchange_closed_through_the_exception_state_releases_its_stock(world):
    desk = world.desk
    desk.cases.set_stock(world.admin, "SHOE-43", 2)
    case = desk.cases.open(
        world.agent,
        type="exchange",
        order_id=world.order(),
        items=[{"sku": "SHOE-42", "replacement_sku": "SHOE-43"}],
    )
    desk.cases.approve(world.supervisor, case)
    desk.cases.flag(world.agent, case, "buyer went silent")
    desk.cases.close(world.agent, case)
    assert desk.cases.stock(world.agent, "SHOE-43") == {
        "sku": "SHOE-43",
        "on_hand": 2,
        "reserved": 0,
        "available": 2,
    }


def test_exception_report_lists_each_kind(world):
    desk = world.desk
    order = world.order("web", lines=LINES, buyer="buyer-1")
    other_buyer = desk.upsert_customer(
        world.admin, platform="web", shop_id=desk.shop_id("web", "web-shop"), external_id="buyer-2", name="B2"
    )
    unknown_sku = desk.cases.open(world.agent, type="return", order_id=order, items=[{"sku": "NOPE-1"}])
    too_many = desk.cases.open(
        world.agent, type="return", order_id=order, items=[{"sku": "LAMP-01", "quantity": 3}]
    )
    stranger = desk.cases.open(
        world.agent, type="return", order_id=order, items=[{"sku": "LAMP-01"}], customer_id=other_buyer
    )
    for case in (unknown_sku, too_many, stranger):
        assert desk.cases.get(world.agent, case)["state"] == "exception"

    fr = world.order("web", country="FR", lines=LINES)  # refund due 24 Dec 2025 (EU art. 13(1))
    overdue = desk.cases.open(world.agent, type="return", order_id=fr, items=[{"sku": "CABLE-2M"}])
    twice = desk.cases.open(world.agent, type="refund", order_id=world.order("web", lines=LINES))
    desk.cases.approve(world.supervisor, twice)
    desk.cases.refund(world.supervisor, twice, amount_minor=100)
    desk.cases.refund(world.supervisor, twice, amount_minor=100, force=True)  # forced past the repeat check
    world.clock.advance(20 * DAY)  # now 30 Dec 2025

    report = desk.cases.exception_report(world.agent)
    kinds = {(r["case_id"], r["kind"]) for r in report}
    assert {(unknown_sku, "mismatch"), (too_many, "mismatch"), (stranger, "mismatch")} <= kinds
    assert (overdue, "refund_overdue") in kinds and (twice, "acted_twice") in kinds
    details = " | ".join(r["detail"] for r in report)
    assert "NOPE-1 is not on order" in details and "3 x LAMP-01 asked, 1 ordered" in details
    assert f"the request comes from customer {other_buyer}" in details
    assert "2025-12-24" in details and "refund done 2 times" in details


def test_refunds_by_line_and_the_payload_names_them(world):
    desk = world.desk
    order = world.order("shopify", lines=LINES)
    case = desk.cases.open(world.agent, type="refund", order_id=order)
    desk.cases.approve(world.supervisor, case)
    desk.cases.refund(world.supervisor, case, lines=[{"sku": "BULB-E27", "quantity": 1}])
    (item,) = world.desk.db.query("SELECT * FROM outbox WHERE kind = 'refund' AND platform = 'shopify'")
    refund = from_json(item["kind"], item["payload"])
    assert isinstance(refund, Refund) and refund.amount_minor == 500
    [line] = refund.lines
    assert line.sku == "BULB-E27" and line.quantity == 1 and line.line_external_id
    with pytest.raises(CaseError, match="more than the lines are worth"):
        desk.cases.refund(world.supervisor, case, lines=[{"sku": "LAMP-01"}], amount_minor=4001)
    with pytest.raises(CaseError, match="not a line of order"):
        desk.cases.refund(world.supervisor, case, lines=[{"sku": "NOPE"}])
