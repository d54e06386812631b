"""Settings: the desk's shops, and adding one through its marketplace's consent flow (``desk.onboarding``,
the same service as ``crossdesk shops add``; docs/onboarding.md).

The form is built from the flow's :class:`~crossdesk.models.BindingFlowSpec`: one field per option, so a
plugin's flow gets its form like the built-in ones. Binding runs in a worker: the consent URL is shown
(and opened in the browser), the wait for the browser holds nothing, and only the storing of the shop
takes the desk's lock.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Footer, Input, Select, Static

from crossdesk.tui.messages import ConsentShown, Failed, FlowsLoaded, ShopBound, ShopsLoaded
from crossdesk.tui.screens.base import DeskScreen, topbar

SECRET_WORDS = ("secret", "password", "key", "token")


class SettingsScreen(DeskScreen):
    """The shops of the desk, whether the vault holds their tokens, and a form to bind a new one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="settings.back"),
        Binding("ctrl+r", "reload", "Refresh", id="settings.refresh"),
        Binding("ctrl+b", "bind", "Bind shop", id="settings.bind", tooltip="Open the marketplace's consent"),
    ]
    NEEDS: ClassVar[dict[str, str]] = {"bind": "manage_settings"}

    #: seconds to wait for the seller's browser
    timeout: float = 300.0

    def __init__(self, *, open_browser: bool = True) -> None:
        super().__init__()
        self.open_browser = open_browser
        self.specs: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield topbar(self.app, "settings · shops")
        with VerticalScroll():
            yield DataTable(id="shops", cursor_type="row", zebra_stripes=True)
            yield Static(
                "[b]Add a shop[/b]: pick its marketplace, fill in the app's credentials", id="add-title"
            )
            yield Select([], prompt="marketplace", id="platform")
            yield Vertical(id="fields")
            yield Input(
                placeholder="API base URL (blank: the platform's own; a sandbox or a local fake)",
                id="base-url",
            )
            yield Button("Bind", id="bind", variant="primary")
            yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#shops", DataTable)
        # Fixed widths: the table does not jump when the shops arrive from the worker.
        for label, width in (("#", 4), ("Platform", 10), ("Shop id", 16), ("Name", 30), ("Tokens", 14)):
            table.add_column(label, width=width)
        self.action_reload()
        self.call(FlowsLoaded, lambda: list(self.desk.onboarding.flow_specs().values()), group="flows")

    def action_reload(self) -> None:
        self.call(ShopsLoaded, self.desk.onboarding.list, self.actor, group="shops", exclusive=True)

    @on(ShopsLoaded)
    def _shops(self, message: ShopsLoaded) -> None:
        table = self.query_one("#shops", DataTable)
        table.clear()
        for r in message.value:
            held = "in vault" if r["in_vault"] else "not in vault"
            table.add_row(str(r["id"]), r["platform"], r["external_id"], r["name"], held, key=str(r["id"]))
        if not message.value:
            table.add_row("", "", "", "no shops yet: add one below", "")

    @on(FlowsLoaded)
    def _flows(self, message: FlowsLoaded) -> None:
        self.specs = {spec.platform: spec for spec in message.value}
        self.query_one("#platform", Select).set_options(
            (spec.display_name, spec.platform) for spec in message.value
        )

    @on(Select.Changed, "#platform")
    async def _platform(self, event: Select.Changed) -> None:
        fields = self.query_one("#fields", Vertical)
        await fields.remove_children()
        spec = self.specs.get(str(event.value))
        if spec is None:
            return
        await fields.mount_all(
            Input(
                placeholder=f"{o.name}{' (required)' if o.required else ''}: {o.help}",
                password=any(w in o.name for w in SECRET_WORDS),
                id=f"opt-{o.name}",
                name=o.name,
            )
            for o in spec.options
        )

    def options(self) -> dict[str, str]:
        """What the form holds: each filled option by name, and the base URL when given."""
        out = {
            str(w.name): w.value.strip()
            for w in self.query("#fields Input").results(Input)
            if w.value.strip()
        }
        base = self.query_one("#base-url", Input).value.strip()
        if base:
            out["base_url"] = base
        return out

    @on(Button.Pressed, "#bind")
    def action_bind(self) -> None:
        platform = self.query_one("#platform", Select).value
        if platform not in self.specs:
            self.query_one("#status", Static).update("[red]pick a marketplace first[/red]")
            return
        self.query_one("#status", Static).update(f"starting the {escape(str(platform))} consent ...")
        self._bind(str(platform), self.options())

    @work(thread=True, exclusive=True, group="bind")
    def _bind(self, platform: str, options: dict[str, str]) -> None:
        onboarding, gw = self.desk.onboarding, self.gw
        try:
            flow = gw.call(onboarding.build_flow, platform, options)
            bound = onboarding.consent(
                self.actor,
                flow,
                show=lambda url: self.post_message(ConsentShown(url)),
                open_browser=self.open_browser,
                timeout=self.timeout,
            )
            result = gw.call(onboarding.store_consented, self.actor, flow, bound)
        except Exception as exc:
            self.app.post_message(Failed(exc))
            self.post_message(ConsentShown(""))
            return
        self.post_message(ShopBound(result))

    @on(ConsentShown)
    def _consent(self, message: ConsentShown) -> None:
        text = (
            f"Open this URL to authorise crossdesk (waiting for the browser):\n{escape(message.value)}"
            if message.value
            else "[red]binding failed[/red]"
        )
        self.query_one("#status", Static).update(text)

    @on(ShopBound)
    def _bound(self, message: ShopBound) -> None:
        self.query_one("#status", Static).update(f"[green]{escape(str(message.value))}[/green]")
        self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()
