"""Issue 17 item 9: "select all" selects what the filter matches, with the count stated."""

from __future__ import annotations

import pytest

from crossdesk.tui.screens import InboxScreen
from crossdesk.tui.widgets.inbox.queue_view import QueueView

from .conftest import SIZE

pytestmark = pytest.mark.anyio


async def test_shift_a_selects_every_match_of_the_filter(desk, make_app, settle):
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        screen.apply_query("platform:ebay")
        await settle(pilot)
        sam = desk.actor_for("sam")
        want = {t["id"] for t in desk.list_tickets(sam, platform="ebay")}
        assert want
        screen.query_one(QueueView).focus()
        await pilot.press("A")
        await settle(pilot)
        assert set(screen.query_one(QueueView).selected) == want
        notes = [n.message for n in app._notifications]
        assert any(f"Selected all {len(want)} tickets the filter matches" in m for m in notes)
