"""One snapshot per screen, on the seeded desk with a fixed clock, fixed size and no cursor blink.

Update after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from crossdesk.models import Actor
from crossdesk.tui.app import AfterSalesScreen, ConversationScreen, CustomerScreen, DashboardScreen

SIZE = (120, 36)


def settled(then=None):
    async def run_before(pilot) -> None:
        for _ in range(3):
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
        if then is not None:
            await then(pilot)
            for _ in range(3):
                await pilot.pause()
                await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


def test_sign_in(snap_compare, make_app):
    assert snap_compare(make_app(agent=None), terminal_size=SIZE, run_before=settled())


def test_inbox(snap_compare, make_app):
    async def select(pilot):
        await pilot.press("down", "space")

    assert snap_compare(make_app(agent="sam"), terminal_size=SIZE, run_before=settled(select))


def test_conversation(snap_compare, make_app, desk, ids):
    desk.templates.install_starter(Actor.system())

    async def open_ticket(pilot):
        pilot.app.push_screen(ConversationScreen(ids.tickets["fr_broken"]))

    assert snap_compare(make_app(agent="ana"), terminal_size=SIZE, run_before=settled(open_ticket))


def test_customer(snap_compare, make_app, ids):
    async def open_customer(pilot):
        pilot.app.push_screen(CustomerScreen(ids.customers["de_wismo"]))

    assert snap_compare(make_app(agent="ana"), terminal_size=SIZE, run_before=settled(open_customer))


def test_after_sales(snap_compare, make_app, desk, ids):
    sam = desk.actor_for("sam")
    order = desk.customer(sam, ids.customers["us_return"])["orders"][0]
    items = [{"order_line_id": order["lines"][0]["id"], "quantity": 1}]
    desk.cases.open(sam, type="return", order_id=order["id"], items=items, reason="wrong size")

    async def open_cases(pilot):
        pilot.app.push_screen(AfterSalesScreen(ids.orders["us_return"], ticket_id=ids.tickets["us_return"]))

    assert snap_compare(make_app(agent="sam"), terminal_size=SIZE, run_before=settled(open_cases))


def test_dashboard(snap_compare, make_app):
    async def open_dashboard(pilot):
        pilot.app.push_screen(DashboardScreen())

    assert snap_compare(make_app(agent="ana"), terminal_size=SIZE, run_before=settled(open_dashboard))


def test_help(snap_compare, make_app):
    async def open_help(pilot):
        await pilot.press("question_mark")

    assert snap_compare(make_app(agent="ana"), terminal_size=SIZE, run_before=settled(open_help))
