"""The dashboard: today's numbers (``desk.analytics.dashboard``) and plots."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer

from crossdesk.tui.messages import DashboardLoaded, OpenApprovals, OpenTeam
from crossdesk.tui.screens.base import DeskScreen, topbar
from crossdesk.tui.widgets.dashboard.charts import BarChart, VolumeChart
from crossdesk.tui.widgets.dashboard.numbers import Numbers


class DashboardScreen(DeskScreen):
    """Today's numbers and plots."""

    NEEDS: ClassVar[dict[str, str]] = {"approvals": "supervise"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="dashboard.back"),
        Binding("r", "reload", "Refresh", id="dashboard.refresh"),
        Binding("t", "team", "Team load", id="dashboard.team", show=False),
        Binding("p", "approvals", "Approvals", id="dashboard.approvals", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield topbar(self.app, "dashboard")
        yield Numbers(id="numbers")
        with Horizontal(id="charts"):
            yield VolumeChart(id="volume-chart")
            yield BarChart(id="intent-chart")
            yield BarChart(id="sku-chart")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.action_reload()

    def action_reload(self) -> None:
        self.call(
            DashboardLoaded, self.desk.analytics.dashboard, self.actor, group="dashboard", exclusive=True
        )

    @on(DashboardLoaded)
    def _show(self, message: DashboardLoaded) -> None:
        d = message.value
        self.query_one(Numbers).show(d)
        self.query_one("#volume-chart", VolumeChart).show(d.volume_by_hour)
        self.query_one("#intent-chart", BarChart).show(d.top_intents, "Top intents (open)")
        self.query_one("#sku-chart", BarChart).show(d.returns_per_sku, "Returned units per SKU")

    def action_team(self) -> None:
        self.post_message(OpenTeam())

    def action_approvals(self) -> None:
        self.post_message(OpenApprovals())

    def action_back(self) -> None:
        self.app.pop_screen()
