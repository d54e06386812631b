"""Customer, dashboard, help, command palette and key remapping."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from crossdesk.tui.commands import screen_actions
from crossdesk.tui.keys import load_config
from crossdesk.tui.screens import CustomerScreen, DashboardScreen, HelpScreen, InboxScreen

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


async def test_customer_merged_across_platforms(desk, ids, make_app, settle):
    jana = ids.customers["de_wismo"]
    assert ids.customers["de_angry"] == jana  # same e-mail on Amazon and eBay: one buyer
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(CustomerScreen(jana))
        await settle(pilot)
        screen = app.screen
        profile = str(screen.query_one("#profile").render())
        expected = desk.customer(app.gateway.actor, jana)["lifetime_value_usd"]
        assert f"${expected:,.2f}" in profile
        assert "amazon:" in profile and "ebay:" in profile
        orders = screen.query_one("#orders", DataTable)
        assert orders.row_count == 2
        skus = {str(orders.get_row_at(i)[5]) for i in range(2)}
        assert skus == {"HD-200-BLK", "CABLE-2M"}
        tickets = screen.query_one("#tickets", DataTable)
        assert tickets.row_count == 2
        tickets.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConversationScreen"


async def test_dashboard_numbers(desk, ids, make_app, settle):
    ana = desk.actor_for("ana")
    desk.reply(ana, ids.tickets["us_return"], "Sure, here is the label.")
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert "6" in str(screen.query_one("#n-volume").render())  # six tickets created today
        # us_return came in 4 hours before "now" and was answered at "now"
        assert "4h00" in str(screen.query_one("#n-first-reply").render())
        await pilot.press("escape")
        assert isinstance(app.screen, InboxScreen)


async def test_help_and_palette_list_the_screen_actions_by_role(desk, make_app, settle):
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = {b.id or "" for _, b, _ in screen_actions(app.screen)}
        assert {"inbox.filter", "inbox.dashboard", "queue.open", "app.help"} <= ids
        assert "inbox.bulk" not in ids and "inbox.rescore" not in ids  # an agent may not
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        listed = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert listed == ids
        await pilot.press("escape")
        assert isinstance(app.screen, InboxScreen)


async def test_supervisor_sees_bulk(desk, make_app, settle):
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "inbox.bulk" in {b.id for _, b, _ in screen_actions(app.screen)}


async def test_keys_remapped_from_the_config_file(desk, make_app, settle, tmp_path, monkeypatch):
    path = tmp_path / "keys.toml"
    path.write_text('[keys]\n"inbox.dashboard" = "D"\n"no.such.binding" = "z"\n', encoding="utf-8")
    monkeypatch.setenv("CROSSDESK_TUI_CONFIG", str(path))
    app = make_app(agent="ana")
    assert app.config.keymap == {"inbox.dashboard": "D"}
    assert any("no.such.binding" in p for p in app.config.problems)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)  # the old key no longer opens it
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)


def test_broken_config_is_reported_not_fatal(tmp_path):
    path = tmp_path / "tui.toml"
    path.write_text("[keys\n", encoding="utf-8")
    config = load_config(path)
    assert config.keymap == {} and len(config.problems) == 1


async def test_sync_runs_in_a_worker_and_reports_per_shop(desk, make_app, settle):
    app = make_app(agent="root")  # sync needs an admin
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.check_action("sync", ()) is True
        await pilot.press("S")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)  # no modal: per-shop problems are in the summary
        messages = [n.message for n in app._notifications]
        assert any("6 shop(s) synced" in m for m in messages)  # the seeded desk has six shops


async def test_a_supervisor_is_not_offered_sync(desk, make_app, settle):
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.check_action("sync", ()) is False  # hidden, not greyed
        assert app.screen.check_action("rescore", ()) is True


async def test_rescore_in_a_worker_writes_priorities(desk, make_app, settle):
    assert {p for (p,) in desk.db.execute("SELECT priority FROM tickets")} == {0.0}
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert desk.db.execute("SELECT COUNT(*) FROM tickets WHERE priority > 0").fetchone()[0] == 6
        assert desk.audit_trail(app.gateway.actor, limit=1)[0]["action"] == "queue.rescore"
        assert any("Re-scoring the queue: done" in n.message for n in app._notifications)
