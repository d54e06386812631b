"""The inbox driven through the Pilot: sign-in, lazy rows, filters, search, bulk actions by role."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList

from crossdesk.tui.screens import InboxScreen, SignInScreen
from crossdesk.tui.widgets.common.modals import ConfirmModal, PickModal, ResultsModal
from crossdesk.tui.widgets.inbox.queue_view import PAGE, QueueView

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


async def test_sign_in_then_the_ranked_queue(desk, make_app, settle):
    app = make_app(agent=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        names = [str(o.id) for o in app.screen.query_one(OptionList).options]
        assert names == ["ana", "sam", "root"]
        await pilot.press("down", "enter")  # sam
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert app.gateway.actor.name == "sam"
        queue = app.screen.query_one(QueueView)
        assert queue.total == 6
        # ranked live by the native core's queue, best first
        expected = [e.ticket_id for e in desk.queue.top(app.gateway.actor, 10)]
        assert [queue.row(i)["id"] for i in range(6)] == expected
        assert "ranked live" in str(app.screen.query_one("#inbox-status").render())
        first = desk.ticket(app.gateway.actor, expected[0])
        assert queue.row(0)["shop_name"] == first["shop"]["name"]


async def test_unknown_agent_is_refused_plainly(desk, make_app, settle):
    app = make_app(agent=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        field = app.screen.query_one(Input)
        field.focus()
        field.value = "mallory"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "no agent named 'mallory'" in str(app.screen.query_one("#signin-problem").render())


async def test_filters_and_full_text_search(desk, ids, make_app, settle):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        queue = screen.query_one(QueueView)
        await pilot.press("slash")
        await pilot.press(*"lang:de")
        await pilot.press("enter")
        await settle(pilot)
        assert queue.total == 2
        assert {queue.row(i)["id"] for i in range(2)} == {ids.tickets["de_wismo"], ids.tickets["de_angry"]}
        assert app.focused is queue

        screen.apply_query("Paket")
        await settle(pilot)
        assert queue.total == 1 and queue.row(0)["id"] == ids.tickets["de_wismo"]
        # the live queue does not search text: the desk's stored ranking serves this one
        assert "ranked by stored score" in str(screen.query_one("#inbox-status").render())

        screen.apply_query("tier:gold")  # a bad word: reported, filter kept as it was
        await settle(pilot)
        assert "unknown tier" in str(screen.query_one("#inbox-status").render())
        assert queue.total == 1

        await pilot.press("escape")  # clear
        await settle(pilot)
        assert queue.total == 6


async def test_mine_toggle(desk, ids, make_app, settle):
    app = make_app(agent="ana")
    desk.assign(app.gateway.desk.actor_for("root"), [ids.tickets["fr_broken"]], ids.agents["ana"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueView)
        await pilot.press("m")
        await settle(pilot)
        assert queue.total == 1 and queue.row(0)["id"] == ids.tickets["fr_broken"]
        assert queue.row(0)["assignee"] == "ana"
        await pilot.press("m")
        await settle(pilot)
        assert queue.total == 6


async def test_bulk_assign_with_confirmation_and_a_result_per_ticket(desk, ids, make_app, settle):
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueView)
        first, second = queue.row(0)["id"], queue.row(1)["id"]
        await pilot.press("space", "space")  # select two, cursor moves down
        assert set(queue.selected) == {first, second}
        await pilot.press("b")
        assert isinstance(app.screen, PickModal)
        await pilot.press("enter")  # assign
        assert isinstance(app.screen, PickModal)
        await pilot.press("down", "enter")  # ana (after "nobody")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ResultsModal)
        table = app.screen.query_one("#results-table")
        assert table.row_count == 2
        assert {str(table.get_row_at(i)[1]) for i in range(2)} == {"ok"}
        await pilot.press("escape")
        await settle(pilot)
        for tid in (first, second):
            assert desk.ticket(app.gateway.actor, tid)["assignee_id"] == ids.agents["ana"]
            trail = desk.audit_trail(app.gateway.actor, "ticket", tid)
            assert trail[0]["actor"] == "sam" and trail[0]["action"] == "ticket.update"
        assert queue.selected == {}


async def test_cancelled_bulk_changes_nothing(desk, make_app, settle):
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(desk.audit_trail(app.gateway.actor, limit=1000))
        await pilot.press("space", "b", "down", "down", "down", "down", "enter")  # close
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert len(desk.audit_trail(app.gateway.actor, limit=1000)) == before


async def test_an_agent_is_not_offered_bulk_actions(desk, make_app, settle):
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.check_action("bulk", ()) is False  # hidden, not greyed
        await pilot.press("space", "b")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)  # nothing opened
        footer_keys = {b.binding.action for b in app.active_bindings.values() if b.enabled}
        assert "bulk" not in footer_keys


async def test_rows_load_lazily_page_by_page(clock, desk, ids, make_app, settle):
    root = desk.actor_for("root")
    shop = ids.shops["AMZ-DE"]
    for i in range(PAGE * 2 + 30):
        desk.receive_message(
            root,
            platform="amazon",
            shop_id=shop,
            thread_id=f"bulk-{i}",
            external_id=f"bulk-msg-{i}",
            body=f"Frage Nummer {i}",
            created_at=clock.now - 10_000 + i,
            language="de",
        )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueView)
        assert queue.total == PAGE * 2 + 36
        assert set(queue._pages) <= {0, 1}  # only what is near the top
        await pilot.press("end")
        await settle(pilot)
        assert queue.cursor == queue.total - 1
        assert 2 in queue._pages and queue.current is not None
        expected_last = desk.queue.top(app.gateway.actor, queue.total)[-1].ticket_id
        assert queue.current["id"] == expected_last
