"""Issue 17 item 7: a half-written reply survives quitting (Ctrl+Q asks first) and a restart."""

from __future__ import annotations

import pytest
from textual.widgets import TextArea

from crossdesk.errors import DeskError
from crossdesk.tui.screens import ConversationScreen
from crossdesk.tui.widgets.drafts import QuitWithDrafts

from .conftest import SIZE

pytestmark = pytest.mark.anyio


async def test_ctrl_q_with_a_draft_asks_keeps_it_and_a_restart_brings_it_back(desk, ids, make_app, settle):
    tid = next(iter(ids.tickets.values()))
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(tid))
        await settle(pilot)
        area = app.screen.query_one("#reply", TextArea)
        area.focus()
        await pilot.press(*"Half a reply")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, QuitWithDrafts)  # asked, not gone
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen) and app.is_running
        assert app.screen.query_one("#reply", TextArea).text == "Half a reply"
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert desk.drafts.load(desk.actor_for("sam")) == {tid: "Half a reply"}

    again = make_app(agent="sam")
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        again.push_screen(ConversationScreen(tid))
        await settle(pilot)
        assert again.screen.query_one("#reply", TextArea).text == "Half a reply"
        again.screen.query_one("#reply", TextArea).text = ""  # sent or cleared: nothing to ask about
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert not isinstance(again.screen, QuitWithDrafts)
    assert desk.drafts.load(desk.actor_for("sam")) == {}  # cleared: it does not come back


async def test_ctrl_q_without_drafts_quits_at_once(make_app, settle):
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert not isinstance(app.screen, QuitWithDrafts)


def test_drafts_are_per_agent_audited_and_bounded(desk, ids):
    sam, ana = desk.actor_for("sam"), desk.actor_for("ana")
    tid = next(iter(ids.tickets.values()))
    assert desk.drafts.keep(sam, {tid: "for the buyer", 999_999: "no such ticket", tid + 1: "   "}) == 1
    assert desk.drafts.load(sam) == {tid: "for the buyer"}
    assert desk.drafts.load(ana) == {}
    rows = [a for a in desk.audit_trail(sam, limit=10) if a["action"] == "drafts.keep"]
    assert rows and "for the buyer" not in str(rows[0])
    with pytest.raises(DeskError, match="longer than"):
        desk.drafts.keep(sam, {tid: "x" * 100_001})
    assert desk.drafts.load(sam) == {tid: "for the buyer"}
