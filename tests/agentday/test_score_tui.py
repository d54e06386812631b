"""Issue 17 item 2 in the TUI: "w" in the inbox and in the conversation shows the score as its parts."""

from __future__ import annotations

import math

import pytest
from textual.widgets import DataTable

from crossdesk.native.reference import SCORE_PARTS
from crossdesk.queue import rescore
from crossdesk.tui.screens import ConversationScreen, InboxScreen
from crossdesk.tui.widgets.inbox.queue_view import QueueView
from crossdesk.tui.widgets.score import ScoreModal

from .conftest import SIZE

pytestmark = pytest.mark.anyio


def _parts(modal: ScoreModal) -> dict[str, float]:
    table = modal.query_one("#score-parts", DataTable)
    out = {}
    for key in [*SCORE_PARTS, "total"]:
        out[key] = float(table.get_row(key)[1])
    return out


async def test_w_in_the_inbox_shows_the_top_tickets_parts(desk, make_app, settle):
    rescore(desk.store, desk.actor_for("sam"))
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        app.screen.query_one(QueueView).focus()
        top = app.screen.query_one(QueueView).current
        await pilot.press("w")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ScoreModal) and modal.explanation.ticket_id == top["id"]
        parts = _parts(modal)
        stored = desk.db.execute("SELECT priority FROM tickets WHERE id = ?", [top["id"]]).fetchone()[0]
        assert math.isclose(parts["total"], stored, abs_tol=0.011)
        assert math.isclose(sum(parts[k] for k in SCORE_PARTS), parts["total"], abs_tol=0.05)
        await pilot.press("escape")
        assert isinstance(app.screen, InboxScreen)


async def test_w_in_the_conversation_shows_this_tickets_parts(desk, ids, make_app, settle):
    tid = next(iter(ids.tickets.values()))
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(tid))
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ScoreModal) and modal.explanation.ticket_id == tid
        assert "SLA" in str(modal.query_one("#score-parts", DataTable).get_row("sla")[0])
