"""Issue 17 item 1: non-finite and absurd amounts get a clear message, never a traceback or a lost draft."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from textual.widgets import TextArea

from crossdesk.aftersales.views import parse_amount
from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.models import Actor
from crossdesk.tui.screens import ConversationScreen
from crossdesk.tui.widgets.common.modals import PromptModal

from .conftest import SIZE, open_refund_prompt, return_case

pytestmark = pytest.mark.anyio

ABSURD = ["inf", "Infinity", "-inf", "NaN", "sNaN", "1e999", "1e999999", "9" * 30]


@pytest.mark.parametrize("text", ABSURD)
def test_parse_amount_refuses_in_words(text):
    with pytest.raises(ValueError, match=r"type a number such as 12\.50"):
        parse_amount(text, 2)


async def test_refund_prompt_refuses_absurd_amounts_and_the_draft_survives(desk, ids, make_app, settle):
    sam = desk.actor_for("sam")
    order_id, case_id = return_case(desk, ids)
    tid = ids.tickets["us_return"]
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(tid))
        await settle(pilot)
        conversation = app.screen
        conversation.query_one("#reply", TextArea).text = "Half a reply, not sent yet"
        await open_refund_prompt(app, pilot, settle, order_id)
        prompt = app.screen
        assert isinstance(prompt, PromptModal)
        field = prompt.query_one("#prompt-input")
        for text in ABSURD:
            field.value = text
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is prompt, text
            problem = str(prompt.query_one("#prompt-problem").render())
            assert "type a number such as 12.50" in problem, (text, problem)
        await pilot.press("escape")
        await settle(pilot)
        assert desk.cases.get(sam, case_id)["refunded_minor"] == 0
        app.pop_screen()
        await settle(pilot)
        assert app.screen is conversation
        assert conversation.query_one("#reply", TextArea).text == "Half a reply, not sent yet"


def _case(path):
    desk = Desk.open(path)
    admin = Actor.system("admin")
    shop = desk.upsert_shop(admin, platform="ebay", external_id="E", name="E", country="DE", currency="EUR")
    customer = desk.upsert_customer(admin, platform="ebay", shop_id=shop, external_id="b", country="DE")
    order = desk.upsert_order(
        admin,
        platform="ebay",
        shop_id=shop,
        external_id="O1",
        customer_id=customer,
        currency="EUR",
        ordered_at=int(dt.datetime(2025, 12, 1, tzinfo=dt.UTC).timestamp()),
        delivered_at=int(dt.datetime(2025, 12, 5, tzinfo=dt.UTC).timestamp()),
        country="DE",
        lines=[{"sku": "SHOE-42", "quantity": 1, "unit_price_minor": 2000}],
    )
    case = desk.cases.open(admin, type="return", order_id=order, items=[{"sku": "SHOE-42"}])
    desk.cases.approve(admin, case)
    desk.close()
    return case


@pytest.mark.parametrize(
    "args",
    [
        ["cases", "act", "refund", "{case}", "--amount", "9" * 30, "--without-return"],
        ["cases", "act", "refund", "{case}", "--amount", "inf", "--without-return"],
        ["approvals", "refund", "{case}", "--amount", "9" * 25, "--reason", "x"],
        ["customers", "list", "--min-value", "inf"],
        ["customers", "list", "--min-value", "nan"],
        ["automate", "--budget", "inf"],
        ["tracking", "configure", "--poll-hours", "nan"],
        ["tracking", "configure", "--stall-days", "dhl=nan"],
        ["tracking", "configure", "--stall-days", "dhl=inf"],
    ],
)
def test_cli_number_options_refuse_absurd_values_in_one_line(tmp_path, args):
    path = tmp_path / "desk.db"
    case = _case(path)
    argv = [a.replace("{case}", str(case)) for a in args] + ["--db", str(path)]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert any(w in result.output for w in ("finite", "minor units", "more than 0")), result.output
    desk = Desk.open(path)
    assert desk.cases.get(Actor.system("admin"), case)["refunded_minor"] == 0
    desk.close()


async def test_the_refund_prompt_shows_the_agents_limit_up_front(desk, ids, make_app, settle):
    """Issue 17 item 4: the limit is said before the agent types, not only after a refusal."""
    order_id, _ = return_case(desk, ids)
    limit = desk.store.refund_limits().get(desk.actor_for("ana").role)
    assert limit is not None
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_refund_prompt(app, pilot, settle, order_id)
        prompt = app.screen
        assert isinstance(prompt, PromptModal)
        shown = " ".join(str(s.render()) for s in prompt.query(".dialog-body"))
        assert f"USD {limit / 100:,.2f}" in shown or "may not refund on your own" in shown
        assert "request an approval" in shown


async def test_above_the_limit_an_agent_can_request_approval_instead(desk, ids, make_app, settle):
    """Issue 17 item 4: the refusal says why and offers the approval request; y files it."""
    from textual.widgets import Static

    from crossdesk.tui.widgets.aftersales.refund_or_ask import AskApproval

    sam = desk.actor_for("sam")
    order_id, case_id = return_case(desk, ids)
    before = len(desk.approvals.queue(sam))
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_refund_prompt(app, pilot, settle, order_id)
        await pilot.press("enter", "y")
        await settle(pilot)
        assert isinstance(app.screen, AskApproval)
        body = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "limit" in body and "Ask a supervisor" in body
        await pilot.press("y")
        await settle(pilot)
    queue = desk.approvals.queue(sam)
    assert len(queue) == before + 1 and any(q["case_id"] == case_id for q in queue)
    assert desk.cases.get(sam, case_id)["refunded_minor"] == 0
