"""Sign in: pick an agent of the desk, or type a name; on a shared desk, then the password."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from crossdesk.errors import DeskError
from crossdesk.models import Actor
from crossdesk.tui.screens.base import gateway


class SignInScreen(Screen):
    """Pick an agent of the desk (or type a name)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "app.quit", "Quit", id="signin.quit")]

    def compose(self) -> ComposeResult:
        with Vertical(id="signin"), Vertical(id="signin-box"):
            yield Label("Sign in to crossdesk", classes="dialog-title")
            yield OptionList(id="agents")
            yield Input(placeholder="or type your agent name and press Enter", id="agent-name")
            # Shown on a shared desk only (an agent has a password or an OS user name): docs/team.md.
            yield Input(placeholder="password", password=True, id="password", classes="hidden")
            yield Static("", classes="dialog-problem", id="signin-problem")

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = getattr(self.app, "blink", True)
        gw = gateway(self.app)
        # Listing who may sign in is a read of the desk itself, not of any agent's work. It is one small
        # query, done before the first paint so the list never appears empty.
        agents = gw.call(gw.desk.agents, Actor.system("sign-in"))
        self.shared = bool(gw.call(gw.desk.team.signin.shared))
        self.chosen = ""
        if self.shared:
            self.query_one("#password", Input).remove_class("hidden")
        options = self.query_one(OptionList)
        for agent in agents:
            if agent["active"]:
                options.add_option(Option(f"{agent['name']}  ({agent['role']})", id=agent["name"]))
        if not agents:
            self.query_one("#signin-problem", Static).update(
                "This desk has no agents yet: create one with the CLI, or run `crossdesk demo`."
            )
        else:
            options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._chose(str(event.option.id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "password":
            password = event.value
            event.input.value = ""
            self._sign_in(self.chosen or self.query_one("#agent-name", Input).value.strip(), password)
        else:
            self._chose(event.value.strip())

    def _chose(self, name: str) -> None:
        if not self.shared:
            self._sign_in(name, None)
            return
        self.chosen = name
        self.query_one("#signin-problem", Static).update(f"Password for {name}:")
        self.query_one("#password", Input).focus()

    def _sign_in(self, name: str, password: str | None) -> None:
        try:
            self.app.sign_in(name, password)  # type: ignore[attr-defined]
        except DeskError as exc:
            self.query_one("#signin-problem", Static).update(str(exc))
