"""The team's load: each active agent's open tickets against capacity, and who is on shift now
(``desk.routing.loads``; ``crossdesk team load`` prints the same)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from crossdesk.tui.messages import TeamLoaded
from crossdesk.tui.screens.base import DeskScreen, topbar
from crossdesk.tui.widgets.common.footer import WrapFooter


class TeamScreen(DeskScreen):
    """Agents, on shift or not, their open tickets against capacity, fullest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="team.back"),
        Binding("r", "reload", "Refresh", id="team.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield topbar(self.app, "team load")
        yield DataTable(id="team-load", cursor_type="row", zebra_stripes=True)
        yield WrapFooter()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one(DataTable)
        table.add_columns("Agent", "Role", "Shift", "Open", "Capacity", "Load")
        self.action_reload()

    def action_reload(self) -> None:
        self.call(TeamLoaded, self.desk.routing.loads, self.actor, group="team", exclusive=True)

    @on(TeamLoaded)
    def _show(self, message: TeamLoaded) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for x in message.value:
            bar = "█" * min(20, round(20 * x.ratio)) if x.capacity else ""
            shift = "on shift" if x.on_shift else "off shift"
            table.add_row(x.name, x.role, shift, str(x.open), str(x.capacity), bar, key=str(x.agent_id))

    def action_back(self) -> None:
        self.app.pop_screen()
