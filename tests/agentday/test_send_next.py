"""Issue 17 item 10: "send and open the next ticket in my queue"."""

from __future__ import annotations

import pytest
from textual.widgets import TextArea

from crossdesk.tui.screens import ConversationScreen
from crossdesk.tui.widgets.common.modals import ConfirmModal

from .conftest import SIZE

pytestmark = pytest.mark.anyio


async def test_ctrl_o_sends_then_opens_my_next_ticket(desk, ids, make_app, settle):
    root, sam = desk.actor_for("root"), desk.actor_for("sam")
    mine = [t["id"] for t in desk.list_tickets(sam)][:2]
    desk.assign(root, mine, ids.agents["sam"])
    desk.queue.refresh()
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(mine[0]))
        await settle(pilot)
        app.screen.query_one("#reply", TextArea).text = "Thanks, a replacement is on its way."
        await pilot.press("ctrl+o")
        await settle(pilot)
        if isinstance(app.screen, ConfirmModal):  # "send this exact text?" (a translated desk asks)
            await pilot.press("y")
            await settle(pilot)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.ticket_id == mine[1]
    sent = desk.db.execute(
        "SELECT count(*) FROM messages WHERE ticket_id = ? AND direction = 'out' AND body LIKE 'Thanks, a replacement%'",
        [mine[0]],
    ).fetchone()[0]
    assert sent == 1
