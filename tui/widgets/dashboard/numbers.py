"""The dashboard's row of numbers for the chosen period: volume, first reply, FCR, SLA, backlog."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from crossdesk.analytics import Board
from crossdesk.tui.format import duration


def _d(seconds: float | None) -> str:
    return "—" if seconds is None else duration(seconds)


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.0f}%"


class Numbers(Horizontal):
    """Five boxes of the period's figures (docs/analytics.md has their definitions)."""

    def compose(self) -> ComposeResult:
        for key in ("volume", "first-reply", "fcr", "sla", "backlog"):
            yield Static("…", classes="number", id=f"n-{key}")

    def show(self, board: Board) -> None:
        t = board.report.total
        period = "today" if board.days == 1 else f"in {board.days} days"
        fr, sla = t["first_reply"], t["sla"]["first_reply"]
        self.query_one("#n-volume", Static).update(
            f"[b]{t['volume']:,}[/b]\nnew tickets {period}\n{t['auto_reply']['count']:,} auto-answered"
        )
        self.query_one("#n-first-reply", Static).update(
            f"[b]{_d(fr['median'])}[/b]\nmedian first reply\n90%: {_d(fr['p90'])} · {fr['count']:,} replied"
        )
        self.query_one("#n-fcr", Static).update(
            f"[b]{_pct(t['fcr']['rate'])}[/b]\nfirst-contact resolution\n"
            f"reopened {_pct(t['reopen_rate']['rate'])} · solved in {_d(t['resolution']['median'])}"
        )
        self.query_one("#n-sla", Static).update(
            f"[b]{_pct(sla['rate'])}[/b]\nSLA first reply met\n{sla['breached']:,} breached of {sla['due']:,}"
        )
        self.query_one("#n-backlog", Static).update(
            f"[b]{t['backlog']['count']:,}[/b]\nopen now\nmedian age {_d(t['backlog']['age']['median'])}"
        )
