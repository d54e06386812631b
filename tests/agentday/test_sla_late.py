"""Issue 17 item 10: the SLA panel keeps showing a breach after the reply that came late."""

from __future__ import annotations

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
