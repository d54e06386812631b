"""Help: the keys of the screen below, with their binding ids for remapping."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

from crossdesk.tui.commands import screen_actions


class HelpScreen(ModalScreen[None]):
    """The keys of the screen below, with their binding ids for remapping."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close")
    ]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.target = screen

    def compose(self) -> ComposeResult:
        config_path = self.app.config.path  # type: ignore[attr-defined]
        with Vertical(classes="dialog wide"):
            yield Label(
                f"Keys on this screen ({type(self.target).__name__.removesuffix('Screen').lower()})",
                classes="dialog-title",
            )
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static(
                f"Ctrl+P opens the command palette. Remap any key by its id in {escape(str(config_path))}:\n"
                '[keys]\n"inbox.bulk" = "B"',
                classes="dialog-body",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action", "id", "what it does")
        for _node, binding, key in screen_actions(self.target):
            table.add_row(
                self.app.get_key_display(Binding(key, "")),
                binding.description,
                binding.id or "",
                binding.tooltip,
            )
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
