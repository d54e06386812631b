"""Issue 17 item 10: the SLA panel keeps showing a breach after the reply that came late."""

from __future__ import annotations

import pytest

from crossdesk.tui.widgets.conversation.context import sla_text


def test_a_late_first_reply_still_shows_its_breach():
    ticket = {"first_reply_due": None, "next_reply_due": 5000, "resolution_due": None, "sla_breached": 1}
    text = sla_text(ticket, 1000, {"policy": "Amazon"})
    first = next(line for line in text.splitlines() if line.startswith("first reply"))
    assert "breached (answered late)" in first
    resolution = next(line for line in text.splitlines() if line.startswith("resolution"))
    assert "breached" not in resolution
    assert "no SLA policy applies" not in text


def test_met_in_time_shows_no_breach():
    ticket = {"first_reply_due": None, "next_reply_due": None, "resolution_due": None, "sla_breached": 0}
    assert "breached" not in sla_text(ticket, 1000, None)


@pytest.mark.anyio
async def test_the_conversation_keeps_the_breach_after_the_late_reply(desk, ids, clock, make_app, settle):
    from textual.widgets import Static

    from crossdesk.tui.screens import ConversationScreen

    from .conftest import SIZE

    root = desk.actor_for("root")
    desk.sla.save_policies(
        root, [{"name": "wall", "clock": "wall", "targets": {"normal": {"first_reply": "2h"}}}]
    )
    tid = ids.tickets["us_return"]
    assert desk.ticket(root, tid)["first_reply_due"] is not None
    clock.advance(5 * 3600)  # the first reply is now 3 h late
    desk.sla.check(root)
    desk.reply(root, tid, "Sorry for the wait: here is your return label.")
    ticket = desk.ticket(root, tid)
    assert ticket["first_reply_due"] is None and ticket["sla_breached"] & 1
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(tid))
        await settle(pilot)
        shown = str(app.screen.query_one("#ctx-sla", Static).render())
        first = next(line for line in shown.splitlines() if line.startswith("first reply"))
        assert "breached (answered late)" in first
