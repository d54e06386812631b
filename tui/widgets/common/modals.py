"""Modal screens shared by every area: confirm, error, prompt, pick one, and per-item results."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option


class ConfirmModal(ModalScreen[bool]):
    """Yes or no, with what will happen spelled out. Enter or y confirms; Escape or n cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, body: str, confirm_label: str = "Confirm") -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._body, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self._confirm_label} (y)", variant="primary", id="yes")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class ErrorModal(ModalScreen[None]):
    """An error in plain words. Nothing the agent typed is touched; closing returns to where they were."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close", id="error.close")]

    def __init__(self, message: str, title: str = "That did not work") -> None:
        super().__init__()
        self._message = message
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._message, classes="dialog-body", id="error-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close (Esc)", variant="error", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class PromptModal(ModalScreen[str | None]):
    """One line of input (a tag, a reason, an amount). ``check`` returns an error text or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(
        self,
        title: str,
        placeholder: str = "",
        value: str = "",
        check: Callable[[str], str | None] | None = None,
        help: str = "",
    ) -> None:
        super().__init__()
        self._title = title
        self._placeholder = placeholder
        self._value = value
        self._check = check
        self._help = help

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            if self._help:
                yield Static(self._help, classes="dialog-body")
            yield Input(value=self._value, placeholder=self._placeholder, id="prompt-input")
            yield Static("", classes="dialog-problem", id="prompt-problem")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = getattr(self.app, "blink", True)
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        problem = self._check(value) if self._check else (None if value else "type something, or Esc")
        if problem:
            self.query_one("#prompt-problem", Static).update(problem)
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickModal(ModalScreen[str | None]):
    """Pick one of a few choices (an agent, a status, a template). Returns the choice's id."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="pick.cancel")]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], help: str = "") -> None:
        super().__init__()
        self._title = title
        self._choices = list(choices)
        self._help = help

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            if self._help:
                yield Static(self._help, classes="dialog-body")
            yield OptionList(*[Option(label, id=key) for key, label in self._choices], id="pick-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ResultsModal(ModalScreen[None]):
    """The outcome of a bulk action, one row per item."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close", id="results.close")]

    def __init__(self, title: str, results: Mapping[int, str]) -> None:
        super().__init__()
        self._title = title
        self._results = dict(results)

    def compose(self) -> ComposeResult:
        ok = sum(1 for v in self._results.values() if not v.startswith("error"))
        with Vertical(classes="dialog wide"):
            yield Label(f"{self._title}: {ok} of {len(self._results)} done", classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield DataTable(id="results-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close (Esc)", id="close")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("ticket", "result")
        for item, result in self._results.items():
            table.add_row(f"#{item}", result, key=str(item))
        table.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
