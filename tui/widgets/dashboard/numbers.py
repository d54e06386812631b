"""The dashboard's row of numbers: today's volume, median first reply, SLA breaches, open tickets."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from crossdesk.analytics import Dashboard
from crossdesk.tui.format import duration


class Numbers(Horizontal):
    """Four boxes of today's figures."""

    def compose(self) -> ComposeResult:
        for key in ("volume", "first-reply", "breaches", "open"):
            yield Static("…", classes="number", id=f"n-{key}")

    def show(self, d: Dashboard) -> None:
        frt = "—" if d.first_reply_median_s is None else duration(d.first_reply_median_s)
        self.query_one("#n-volume", Static).update(
            f"[b]{d.created_today:,}[/b]\nnew tickets today\n{d.messages_in_today:,} messages in"
        )
        self.query_one("#n-first-reply", Static).update(
            f"[b]{frt}[/b]\nmedian first reply\nover {d.first_reply_count:,} ticket(s) today"
        )
        self.query_one("#n-breaches", Static).update(
            f"[b]{d.sla_breaches:,}[/b]\nSLA breaches\nopen, past due"
        )
        self.query_one("#n-open", Static).update(
            f"[b]{d.open_tickets:,}[/b]\nopen tickets\n{d.replies_today:,} replies today"
        )
