""""Send and open the next ticket in my queue" (issue 17): after the reply is queued, the best-ranked open
ticket assigned to the agent (not this one) opens; with none, the agent is told and stays."""

from __future__ import annotations

from typing import Any

KEY = "ctrl+o"


def next_in_my_queue(screen: Any) -> int | None:
    """The agent's best open ticket other than this one, by the live queue's ranking; None when none."""
    me = screen.actor.agent_id
    if me is None:
        return None
    entries = screen.gw.call(screen.desk.queue.top, screen.actor, 2, assignee=me)
    return next((e.ticket_id for e in entries if e.ticket_id != screen.ticket_id), None)


def open_next(screen: Any) -> None:
    """Leave this conversation for the next ticket of the agent's queue (or say there is none)."""
    from crossdesk.tui.messages import OpenTicket

    following = next_in_my_queue(screen)
    if following is None:
        screen.notify("Sent. Nothing else is waiting in your queue.")
        return
    screen.app.pop_screen()
    screen.app.post_message(OpenTicket(following))
