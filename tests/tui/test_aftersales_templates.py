"""Real work end to end: reply with a template in German; open, approve and refund a return; see the
audit rows; an agent above their refund limit is told plainly."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, OptionList, TextArea

from crossdesk.models import Actor
from crossdesk.tui.screens import AfterSalesScreen, ConversationScreen
from crossdesk.tui.widgets.common.modals import ConfirmModal, PickModal, PromptModal

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


async def pick(pilot, option_id: str) -> None:
    """Choose ``option_id`` in the open PickModal with the keyboard."""
    options = pilot.app.screen.query_one(OptionList)
    index = next(i for i, o in enumerate(options.options) if o.id == option_id)
    await pilot.press(*["down"] * (index - (options.highlighted or 0)), "enter")


async def test_reply_with_a_template_in_german(desk, ids, make_app, settle):
    desk.templates.install_starter(Actor.system())
    tid = ids.tickets["de_wismo"]
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(tid))
        await settle(pilot)
        screen = app.screen
        kb = str(screen.query_one("#ctx-kb").render())
        assert "Sendungsverfolgung" in kb  # a German article for a "where is my parcel" message
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        await pick(pilot, "order_status")
        await settle(pilot)
        text = screen.query_one("#reply", TextArea).text
        assert text.startswith("Hallo Jana Schmidt")
        assert "ORD-1000" in text and "TRK1000" in text  # placeholders filled from the ticket
        assert "variant de" in str(screen.query_one("#composer-info").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        out = [m for m in desk.ticket(app.gateway.actor, tid)["messages"] if m["direction"] == "out"]
        assert len(out) == 1 and out[0]["body"] == text and out[0]["language"] == "de"
        reply_audit = next(
            a for a in desk.audit_trail(app.gateway.actor, "ticket", tid) if a["action"] == "ticket.reply"
        )
        assert reply_audit["after"]["template"] == "order_status" and reply_audit["actor"] == "ana"


async def test_lint_warns_once_before_sending(desk, ids, make_app, settle):
    desk.templates.install_starter(Actor.system())
    tid = ids.tickets["de_wismo"]  # Amazon forbids links in buyer messages
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(tid))
        await settle(pilot)
        screen = app.screen
        screen.query_one("#reply", TextArea).text = "Details: https://acme.example/hilfe"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "lint" in str(screen.query_one("#composer-info").render())
        assert not [m for m in desk.ticket(app.gateway.actor, tid)["messages"] if m["direction"] == "out"]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [m for m in desk.ticket(app.gateway.actor, tid)["messages"] if m["direction"] == "out"]


async def test_open_approve_and_refund_a_return(desk, ids, make_app, settle):
    order_id, tid = ids.orders["us_return"], ids.tickets["us_return"]
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(tid))
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AfterSalesScreen) and screen.order_id == order_id
        await pilot.press("o")
        await pick(pilot, "return")
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"wrong size", "enter")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        cases = desk.cases.list(app.gateway.actor, order_id=order_id)
        assert len(cases) == 1 and cases[0]["type"] == "return" and cases[0]["ticket_id"] == tid
        case_id = cases[0]["id"]
        verdict = str(screen.query_one("#verdict").render())
        case = desk.cases.get(app.gateway.actor, case_id)
        expected = "eligible" if case["verdict"]["eligible"] else "not eligible"
        assert f"verdict: {expected}" in verdict
        if case["verdict"].get("deadline"):
            assert case["verdict"]["deadline"] in verdict
        assert "wrong size" in verdict

        await pilot.press("y")  # approve
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert desk.cases.get(app.gateway.actor, case_id)["state"] == "approved"

        await pilot.press("m")  # refund
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, PromptModal)
        field = prompt.query_one("#prompt-input")
        assert field.value == "129.00"
        field.value = "500"  # more than was paid: refused in the prompt, nothing sent
        await pilot.press("enter")
        assert "at most $129.00" in str(prompt.query_one("#prompt-problem").render())
        field.value = "129.00"
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        case = desk.cases.get(app.gateway.actor, case_id)
        assert case["state"] == "refunded" and case["refunded_minor"] == 12900
        assert "refunded" in str(screen.query_one("#cases", DataTable).get_row_at(0)[2])
        shown = str(screen.query_one("#verdict").render())  # the audit rows, on screen
        assert "sam (supervisor) case.refund → refunded, refunded $129.00" in shown
        assert "sam (supervisor) case.approve → approved" in shown

        trail = desk.audit_trail(app.gateway.actor, limit=50)
        actions = [(a["actor"], a["action"]) for a in trail]
        assert ("sam", "refund.create") in actions and ("sam", "case.open") in actions
        refund_row = next(a for a in trail if a["action"] == "refund.create")
        assert refund_row["after"]["amount_minor"] == 12900 and refund_row["after"]["currency"] == "USD"


async def test_an_agent_above_the_refund_limit_is_told_plainly(desk, ids, make_app, settle):
    sam = desk.actor_for("sam")
    order_id = ids.orders["us_return"]
    line = desk.customer(sam, ids.customers["us_return"])["orders"][0]["lines"][0]
    case_id = desk.cases.open(
        sam, type="return", order_id=order_id, items=[{"order_line_id": line["id"], "quantity": 1}]
    )
    desk.cases.approve(sam, case_id)
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(AfterSalesScreen(order_id))
        await settle(pilot)
        screen = app.screen
        assert screen.check_action("approve", ()) is False  # an agent is not offered approvals (hidden)
        screen.query_one("#cases", DataTable).focus()
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("enter")  # the suggested full amount
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)  # told why, and offered to ask a supervisor
        message = str(app.screen.query_one(".dialog-body").render())
        assert "ana (agent) may not refund" in message and "limit" in message
        assert desk.cases.get(sam, case_id)["refunded_minor"] == 0


async def test_bulk_template_reply_reports_each_ticket(desk, ids, make_app, settle):
    """return_instructions needs the case's refund deadline: the ticket with a case (EU withdrawal: the
    refund is due 14 days after notice) gets the reply in its buyer's language; the one without is
    reported and left untouched."""
    desk.templates.install_starter(Actor.system())
    sam = desk.actor_for("sam")
    with_case, without = ids.tickets["de_wismo"], ids.tickets["fr_broken"]
    order = next(
        o
        for o in desk.customer(sam, ids.customers["de_wismo"])["orders"]
        if o["id"] == ids.orders["de_wismo"]
    )
    desk.cases.open(
        sam,
        type="return",
        order_id=order["id"],
        items=[{"order_line_id": order["lines"][0]["id"], "quantity": 1}],
        ticket_id=with_case,
    )
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one("#queue")
        for tid in (with_case, without):
            row = next(i for i in range(queue.total) if queue.row(i)["id"] == tid)
            queue.cursor = row
            await pilot.press("space")
        assert set(queue.selected) == {with_case, without}
        await pilot.press("b")
        await pick(pilot, "template")
        await settle(pilot)
        await pick(pilot, "return_instructions")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        table = app.screen.query_one("#results-table", DataTable)
        results = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert results[f"#{with_case}"] == "ok"
        assert results[f"#{without}"].startswith("error:") and "deadline" in results[f"#{without}"]
        sent = [m for m in desk.ticket(sam, with_case)["messages"] if m["direction"] == "out"]
        assert len(sent) == 1 and sent[0]["language"] == "de"  # the German variant, deadline filled in
        assert not [m for m in desk.ticket(sam, without)["messages"] if m["direction"] == "out"]


async def test_command_palette_lists_and_runs_screen_actions(desk, make_app, settle):
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"dashboard")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
