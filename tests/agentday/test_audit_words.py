"""Issue 17 item 10: the conversation's audit rows say what changed (field, before, after)."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from crossdesk.tui.screens import ConversationScreen

from .conftest import SIZE

pytestmark = pytest.mark.anyio


async def test_the_audit_block_names_the_field_and_both_values(desk, ids, make_app, settle):
    sam = desk.actor_for("sam")
    tid = next(iter(ids.tickets.values()))
    desk.update_ticket(sam, tid, status="pending")
    desk.add_tags(sam, tid, ["vip"])
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(tid))
        await settle(pilot)
        shown = str(app.screen.query_one("#ctx-audit", Static).render())
        assert "ticket.update: status new → pending" in shown
        assert "ticket.tag: tags added: vip" in shown
