"""Settings: the desk's shops, adding one through its marketplace's consent flow (``desk.onboarding``,
the same service as ``crossdesk shops add``; docs/onboarding.md) or, for Shopify, from a custom app's
pasted admin token, and attaching a Shopify shop to a reviews app (``desk.reputation.apps``, the same
service as ``crossdesk reviews app``; docs/reputation.md).

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

from crossdesk.tui.messages import (
    ConsentShown,
    Failed,
    FlowsLoaded,
    ReviewAppAttached,
    ReviewAppsLoaded,
    ShopBound,
    ShopsLoaded,
)
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
        self.review_specs: dict[str, Any] = {}

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
            yield Static(
                "[b]Reviews app[/b]: read a Shopify shop's product reviews from its reviews app",
                id="reviews-title",
            )
            yield Select([], prompt="shop", id="review-shop")
            yield Select([], prompt="reviews app", id="review-app")
            yield Vertical(id="review-fields")
            yield Input(
                placeholder="the app's API base URL (blank: its own; a local fake)", id="review-base-url"
            )
            yield Button("Attach", id="attach", variant="primary")
            yield Static("", id="review-status")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#shops", DataTable)
        # Fixed widths: the table does not jump when the shops arrive from the worker.
        columns = (
            ("#", 4),
            ("Platform", 10),
            ("Shop id", 16),
            ("Name", 30),
            ("Tokens", 14),
            ("Reviews app", 12),
        )
        for label, width in columns:
            table.add_column(label, width=width)
        self.action_reload()
        self.call(FlowsLoaded, lambda: list(self.desk.onboarding.flow_specs().values()), group="flows")

    def _shop_rows(self) -> list[dict[str, Any]]:
        apps = {r["shop_id"]: r["app"] for r in self.desk.reputation.apps.list(self.actor)}
        return [{**r, "reviews_app": apps.get(r["id"], "")} for r in self.desk.onboarding.list(self.actor)]

    def _review_apps(self) -> tuple[list[Any], list[dict[str, Any]]]:
        return list(self.desk.reputation.apps.specs().values()), self.desk.reputation.apps.list(self.actor)

    def action_reload(self) -> None:
        self.call(ShopsLoaded, self._shop_rows, group="shops", exclusive=True)
        self.call(ReviewAppsLoaded, self._review_apps, group="review-apps", exclusive=True)

    @on(ShopsLoaded)
    def _shops(self, message: ShopsLoaded) -> None:
        table = self.query_one("#shops", DataTable)
        table.clear()
        for r in message.value:
            held = "in vault" if r["in_vault"] else "not in vault"
            app = r.get("reviews_app") or ("-" if r["platform"] == "shopify" else "")
            table.add_row(
                str(r["id"]), r["platform"], r["external_id"], r["name"], held, app, key=str(r["id"])
            )
        if not message.value:
            table.add_row("", "", "", "no shops yet: add one below", "", "")

    @on(ReviewAppsLoaded)
    def _review_apps_loaded(self, message: ReviewAppsLoaded) -> None:
        specs, shops = message.value
        self.review_specs = {spec.name: spec for spec in specs}
        self.query_one("#review-app", Select).set_options((spec.display_name, spec.name) for spec in specs)
        self.query_one("#review-shop", Select).set_options(
            (f"{r['name']} ({r['external_id']})" + (f" · {r['app']}" if r["app"] else ""), r["external_id"])
            for r in shops
        )

    @on(Select.Changed, "#review-app")
    async def _review_app(self, event: Select.Changed) -> None:
        fields = self.query_one("#review-fields", Vertical)
        await fields.remove_children()
        spec = self.review_specs.get(str(event.value))
        if spec is None:
            return
        await fields.mount_all(
            Input(
                placeholder=f"{o.name}{' (required)' if o.required else ''}: {o.help}",
                password=o.name in spec.secrets or any(w in o.name for w in SECRET_WORDS),
                id=f"review-opt-{o.name}",
                name=o.name,
            )
            for o in spec.options
        )

    def review_options(self) -> dict[str, str]:
        """What the reviews-app form holds: each filled option by name, and the base URL when given."""
        return self._form("#review-fields", "#review-base-url")

    @on(Button.Pressed, "#attach")
    def action_attach(self) -> None:
        shop = self.query_one("#review-shop", Select).value
        app = self.query_one("#review-app", Select).value
        status = self.query_one("#review-status", Static)
        if shop is Select.BLANK or app is Select.BLANK:
            status.update("[red]pick a shop and a reviews app first[/red]")
            return
        status.update(f"checking {escape(str(app))} with a first read ...")
        self._attach_reviews_app(str(shop), str(app), self.review_options())

    @work(thread=True, exclusive=True, group="attach")
    def _attach_reviews_app(self, shop: str, app: str, options: dict[str, str]) -> None:
        apps, gw = self.desk.reputation.apps, self.gw
        try:
            checked = apps.check(self.actor, shop, app, options)  # the first read holds nothing
            result = gw.call(apps.save, self.actor, checked)
        except Exception as exc:
            self.app.post_message(Failed(exc))
            self.post_message(ReviewAppAttached(None))
            return
        self.post_message(ReviewAppAttached(result))

    @on(ReviewAppAttached)
    def _attached(self, message: ReviewAppAttached) -> None:
        done = message.value
        status = self.query_one("#review-status", Static)
        if done is None:
            status.update("[red]not attached[/red]")
            return
        status.update(
            f"[green]{escape(done['name'])}: reviews from {escape(done['app'])}; token in the vault[/green]"
        )
        self.action_reload()

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
        if spec.platform == "shopify":  # a custom app made in the shop's admin: no install, no browser
            await fields.mount(
                Input(
                    placeholder="token: or paste a custom app's admin API token (shpat_...) instead of key and secret",
                    password=True,
                    id="opt-token",
                    name="token",
                )
            )

    def options(self) -> dict[str, str]:
        """What the shop form holds: each filled option by name, and the base URL when given."""
        return self._form("#fields", "#base-url")

    def _form(self, fields: str, base_url: str) -> dict[str, str]:
        out = {
            str(w.name): w.value.strip()
            for w in self.query(f"{fields} Input").results(Input)
            if w.value.strip()
        }
        base = self.query_one(base_url, Input).value.strip()
        if base:
            out["base_url"] = base
        return out

    @on(Button.Pressed, "#bind")
    def action_bind(self) -> None:
        platform = self.query_one("#platform", Select).value
        if platform not in self.specs:
            self.query_one("#status", Static).update("[red]pick a marketplace first[/red]")
            return
        options = self.options()
        if platform == "shopify" and options.get("token"):
            self.query_one("#status", Static).update("checking the token with a first read ...")
            self._bind_token(str(platform), options)
            return
        self.query_one("#status", Static).update(f"starting the {escape(str(platform))} consent ...")
        self._bind(str(platform), options)

    @work(thread=True, exclusive=True, group="bind")
    def _bind_token(self, platform: str, options: dict[str, str]) -> None:
        onboarding, gw = self.desk.onboarding, self.gw
        try:
            bound = onboarding.from_token(self.actor, platform, options)  # the first read holds nothing
            result = gw.call(onboarding.store_bound, self.actor, bound)
        except Exception as exc:
            self.app.post_message(Failed(exc))
            self.post_message(ConsentShown(""))
            return
        self.post_message(ShopBound(result))

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
