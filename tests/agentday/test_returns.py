"""Issue 17 item 5: a partial refund does not end a return case while the goods are still expected."""

from __future__ import annotations

from crossdesk.aftersales.views import available_actions


def test_a_partial_refund_keeps_the_return_open_until_the_goods_are_back(desk, ids):
    sam = desk.actor_for("sam")
    order_id = ids.orders["us_return"]
    line = desk.customer(sam, ids.customers["us_return"])["orders"][0]["lines"][0]
    case_id = desk.cases.open(
        sam, type="return", order_id=order_id, items=[{"order_line_id": line["id"], "quantity": 1}]
    )
    desk.cases.approve(sam, case_id)
    desk.cases.refund(sam, case_id, amount_minor=5000, without_return=True)
    case = desk.cases.get(sam, case_id)
    assert case["state"] == "approved" and case["refunded_minor"] == 5000
    assert "receive" in available_actions(sam.role, case)  # "goods back" is still offered
    desk.cases.receive(sam, case_id)
    desk.cases.refund(sam, case_id, amount_minor=case["requested_minor"] - 5000)
    case = desk.cases.get(sam, case_id)
    assert case["state"] == "refunded" and case["refunded_minor"] == case["requested_minor"]


def test_a_full_refund_without_return_still_ends_the_case(desk, ids):
    sam = desk.actor_for("sam")
    order_id = ids.orders["us_return"]
    line = desk.customer(sam, ids.customers["us_return"])["orders"][0]["lines"][0]
    case_id = desk.cases.open(
        sam, type="return", order_id=order_id, items=[{"order_line_id": line["id"], "quantity": 1}]
    )
    desk.cases.approve(sam, case_id)
    desk.cases.refund(sam, case_id, without_return=True)
    assert desk.cases.get(sam, case_id)["state"] == "refunded"
