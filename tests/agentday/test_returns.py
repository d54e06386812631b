"""Issue 17 item 5: a partial refund does not end a return case while the goods are still expected."""

from __future__ import annotations

import pytest

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


@pytest.mark.anyio
async def test_refunding_more_than_the_case_covers_is_warned_first(desk, ids, make_app, settle):
    from textual.widgets import Static

    from crossdesk.tui.screens import AfterSalesScreen
    from crossdesk.tui.widgets.common.modals import ConfirmModal, PromptModal

    from .conftest import SIZE

    sam = desk.actor_for("sam")
    order_id = ids.orders["us_return"]
    line = desk.customer(sam, ids.customers["us_return"])["orders"][0]["lines"][0]
    case_id = desk.cases.open(
        sam,
        type="return",
        order_id=order_id,
        items=[{"order_line_id": line["id"], "quantity": 1}],
        requested_minor=5000,
    )
    desk.cases.approve(sam, case_id)
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(AfterSalesScreen(order_id))
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, PromptModal)
        field = prompt.query_one("#prompt-input")
        assert field.value == "50.00"  # what the case covers, not the whole order
        field.value = "80.00"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        body = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "more than the case covers ($50.00)" in body
        await pilot.press("n")
        await settle(pilot)
    assert desk.cases.get(sam, case_id)["refunded_minor"] == 0
