"""The demo desk's parcels: every state a seller meets, timelines in the conversation, the same for a seed."""

from __future__ import annotations

from crossdesk.api import Desk
from crossdesk.demo.build import build_demo
from crossdesk.models import Actor

NOW = 1_765_800_000


def _parcels(seed: int) -> tuple[list, Desk]:
    desk = Desk.memory()
    build_demo(desk, 600, seed=seed, now=NOW)
    rows = desk.db.execute(
        "SELECT tracking_number, state, stalled_at IS NOT NULL FROM shipments ORDER BY id"
    ).fetchall()
    return rows, desk


def test_demo_parcels_cover_the_states_and_show_in_the_conversation():
    rows, desk = _parcels(7)
    states = {r[1] for r in rows}
    assert {"in_transit", "out_for_delivery", "delivered", "exception", "failed_attempt"} <= states
    assert any(r[2] for r in rows)  # some stalled
    ticket_id = desk.db.execute(
        "SELECT t.id FROM tickets t JOIN shipments s ON s.order_id = t.order_id WHERE s.state = 'exception' LIMIT 1"
    ).fetchone()[0]
    [parcel] = desk.conversation.view(Actor.system(), ticket_id).shipments
    assert (
        parcel["events"][-1]["state"] == "exception"
        and parcel["last_scan"] == parcel["events"][-1]["description"]
    )
    again, _ = _parcels(7)
    assert again == rows
    desk.close()
