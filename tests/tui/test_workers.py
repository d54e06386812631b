"""Workers report back with typed messages; the inbox pages through ``desk.queue.page``; errors from a
worker or from slow work are one plain line."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import DataTable

from crossdesk.conversation import TicketView
from crossdesk.errors import DeskError
from crossdesk.queue import QueuePage
from crossdesk.tui import messages
from crossdesk.tui.screens import AfterSalesScreen, ConversationScreen, DashboardScreen, InboxScreen
from crossdesk.tui.widgets.common.modals import ErrorModal
from crossdesk.tui.widgets.inbox.queue_view import PAGE, QueueView

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


async def test_workers_post_typed_messages_and_never_call_into_the_ui_thread(
    desk, make_app, settle, monkeypatch
):
    app = make_app(agent="sam")
    calls_into_ui: list[object] = []
    monkeypatch.setattr(app, "call_from_thread", lambda *a, **k: calls_into_ui.append(a))
    seen: list[object] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen)
        await pilot.press("escape", "d")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
    kinds = {type(m) for m in seen}
    assert {
        QueueView.PageLoaded,
        QueueView.Counted,
        messages.NamesLoaded,
        messages.LiveQueueReady,
        messages.OpenTicket,
        messages.TicketLoaded,
        messages.OpenDashboard,
        messages.DashboardLoaded,
    } <= kinds
    loaded = next(m for m in seen if isinstance(m, messages.TicketLoaded))
    assert isinstance(loaded.value, TicketView)
    assert not any(isinstance(m, messages.Failed) for m in seen)
    assert calls_into_ui == []


async def test_a_failing_call_is_one_plain_line_and_the_screen_stays(desk, make_app, settle, monkeypatch):
    def boom(*args, **kwargs):
        raise DeskError("ticket #1 is being merged; try again in a moment")

    monkeypatch.setattr(desk.conversation, "view", boom)
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert "being merged" in str(app.screen.query_one("#error-message").render())
        await pilot.press("escape")
        assert isinstance(app.screen, ConversationScreen)


async def test_the_inbox_pages_through_the_queue_service(desk, make_app, settle, monkeypatch):
    real = desk.queue.page
    pages: list[tuple[dict, QueuePage]] = []

    def spy(actor, **kwargs):
        page = real(actor, **kwargs)
        pages.append((kwargs, page))
        return page

    monkeypatch.setattr(desk.queue, "page", spy)
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        queue = screen.query_one(QueueView)
        assert pages[0][0] == {"offset": 0, "limit": PAGE} and not pages[0][1].live  # before the snapshot
        # then the live ranking, while the cursor is at the top
        live = [page for asked, page in pages if page.live and asked["offset"] == 0]
        assert live and queue.live
        assert [queue.row(i)["id"] for i in range(6)] == [r["id"] for r in live[-1].rows]

        pages.clear()
        screen.apply_query("platform:amazon lang:de")
        await settle(pilot)
        assert pages and pages[0][0] == {"offset": 0, "limit": PAGE, "platform": "amazon", "language": "de"}
        assert queue.total == 1 and pages[0][1].live

        pages.clear()
        screen.apply_query("Paket")
        await settle(pilot)
        assert pages[0][0]["search"] == "Paket" and not pages[0][1].live
        assert not queue.live and "ranked by stored score" in str(screen.query_one("#inbox-status").render())


async def test_the_live_ranking_never_reorders_rows_under_a_selection(desk, make_app, settle, monkeypatch):
    real = desk.queue.prepare
    release = threading.Event()

    def slow_prepare(actor):
        release.wait(20)  # the snapshot of a big desk takes seconds
        return real(actor)

    monkeypatch.setattr(desk.queue, "prepare", slow_prepare)
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(500):  # the first page, on the stored ranking (the snapshot is still building)
            await pilot.pause(0.01)
            queue = app.screen.query_one(QueueView)
            if queue.current is not None:
                break
        assert queue.current is not None and not queue.live
        await pilot.press("space")  # the agent has started working on the stored ranking
        release.set()
        await settle(pilot)
        assert not queue.live and len(queue.selected) == 1
        await pilot.press("r")  # an explicit refresh switches
        await settle(pilot)
        assert queue.live and len(queue.selected) == 1


async def test_slow_work_that_fails_is_reported_and_the_inbox_stays(desk, make_app, settle, monkeypatch):
    def busy(*args, **kwargs):
        raise DeskError("a re-score is already running (started by root)")

    monkeypatch.setattr(desk.queue, "rescore", busy)
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert "already running" in str(app.screen.query_one("#error-message").render())
        await pilot.press("escape")
        assert isinstance(app.screen, InboxScreen)
        assert not app.screen.query_one("#queue-progress").has_class("busy")
        assert not any("done" in n.message for n in app._notifications)


async def test_after_sales_offers_by_role_and_case_from_core(desk, ids, make_app, settle):
    for agent, approve in (("ana", False), ("sam", None)):  # Textual: False hides, None greys
        app = make_app(agent=agent)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(AfterSalesScreen(ids.orders["us_return"]))
            await settle(pilot)
            screen = app.screen
            assert screen.query_one("#lines", DataTable).row_count == 1  # the order itself shows
            assert "No case on this order yet" in str(screen.query_one("#verdict").render())
            assert screen.check_action("open_case", ()) is True
            assert screen.check_action("approve", ()) is approve  # hidden for an agent, greyed without a case
            assert screen.check_action("refund", ()) is None
