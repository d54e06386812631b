"""The dashboard: the period's service figures by a dimension, per day, and the quality warnings
(``desk.analytics.board``: the same computations as ``crossdesk report``)."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Select, Static

from crossdesk.analytics import PERIODS, Board
from crossdesk.tui.format import duration
from crossdesk.tui.messages import DashboardLoaded, OpenApprovals, OpenSettings, OpenTeam
from crossdesk.tui.screens.base import DeskScreen, topbar
from crossdesk.tui.widgets.common.footer import WrapFooter
from crossdesk.tui.widgets.dashboard.charts import BarChart, VolumeChart
from crossdesk.tui.widgets.dashboard.numbers import Numbers

#: The dimensions the picker offers (docs/analytics.md, "Dimensions").
DIMENSIONS = ("platform", "shop", "market", "language", "agent", "team", "intent", "segment", "sku")
COLUMNS = (
    "tickets",
    "1st reply med",
    "1st reply p90",
    "resolved med",
    "FCR",
    "reopened",
    "SLA 1st",
    "backlog",
    "stars",
    "neg. reviews",
)


def _d(seconds: float | None) -> str:
    return "—" if seconds is None else duration(seconds)


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.0f}%"


def row(entry: dict) -> tuple[str, ...]:
    """The table's cells for one group (or the total)."""
    return (
        f"{entry['volume']:,}",
        _d(entry["first_reply"]["median"]),
        _d(entry["first_reply"]["p90"]),
        _d(entry["resolution"]["median"]),
        _pct(entry["fcr"]["rate"]),
        _pct(entry["reopen_rate"]["rate"]),
        _pct(entry["sla"]["first_reply"]["rate"]),
        f"{entry['backlog']['count']:,}",
        "—" if entry["ratings"]["mean"] is None else f"{entry['ratings']['mean']:.2f}",
        _pct(entry["ratings"]["negative_rate"]),
    )


class DashboardScreen(DeskScreen):
    """Service figures with a period and a dimension picker, charts with their values, quality warnings."""

    NEEDS: ClassVar[dict[str, str]] = {"approvals": "supervise", "settings": "manage_settings"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="dashboard.back"),
        Binding("r", "reload", "Refresh", id="dashboard.refresh"),
        Binding("t", "team", "Team load", id="dashboard.team", show=False),
        Binding("p", "approvals", "Approvals", id="dashboard.approvals", show=False),
        Binding("s", "settings", "Shops", id="dashboard.settings", show=False, tooltip="Shops: bind one"),
    ]

    def compose(self) -> ComposeResult:
        yield topbar(self.app, "dashboard")
        with Horizontal(id="pickers"):
            yield Select(
                [("today" if d == 1 else f"last {d} days", d) for d in PERIODS],
                value=7,
                allow_blank=False,
                id="period",
            )
            yield Select(
                [(f"by {d}", d) for d in DIMENSIONS], value="platform", allow_blank=False, id="dimension"
            )
        yield Numbers(id="numbers")
        with Horizontal(id="charts"):
            yield VolumeChart(id="volume-chart")
            yield BarChart(id="group-chart")
        yield DataTable(id="groups", cursor_type="row", zebra_stripes=True)
        yield Static("", id="warnings")
        yield WrapFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.action_reload()

    def action_reload(self) -> None:
        days = self.query_one("#period", Select).value
        by = self.query_one("#dimension", Select).value
        self.call(
            DashboardLoaded,
            self.desk.analytics.board,
            self.actor,
            days=int(days),  # type: ignore[arg-type]
            by=str(by),
            group="dashboard",
            exclusive=True,
        )

    @on(Select.Changed)
    def _picked(self, _: Select.Changed) -> None:
        self.action_reload()

    @on(DashboardLoaded)
    def _show(self, message: DashboardLoaded) -> None:
        board: Board = message.value
        self.query_one(Numbers).show(board)
        days = [(g["key"]["day"], g["volume"]) for g in board.daily.groups]
        self.query_one("#volume-chart", VolumeChart).show(days)
        pairs = [
            (str(g["key"][board.by]), g["first_reply"]["median"] / 3600)
            for g in sorted(board.report.groups, key=lambda g: -g["volume"])[:10]
            if g["first_reply"]["median"] is not None
        ]
        self.query_one("#group-chart", BarChart).show(
            pairs, f"Median first reply (hours) by {board.by}", lambda v: f"{v:.1f}h"
        )
        table = self.query_one("#groups", DataTable)
        table.clear(columns=True)
        table.add_columns(board.by, *COLUMNS)
        for g in sorted(board.report.groups, key=lambda g: -g["volume"]):
            table.add_row(str(g["key"][board.by]), *row(g))
        if board.empty:
            table.add_row("no data yet", *([""] * len(COLUMNS)))
        else:
            table.add_row("(total)", *row(board.report.total))
        lines = [f"[b]Quality warnings this week[/b] ({len(board.warnings)})"]
        lines += [f"[red]•[/red] {escape(str(w))}" for w in board.warnings[:6]] or [
            "none: no SKU draws more complaints or returns than before (crossdesk automate checks)"
        ]
        self.query_one("#warnings", Static).update("\n".join(lines))

    def action_team(self) -> None:
        self.post_message(OpenTeam())

    def action_settings(self) -> None:
        self.post_message(OpenSettings())

    def action_approvals(self) -> None:
        self.post_message(OpenApprovals())

    def action_back(self) -> None:
        self.app.pop_screen()
