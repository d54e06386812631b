"""One snapshot per screen, on the seeded desk with a fixed clock, fixed size and no cursor blink.

Update after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import datetime as dt

from crossdesk import hookimpl
from crossdesk.policy import ReturnQuery, Verdict
from crossdesk.testing import make_desk, seed
from crossdesk.tui.app import CrossdeskApp
from crossdesk.tui.screens import AfterSalesScreen, ConversationScreen, CustomerScreen, DashboardScreen

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


def test_conversation(snap_compare, make_app, ids):
    async def open_ticket(pilot):
        pilot.app.push_screen(ConversationScreen(ids.tickets["fr_broken"]))

    assert snap_compare(make_app(agent="ana"), terminal_size=SIZE, run_before=settled(open_ticket))


def test_customer(snap_compare, make_app, ids):
    async def open_customer(pilot):
        pilot.app.push_screen(CustomerScreen(ids.customers["de_wismo"]))

    assert snap_compare(make_app(agent="ana"), terminal_size=SIZE, run_before=settled(open_customer))


class ShopPolicy:
    """A fixed 30-day policy, so the after-sales snapshot does not move when a law's wording changes."""

    id = "test.shop"
    kind = "seller"
    priority = 100

    def applies(self, query: ReturnQuery) -> bool:
        return True

    def evaluate(self, query: ReturnQuery) -> Verdict:
        last = query.delivered[0] + dt.timedelta(days=30)
        return Verdict(
            policy=self.id,
            eligible=query.requested <= last,
            deadline=last,
            basis="shop policy: 30 days from delivery",
            reasons=(f"delivered {query.delivered[0]}, last day {last}", f"asked {query.requested}: in time"),
            kind="seller",
        )


class ShopPolicyPlugin:
    @hookimpl
    def crossdesk_return_policies(self):
        return [ShopPolicy()]


def test_after_sales(snap_compare, clock, tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSDESK_TUI_CONFIG", str(tmp_path / "tui.toml"))
    desk = make_desk(ShopPolicyPlugin(), builtins=False, clock=clock)
    ids = seed(desk)
    sam = desk.actor_for("sam")
    order = desk.customer(sam, ids.customers["us_return"])["orders"][0]
    items = [{"order_line_id": order["lines"][0]["id"], "quantity": 1}]
    desk.cases.open(sam, type="return", order_id=order["id"], items=items, reason="wrong size")

    async def open_cases(pilot):
        pilot.app.push_screen(AfterSalesScreen(ids.orders["us_return"], ticket_id=ids.tickets["us_return"]))

    app = CrossdeskApp(desk, "sam", blink=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(open_cases))


def test_dashboard(snap_compare, make_app):
    async def open_dashboard(pilot):
        pilot.app.push_screen(DashboardScreen())

    assert snap_compare(make_app(agent="ana"), terminal_size=SIZE, run_before=settled(open_dashboard))


def test_help(snap_compare, make_app):
    async def open_help(pilot):
        await pilot.press("question_mark")

    assert snap_compare(make_app(agent="ana"), terminal_size=SIZE, run_before=settled(open_help))
