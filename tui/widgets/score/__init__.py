"""The score explained (issue 17): a key in the inbox and the conversation opens the ticket's score as its
parts, computed by ``desk.explain`` (the code that scores), the same text as ``crossdesk tickets explain``."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, Static

#: The key that opens it, on both screens (remappable in tui.toml by these ids).
KEY = "w"


def binding(screen: str) -> Binding:
    """The "why this score" binding of ``screen`` (``inbox`` or ``conversation``)."""
    return Binding(KEY, "explain_score", "Why", id=f"{screen}.explain", tooltip="The score as its parts")


class ScoreModal(ModalScreen[None]):
    """The parts of one ticket's score: points and the facts behind each, and their total."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,w", "close", "Close", id="score.close")]

    def __init__(self, explanation: Any) -> None:
        super().__init__()
        self.explanation = explanation

    def compose(self) -> ComposeResult:
        e = self.explanation
        lines = e.text().splitlines()
        head = [line for line in lines if not line.startswith("  ")]
        with Vertical(classes="dialog wide"):
            yield Label(f"Why ticket #{e.ticket_id} scores {e.total:.2f}", classes="dialog-title")
            yield Static("\n".join(head), classes="dialog-body", id="score-head", markup=False)
            table: DataTable = DataTable(id="score-parts", cursor_type="row", zebra_stripes=True)
            table.add_columns("part", "points", "why")
            for p in e.parts:
                table.add_row(p.label, f"{p.points:+.2f}", p.facts, key=p.name)
            table.add_row("total", f"{sum(p.points for p in e.parts):+.2f}", "", key="total")
            yield table
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close (Esc)", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class ExplainsScore:
    """Mixin for a screen with a current ticket: ``action_explain_score`` opens :class:`ScoreModal`.
    The screen provides ``score_ticket_id()`` (None: no ticket under the cursor)."""

    def score_ticket_id(self) -> int | None:  # pragma: no cover - each screen defines it
        raise NotImplementedError

    def action_explain_score(self) -> None:
        screen: Any = self
        ticket_id = self.score_ticket_id()
        if ticket_id is None:
            screen.notify("No ticket under the cursor.", severity="warning")
            return
        try:
            explanation = screen.gw.call(screen.desk.explain.explain, screen.actor, ticket_id)
        except Exception as exc:  # shown in words like every service error; nothing is lost
            screen.fail(exc)
            return
        screen.app.push_screen(ScoreModal(explanation))
