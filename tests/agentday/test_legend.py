"""Issue 17 item 6: the inbox legend (star, status prefix, zero value) is one key away."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from crossdesk.tui.screens import InboxScreen
from crossdesk.tui.widgets.inbox.legend import LegendModal
from crossdesk.tui.widgets.inbox.queue_view import QueueView

from .conftest import SIZE

pytestmark = pytest.mark.anyio


async def test_L_opens_the_legend_and_closes_it(make_app, settle):
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(QueueView).focus()
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, LegendModal)
        text = str(app.screen.query_one("#legend-text", Static).render())
        for mark in ("★", "[open]", "value 0", "SLA"):
            assert mark in text
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
