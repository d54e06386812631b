"""The inbox legend (issue 17), one key away (``L``): what the star, the status prefix, the SLA colours,
a zero value and the score mean."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from crossdesk.models import TicketStatus

LEGEND = "\n".join(
    [
        "★            the buyer is a high-value customer",
        "[open] …     the ticket's status, shown unless it is new ("
        + ", ".join(s.label for s in TicketStatus if s != TicketStatus.NEW)
        + ")",
        "●            selected for a bulk action (space, a: page, A: all the filter matches)",
        "score        the queue score: higher is answered first (w: why, as its parts)",
        "SLA          time to the next deadline: green > 4 h, yellow < 4 h, orange < 1 h, red breached,",
        "             — no SLA deadline on this ticket",
        "value 0      no order linked, or an order of no value (USD)",
        "assignee —   nobody has the ticket yet",
    ]
)


class LegendModal(ModalScreen[None]):
    """What the inbox's marks mean. Any of Esc, Enter or L closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,L", "close", "Close", id="legend.close")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Inbox legend", classes="dialog-title")
            yield Static(LEGEND, classes="dialog-body", id="legend-text", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
