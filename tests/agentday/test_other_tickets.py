"""Issue 17 item 10: the conversation shows the buyer's other open tickets."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from crossdesk.tui.screens import ConversationScreen

from .conftest import SIZE

pytestmark = pytest.mark.anyio


async def test_the_buyers_other_open_tickets_are_listed(desk, ids, make_app, settle):
    sam = desk.actor_for("sam")
    rows = desk.db.execute(
        "SELECT customer_id, group_concat(id) FROM tickets WHERE status < 4 AND customer_id IS NOT NULL "
        "GROUP BY customer_id HAVING count(*) > 1"
    ).fetchall()
    if not rows:  # the seed has one ticket per buyer: give one buyer a second open ticket
        tid = next(iter(ids.tickets.values()))
        other = list(ids.tickets.values())[1]
        buyer = desk.ticket(sam, tid)["customer_id"]
        desk.db.execute("UPDATE tickets SET customer_id = ?, status = 1 WHERE id = ?", [buyer, other])
    else:
        tid, other = (int(x) for x in rows[0][1].split(",")[:2])
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(tid))
        await settle(pilot)
        shown = str(app.screen.query_one("#ctx-order", Static).render())
        assert "Other open tickets" in shown and f"#{other} " in shown and f"#{tid} " not in shown
