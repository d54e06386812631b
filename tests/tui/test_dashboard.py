"""The dashboard on the analytics read model: period and dimension pickers, the table of groups, charts
with their values, the warnings list, and "no data yet" on an empty desk."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Select, Static

from crossdesk.testing import make_desk
from crossdesk.tui.app import CrossdeskApp
from crossdesk.tui.screens import DashboardScreen

SIZE = (140, 50)
pytestmark = pytest.mark.anyio


def _cells(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_pickers_regroup_the_same_figures(desk, ids, make_app, settle):
    ana = desk.actor_for("ana")
    desk.reply(ana, ids.tickets["us_return"], "Here is your label.")
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        table = screen.query_one("#groups", DataTable)
        assert str(table.ordered_columns[0].label) == "platform"
        rows = _cells(table)
        assert rows[-1][0] == "(total)" and rows[-1][1] == "6"
        expected = {
            g["key"]["platform"]: g["volume"] for g in desk.analytics.board(ana, days=7).report.groups
        }
        assert {r[0]: int(r[1]) for r in rows[:-1]} == expected  # the table shows the service's figures
        screen.query_one("#dimension", Select).value = "language"
        await settle(pilot)
        table = screen.query_one("#groups", DataTable)
        assert str(table.ordered_columns[0].label) == "language"
        languages = {r[0] for r in _cells(table)[:-1]}
        assert {"de", "ja"} <= languages
        screen.query_one("#period", Select).value = 1
        await settle(pilot)
        assert "today" in str(screen.query_one("#n-volume", Static).render())
        assert "4h00" in str(screen.query_one("#n-first-reply", Static).render())
        warnings = str(screen.query_one("#warnings", Static).render())
        assert "Quality warnings this week (0)" in warnings
        desk.db.execute(  # what crossdesk automate stores when a SKU spikes
            "INSERT INTO quality_warnings (kind, sku, platform, day, window_start, window_end, count_now, "
            "base_now, count_before, base_before, rate_now, rate_before, p_value, tickets, created_at) VALUES "
            "('complaints', 'LAMP-[b]1', 'amazon', 'd', 0, 1, 8, 50, 2, 200, 0.16, 0.01, 0.00001, '[3, 4]', ?)",
            [desk.now()],
        )
        await pilot.press("r")
        await settle(pilot)
        warnings = str(screen.query_one("#warnings", Static).render())
        assert "Quality warnings this week (1)" in warnings
        assert "LAMP-[b]1 on amazon: complaints 16.0% now" in warnings and "#3, #4" in warnings


async def test_empty_desk_says_no_data_yet(tmp_path, monkeypatch, settle):
    monkeypatch.setenv("CROSSDESK_TUI_CONFIG", str(tmp_path / "tui.toml"))
    desk = make_desk()
    from crossdesk.models import Actor

    desk.create_agent(Actor.system("t"), "ana")
    app = CrossdeskApp(desk, "ana", blink=False, warm_up=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(DashboardScreen())
        await settle(pilot)
        table = app.screen.query_one("#groups", DataTable)
        assert _cells(table)[0][0] == "no data yet"
        chart = app.screen.query_one("#volume-chart")
        assert "no data yet" in chart.plt.build()
    desk.close()
