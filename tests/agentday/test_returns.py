"""Issue 17 item 5: a partial refund does not end a return case while the goods are still expected."""

from __future__ import annotations

import pytest

from crossdesk.aftersales.views import available_actions

from .conftest import open_refund_prompt, return_case


def test_a_partial_refund_keeps_the_return_open_until_the_goods_are_back(desk, ids):
    sam = desk.actor_for("sam")
    _, case_id = return_case(desk, ids)
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
    _, case_id = return_case(desk, ids)
    desk.cases.refund(sam, case_id, without_return=True)
    assert desk.cases.get(sam, case_id)["state"] == "refunded"


@pytest.mark.anyio
async def test_refunding_more_than_the_case_covers_is_warned_first(desk, ids, make_app, settle):
    from textual.widgets import Static

    from crossdesk.tui.widgets.common.modals import ConfirmModal, PromptModal

    from .conftest import SIZE

    sam = desk.actor_for("sam")
    order_id, case_id = return_case(desk, ids, requested_minor=5000)
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_refund_prompt(app, pilot, settle, order_id)
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


@pytest.mark.anyio
async def test_the_refund_prompt_offers_what_is_left_on_the_case_not_on_the_order(
    desk, ids, make_app, settle
):
    from textual.widgets import Label, Static

    from crossdesk.tui.widgets.common.modals import ConfirmModal, PromptModal

    from .conftest import SIZE

    sam = desk.actor_for("sam")
    order_id, case_id = return_case(desk, ids, requested_minor=5000)
    desk.cases.refund(sam, case_id, amount_minor=2000, without_return=True)
    quote = desk.cases.quote(sam, case_id)
    assert quote.case_left == 3000 and quote.left == 12900 - 2000  # the case, then the order
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_refund_prompt(app, pilot, settle, order_id)
        prompt = app.screen
        assert isinstance(prompt, PromptModal)
        field = prompt.query_one("#prompt-input")
        assert field.value == "30.00"  # what is left on the case's lines after the first refund
        words = " ".join(str(w.render()) for w in prompt.query(Label)) + " ".join(
            str(w.render()) for w in prompt.query(Static)
        )
        assert "Up to $30.00 is left on this case's lines" in words
        field.value = "200"  # beyond the order: refused in the prompt, nothing sent
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is prompt
        field.value = "40"  # beyond the case, within the order: asked first
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        body = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "more than the case covers ($30.00)" in body
        await pilot.press("n")
        await settle(pilot)
    assert desk.cases.get(sam, case_id)["refunded_minor"] == 2000
