"""The agent TUI: the App and its screens (sign-in, inbox, conversation, customer, after-sales, dashboard).

Screens call services through :class:`~crossdesk.tui.services.Gateway` in worker threads and render what
comes back; they hold no business rules. Actions needing a permission are hidden for roles without it
(``PERMISSIONS`` per screen), and the services check again on every call.

Open it with ``crossdesk tui`` or :func:`run`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, OptionList, ProgressBar, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker

from crossdesk.analytics import Dashboard
from crossdesk.api import Desk, DeskError
from crossdesk.errors import PermissionDenied
from crossdesk.models import Actor, TicketStatus, Tier
from crossdesk.tickets import breaching_before
from crossdesk.tui import areas, query
from crossdesk.tui.commands import ScreenActions, screen_actions
from crossdesk.tui.format import clip, countdown, duration, money, when
from crossdesk.tui.keys import load_config
from crossdesk.tui.services import Gateway
from crossdesk.tui.widgets.common.modals import (
    ConfirmModal,
    ErrorModal,
    PickModal,
    PromptModal,
    ResultsModal,
    Unavailable,
)
from crossdesk.tui.widgets.conversation.thread import ThreadView
from crossdesk.tui.widgets.dashboard.charts import BarChart, VolumeChart
from crossdesk.tui.widgets.inbox.queue_view import QueueView, header_text

#: Errors a user can cause or meet: shown in plain words. Anything else is a bug and says so.
PLAIN_ERRORS = (DeskError, PermissionDenied, ValueError, areas.Absent, query.QueryError)


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, PLAIN_ERRORS):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


# ---- the screen base --------------------------------------------------------------------------------


class DeskScreen(Screen):
    """A screen that talks to the desk. ``PERMISSIONS`` maps action names to the permission they need."""

    PERMISSIONS: ClassVar[dict[str, str]] = {}

    @property
    def gw(self) -> Gateway:
        return self.app.gateway  # type: ignore[attr-defined]

    @property
    def actor(self) -> Actor:
        return self.app.gateway.actor  # type: ignore[attr-defined,return-value]

    @property
    def desk(self) -> Desk:
        return self.app.gateway.desk  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        permission = self.PERMISSIONS.get(action)
        if permission and not self.gw.can(permission):
            return None  # hidden: the role cannot do this
        return True

    def call(
        self,
        fn: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], None] | None = None,
        group: str = "service",
        exclusive: bool = False,
        **kwargs: Any,
    ) -> Worker:
        """Run a service call in a worker thread; ``then(result)`` runs on the UI thread; errors go to
        the error modal."""
        gw, app = self.gw, self.app

        def job() -> None:
            try:
                result = gw.call(fn, *args, **kwargs)
            except Exception as exc:
                app.call_from_thread(app.show_error, exc)  # type: ignore[attr-defined]
                return
            if then is not None:
                app.call_from_thread(then, result)

        return self.run_worker(job, thread=True, group=group, exclusive=exclusive)

    def on_mount(self) -> None:
        blink = getattr(self.app, "blink", True)
        for widget in self.query("Input, TextArea"):
            widget.cursor_blink = blink  # type: ignore[attr-defined]


def topbar(app: App, where: str) -> Static:
    gw: Gateway = app.gateway  # type: ignore[attr-defined]
    who = str(gw.actor) if gw.actor else "not signed in"
    return Static(f"crossdesk · {where} · {escape(who)}", classes="topbar")


# ---- sign in ------------------------------------------------------------------------------------------


class SignInScreen(Screen):
    """Pick an agent of the desk (or type a name)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "app.quit", "Quit", id="signin.quit")]

    def compose(self) -> ComposeResult:
        with Vertical(id="signin"), Vertical(id="signin-box"):
            yield Label("Sign in to crossdesk", classes="dialog-title")
            yield OptionList(id="agents")
            yield Input(placeholder="or type your agent name and press Enter", id="agent-name")
            yield Static("", classes="dialog-problem", id="signin-problem")

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = getattr(self.app, "blink", True)
        gw: Gateway = self.app.gateway  # type: ignore[attr-defined]
        # Listing who may sign in is a read of the desk itself, not of any agent's work.
        agents = gw.call(gw.desk.agents, Actor.system("sign-in"))
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
        self._sign_in(str(event.option.id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._sign_in(event.value.strip())

    def _sign_in(self, name: str) -> None:
        try:
            self.app.sign_in(name)  # type: ignore[attr-defined]
        except DeskError as exc:
            self.query_one("#signin-problem", Static).update(str(exc))


# ---- inbox --------------------------------------------------------------------------------------------


def live_filters(filters: dict[str, Any]) -> dict[str, Any] | None:
    """The inbox filters as arguments of ``QueueService.top``; None when one of them (full-text search,
    tag, breaching) is not something the live queue filters on, so the inbox pages the desk instead."""
    if any(k in filters for k in ("search", "tag", "breaching_before")):
        return None
    out: dict[str, Any] = {}
    for key, arg in (
        ("platform", "platform"),
        ("shop_id", "shop"),
        ("status", "status"),
        ("intent", "intent"),
        ("tier", "tier"),
        ("language", "language"),
        ("assignee_id", "assignee"),
    ):
        if filters.get(key) is not None:
            out[arg] = filters[key]
    if filters.get("unassigned"):
        if "assignee" in out:
            return None
        out["assignee"] = 0
    if isinstance(out.get("status"), list) and any(
        TicketStatus.parse(s) >= TicketStatus.SOLVED for s in out["status"]
    ):
        return None  # the live queue holds open tickets only
    return out


class InboxScreen(DeskScreen):
    """The ranked queue with filters, search, multi-select and bulk actions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="inbox.filter", tooltip="Filters and full-text search"),
        Binding("escape", "clear", "Clear", id="inbox.clear", tooltip="Clear filters and selection"),
        Binding("m", "toggle('mine')", "Mine", id="inbox.mine", tooltip="Only tickets assigned to me"),
        Binding(
            "x", "toggle('breaching')", "Breaching", id="inbox.breaching", tooltip="SLA due within an hour"
        ),
        Binding("b", "bulk", "Bulk", id="inbox.bulk", tooltip="Act on the selected tickets"),
        Binding("a", "select_page", "Select page", id="inbox.select_page", show=False),
        Binding("c", "customer", "Customer", id="inbox.customer", tooltip="The buyer of the ticket"),
        Binding("d", "dashboard", "Dashboard", id="inbox.dashboard"),
        Binding("r", "reload", "Refresh", id="inbox.refresh"),
        Binding("R", "rescore", "Rescore", id="inbox.rescore", tooltip="Re-score the queue in a worker"),
        Binding("S", "sync", "Sync", id="inbox.sync", tooltip="Pull from and push to the marketplaces"),
    ]
    PERMISSIONS: ClassVar[dict[str, str]] = {
        "bulk": "bulk",
        "select_page": "bulk",
        "rescore": "bulk",
        "sync": "manage_settings",
    }

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self.filters: dict[str, Any] = {}
        self._lookups: dict[str, dict[str, int]] | None = None
        self._warmed = False
        self._live: tuple[Any, Any] | None = None  # (QueueService, its lock) once its snapshot is built
        self._header = ""
        self._status_text = ""

    def compose(self) -> ComposeResult:
        yield topbar(self.app, "inbox")
        yield Input(
            placeholder="/ filter: platform:amazon lang:de intent:refund tier:high-value shop:3 "
            "assignee:ana status:open mine breaching … or words to search",
            id="filter",
        )
        yield Static("", id="queue-header")
        yield QueueView(self._fetch, self._count, self.gw.now, id="queue")
        yield ProgressBar(id="queue-progress", show_eta=False)
        yield Static("", classes="statusline", id="inbox-status")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        queue = self.query_one(QueueView)
        queue.focus()
        queue.reload()
        # Names for the filter line, fetched off the UI thread so the first filter does not wait.
        self.call(self._names, group="inbox-names")

    def on_resize(self) -> None:
        self._draw_header()

    def on_screen_resume(self) -> None:
        # Back from a conversation or a bulk action elsewhere: show the rows as they are now (status,
        # assignee, rank), keeping the cursor where it was.
        queue = self.query_one(QueueView)
        if queue.known_rows:
            queue.refresh_rows()

    def _draw_header(self) -> None:
        queue = self.query_one(QueueView)
        self.query_one("#queue-header", Static).update(
            escape(header_text(queue.scrollable_content_region.width))
        )

    # ---- data, run in worker threads under the desk lock --------------------------------------------

    def _fetch(self, offset: int, limit: int) -> list[dict]:
        filters = dict(self.filters)
        live = self._live
        top_filters = live_filters(filters) if live is not None else None
        if live is not None and top_filters is not None:
            service, lock = live
            # The native core ranks every open ticket by its score now; rows come from the desk by id.
            with lock:
                entries = service.top(self.actor, offset + limit, **top_filters)[offset:]
            rows = self.gw.call(
                self.desk.tickets.by_ids, self.actor, [e.ticket_id for e in entries]
            )
            scores = {e.ticket_id: e.priority for e in entries}
            for row in rows:
                row["priority"] = scores[row["id"]]
            return rows

        def page() -> list[dict]:
            rows = self.desk.list_tickets(self.actor, limit=limit, offset=offset, **filters)
            self.desk.tickets.add_names(self.actor, rows)
            return rows

        return self.gw.call(page)

    def _count(self) -> int:
        return self.gw.call(self.desk.tickets.count, self.actor, **self.filters)

    def _warm_up(self, ticket_id: int) -> None:
        """After the first rows are on screen: build the live queue (the native core's snapshot of every
        open ticket: seconds at a million tickets) on a connection of its own, so paging and the other
        screens never wait for it; then load the area services once, so the first conversation the agent
        opens is as quick as the next one. Each step takes the desk lock on its own."""
        live = self.app.open_live_queue()  # type: ignore[attr-defined]
        if live is not None:
            service, lock = live
            try:
                with lock:
                    service.top(self.actor, 1)
            except Exception:  # the stored ranking stays in use; the queue service reports its own errors
                live = None
            if live is not None:
                self.app.call_from_thread(self._live_ready, live)
        if not self.app.warm_up:  # type: ignore[attr-defined]
            return
        for step in (areas.rule_firings, areas.sla_status, areas.kb_suggestions):
            try:
                step(self.gw, ticket_id)
            except Exception:  # warming is best effort; the real call reports its own errors
                continue

    def _live_ready(self, live: tuple[Any, Any]) -> None:
        self._live = live
        queue = self.query_one(QueueView)
        # Switch to the live ranking only while the agent is still at the top: rows never reorder under
        # a cursor that has moved on. Otherwise it applies at the next filter or refresh.
        if queue.cursor < 10 and not queue.selected and live_filters(self.filters) is not None:
            queue.reload()

    # ---- events -------------------------------------------------------------------------------------

    @on(QueueView.Changed)
    def _status(self) -> None:
        queue = self.query_one(QueueView)
        if not self._warmed and queue.current is not None:
            self._warmed = True
            ticket_id = queue.current["id"]
            self.run_worker(lambda: self._warm_up(ticket_id), thread=True, group="warm-up")
        self._draw_header()
        total = "counting…" if queue.total is None else f"{queue.total:,}"
        parts = [f"row {queue.cursor + 1:,} of {total}" if queue.known_rows else f"no tickets ({total})"]
        if queue.selected:
            parts.append(f"{len(queue.selected)} selected")
        if self.query_text:
            parts.append(f"filter: {self.query_text}")
        live = self._live is not None and live_filters(self.filters) is not None
        parts.append("ranked live" if live else "ranked by stored score")
        status = self.query_one("#inbox-status", Static)
        if queue.error:
            parts.append(f"error: {queue.error}")
        status.set_class(bool(queue.error), "problem")
        text = " · ".join(parts)
        if text != self._status_text:
            # One line, fixed height: a repaint, never a relayout, on every key press.
            self._status_text = text
            status.update(escape(text), layout=False)

    @on(QueueView.Opened)
    def _open(self, event: QueueView.Opened) -> None:
        self.app.push_screen(ConversationScreen(event.ticket_id))

    @on(Input.Submitted, "#filter")
    def _apply_filter(self, event: Input.Submitted) -> None:
        self.apply_query(event.value)

    def apply_query(self, text: str) -> None:
        """Parse the filter line and reload the queue; a bad word is reported and the text kept."""
        try:
            parsed = query.parse(text)
            filters = query.to_filters(
                parsed,
                me=self.actor.agent_id,
                breaching_before=breaching_before(self.desk.now()),
                **self._names(),
            )
        except query.QueryError as exc:
            status = self.query_one("#inbox-status", Static)
            status.add_class("problem")
            self._status_text = str(exc)
            status.update(escape(str(exc)), layout=False)
            return
        self.query_text = parsed.text()
        self.filters = filters
        self.query_one("#filter", Input).value = self.query_text
        queue = self.query_one(QueueView)
        queue.reload()
        queue.focus()

    def _names(self) -> dict[str, dict[str, int]]:
        if self._lookups is None:
            agents = self.gw.call(self.desk.agents, self.actor)
            shops = self.gw.call(self.desk.shops.list, self.actor)
            shop_names = {}
            for s in shops:
                shop_names[s["name"].lower()] = s["id"]
                shop_names[s["external_id"].lower()] = s["id"]
            self._lookups = {"agents": {a["name"].lower(): a["id"] for a in agents}, "shops": shop_names}
        return self._lookups

    # ---- actions ------------------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear(self) -> None:
        field = self.query_one("#filter", Input)
        queue = self.query_one(QueueView)
        if self.focused is field:
            queue.focus()
            return
        if queue.selected:
            queue.clear_selection()
            return
        if self.query_text:
            field.value = ""
            self.apply_query("")

    def action_toggle(self, switch: str) -> None:
        self.apply_query(query.parse(self.query_text).toggled(switch).text())

    def action_reload(self) -> None:
        self.query_one(QueueView).refresh_rows()

    def action_select_page(self) -> None:
        self.query_one(QueueView).select_loaded()

    def action_customer(self) -> None:
        row = self.query_one(QueueView).current
        if row is None:
            return
        if row.get("customer_id") is None:
            self.notify("This ticket has no known buyer.", severity="warning")
            return
        self.app.push_screen(CustomerScreen(row["customer_id"]))

    def action_dashboard(self) -> None:
        self.app.push_screen(DashboardScreen())

    def action_rescore(self) -> None:
        self.app.run_slow("Re-scoring the queue", "queue", ("rescore",), self._after_slow)  # type: ignore[attr-defined]

    def action_sync(self) -> None:
        def done(result: Any) -> None:
            self.notify(areas.sync_summary(result), timeout=8)
            self._after_slow(result)

        self.app.run_slow(  # type: ignore[attr-defined]
            "Syncing the marketplaces", "sync", None, done, job=lambda progress: areas.sync(self.gw, progress)
        )

    def _after_slow(self, result: Any) -> None:
        self.query_one(QueueView).refresh_rows()

    def action_bulk(self) -> None:
        queue = self.query_one(QueueView)
        ids = sorted(queue.selected)
        if not ids:
            row = queue.current
            if row is None:
                return
            ids = [row["id"]]
        choices = [
            ("assign", "Assign to an agent"),
            ("tag", "Add a tag"),
            ("status", "Set the status"),
            ("template", "Reply with a template"),
            ("close", "Close"),
        ]
        self.app.push_screen(
            PickModal(f"Bulk action on {len(ids)} ticket(s)", choices),
            lambda choice: self._bulk_choice(choice, ids),
        )

    def _bulk_choice(self, choice: str | None, ids: list[int]) -> None:
        if choice is None:
            return
        if choice == "assign":
            self.call(self.desk.agents, self.actor, then=lambda agents: self._bulk_assign(agents, ids))
        elif choice == "tag":
            self.app.push_screen(
                PromptModal("Tag to add", placeholder="e.g. vip"),
                lambda tag: (
                    tag and self._confirm_bulk(ids, "tag", tag, f"Tag {len(ids)} ticket(s) with {tag!r}")
                ),
            )
        elif choice == "status":
            self.app.push_screen(
                PickModal("Set status", [(s.label, s.label) for s in TicketStatus]),
                lambda s: s and self._confirm_bulk(ids, "status", s, f"Set {len(ids)} ticket(s) to {s}"),
            )
        elif choice == "close":
            self._confirm_bulk(ids, "status", "closed", f"Close {len(ids)} ticket(s)")
        elif choice == "template":
            self.call(
                areas.template_choices,
                self.gw,
                then=lambda names: self.app.push_screen(
                    PickModal("Reply with template (each buyer gets their language)", names),
                    lambda name: (
                        name
                        and self._confirm_bulk(
                            ids, "template", name, f"Send template {name!r} to {len(ids)} buyer(s)"
                        )
                    ),
                ),
            )

    def _bulk_assign(self, agents: list[dict], ids: list[int]) -> None:
        self.app.push_screen(
            PickModal(
                "Assign to",
                [("none", "nobody (unassign)")]
                + [(str(a["id"]), f"{a['name']} ({a['role']})") for a in agents],
            ),
            lambda agent: (
                agent
                and self._confirm_bulk(
                    ids,
                    "assign",
                    None if agent == "none" else int(agent),
                    f"Assign {len(ids)} ticket(s) to "
                    + (
                        "nobody"
                        if agent == "none"
                        else next(a["name"] for a in agents if str(a["id"]) == agent)
                    ),
                )
            ),
        )

    def _confirm_bulk(self, ids: list[int], op: str, value: Any, what: str) -> None:
        def go(yes: bool | None) -> None:
            if yes:
                self.call(self._bulk_run, ids, op, value, then=lambda res: self._bulk_done(what, res))

        self.app.push_screen(ConfirmModal("Confirm bulk action", f"{what}?"), go)

    def _bulk_run(self, ids: list[int], op: str, value: Any) -> dict[int, str]:
        desk, actor = self.desk, self.actor
        if op == "assign":
            return desk.assign(actor, ids, value)
        if len(ids) > 1:
            desk.require(actor, "bulk")
        results: dict[int, str] = {}
        for tid in ids:
            try:
                if op == "tag":
                    results[tid] = "ok" if desk.add_tags(actor, tid, [value]) else "unchanged"
                elif op == "status":
                    results[tid] = "ok" if desk.update_ticket(actor, tid, status=value) else "unchanged"
                elif op == "template":
                    results[tid] = areas.reply_with_template(self.gw, tid, value)
            except PermissionDenied:
                raise
            except Exception as exc:
                results[tid] = f"error: {describe_error(exc)}"
        return results

    def _bulk_done(self, what: str, results: dict[int, str]) -> None:
        queue = self.query_one(QueueView)
        queue.clear_selection()
        queue.refresh_rows()
        self.app.push_screen(ResultsModal(what, results))


# ---- conversation ----------------------------------------------------------------------------------------


class ConversationScreen(DeskScreen):
    """One ticket: the thread, its context, and the reply composer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="conversation.back"),
        Binding("ctrl+s", "send", "Send reply", id="conversation.send", priority=True),
        Binding("ctrl+n", "note", "Add note", id="conversation.note", priority=True),
        Binding("ctrl+t", "template", "Template", id="conversation.template", priority=True),
        Binding("ctrl+l", "preview_translation", "Translate reply", id="conversation.preview", priority=True),
        Binding("o", "toggle_translation", "Original/translation", id="conversation.translation"),
        Binding(
            "i",
            "translate_incoming",
            "Translate",
            id="conversation.translate",
            tooltip="Translate the buyer's messages",
        ),
        Binding("tab", "focus_composer", "Reply", id="conversation.compose", show=False),
        Binding("c", "customer", "Customer", id="conversation.customer"),
        Binding("f", "aftersales", "After-sales", id="conversation.aftersales"),
        Binding("s", "status", "Status", id="conversation.status"),
        Binding("g", "tag", "Tag", id="conversation.tag"),
        Binding("e", "assign_me", "Take", id="conversation.take", tooltip="Assign the ticket to me"),
    ]
    PERMISSIONS: ClassVar[dict[str, str]] = {
        "send": "reply",
        "note": "reply",
        "template": "reply",
        "status": "reply",
        "tag": "reply",
        "assign_me": "reply",
        "aftersales": "view",
    }

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.ticket: dict | None = None
        self.template: str | None = None
        self.side_by_side = True
        self.reply_translation = ""  # the agent's own text when the reply was translated
        self._lint_acknowledged: str | None = None

    def compose(self) -> ComposeResult:
        yield topbar(self.app, f"ticket #{self.ticket_id}")
        yield Static("loading…", id="ticket-head")
        with Horizontal(id="conv-body"):
            yield ThreadView(id="thread")
            with VerticalScroll(id="context"):
                yield Static("", id="ctx-order")
                yield Static("", id="ctx-sla")
                yield Static("", id="ctx-rules")
                yield Static("", id="ctx-kb")
                yield Static("", id="ctx-audit")
        with Vertical(id="composer"):
            yield Static("", id="composer-info")
            yield TextArea(id="reply", soft_wrap=True, show_line_numbers=False)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        area = self.query_one("#reply", TextArea)
        area.text = self.app.drafts.get(self.ticket_id, "")  # type: ignore[attr-defined]
        self.query_one(ThreadView).focus()
        self.load()

    def load(self) -> None:
        self.call(self._gather, then=self._show, group="conversation", exclusive=True)

    def _gather(self) -> dict:
        desk, actor = self.desk, self.actor
        ticket = desk.ticket(actor, self.ticket_id)
        data: dict[str, Any] = {"ticket": ticket, "customer": None, "order": None}
        if ticket.get("customer_id") is not None:
            customer = desk.customer(actor, ticket["customer_id"])
            data["customer"] = customer
            data["order"] = next((o for o in customer["orders"] if o["id"] == ticket.get("order_id")), None)
        if ticket.get("assignee_id") is not None:
            data["assignee"] = next(
                (a["name"] for a in desk.agents(actor) if a["id"] == ticket["assignee_id"]), ""
            )
        try:
            data["firings"] = areas.rule_firings(self.gw, self.ticket_id)
        except areas.Absent as exc:
            data["firings"] = exc
        try:
            data["kb"] = areas.kb_suggestions(self.gw, self.ticket_id)
        except areas.Absent as exc:
            data["kb"] = exc
        try:
            data["sla"] = areas.sla_status(self.gw, self.ticket_id)
        except areas.Absent:
            data["sla"] = None
        data["audit"] = desk.audit_trail(actor, "ticket", self.ticket_id, limit=8)
        return data

    def _show(self, data: dict) -> None:
        t = data["ticket"]
        self.ticket = t
        now = self.gw.now()
        sla_text, _ = countdown(t.get("sla_due"), now)
        head = (
            f"[b]#{t['id']}[/b] {escape(t.get('subject', ''))}\n"
            f"{t['platform']} · {escape(t['shop']['name'])} · {TicketStatus(t['status']).label} · "
            f"intent {t.get('intent') or '—'} · lang {t.get('language') or '?'} · "
            f"tier {Tier(t.get('tier', 0)).label} · SLA {sla_text} · assignee {escape(data.get('assignee') or '—')}"
            + (f"\ntags: {escape(', '.join(t['tags']))}" if t.get("tags") else "")
        )
        self.query_one("#ticket-head", Static).update(head)
        thread = self.query_one(ThreadView)
        thread.show(t["messages"], side_by_side=self.side_by_side)
        self.query_one("#ctx-order", Static).update(self._order_text(data))
        self.query_one("#ctx-sla", Static).update(self._sla_text(t, now, data.get("sla")))
        firings = data["firings"]
        if isinstance(firings, areas.Absent):
            rules = f"[b]Rules[/b]\n[dim]{escape(str(firings))}[/dim]"
        elif not firings:
            rules = "[b]Rules[/b]\nno rule fired on this ticket"
        else:
            rules = "[b]Rules[/b]\n" + "\n".join(escape(f) for f in firings)
        self.query_one("#ctx-rules", Static).update(rules)
        kb = data.get("kb")
        if isinstance(kb, areas.Absent):
            kb_text = f"[dim]{escape(str(kb))}[/dim]"
        else:
            kb_text = "\n".join(f"· {escape(k)}" for k in kb or []) or "no article matches"
        self.query_one("#ctx-kb", Static).update(f"[b]Knowledge base[/b]\n{kb_text}")
        audit = "\n".join(f"{when(a['at'])} {escape(a['actor'])} {a['action']}" for a in data["audit"])
        self.query_one("#ctx-audit", Static).update(f"[b]Audit[/b]\n{audit or '—'}")
        self._composer_info()

    def _order_text(self, data: dict) -> str:
        lines = []
        customer, order = data["customer"], data["order"]
        if customer:
            lines.append(
                f"[b]Buyer[/b]\n{escape(customer['name'])} · {customer['country']} · "
                f"{Tier(customer['tier']).label} · LTV ${customer['lifetime_value_usd']:,.2f}"
            )
        if order:
            digits = self.desk.minor_digits(order["currency"])
            lines.append(
                f"[b]Order[/b] {escape(order['external_id'])} · {order['status']}\n"
                f"{money(order['total_minor'], order['currency'], digits)} · ordered {when(order['ordered_at'])}\n"
                f"delivered {when(order.get('delivered_at'))} · {escape(order.get('carrier') or '')} "
                f"{escape(order.get('tracking_number') or '')}"
            )
            for line in order["lines"]:
                lines.append(
                    f"  {line['quantity']}× {escape(line['sku'])} {escape(clip(line['title'], 20))} "
                    f"{money(line['unit_price_minor'], line['currency'], digits)}"
                )
        return "\n".join(lines) or "[b]Order[/b]\nno order linked"

    def _sla_text(self, t: dict, now: int, sla: dict | None) -> str:
        rows = ["[b]SLA clocks[/b]"]
        if sla and sla.get("policy"):
            rows[0] += f" · {escape(str(sla['policy']))}"
            if sla.get("paused_since"):
                rows.append(f"[yellow]paused since {when(sla['paused_since'])}[/]")
        for label, key in (
            ("first reply", "first_reply_due"),
            ("next reply", "next_reply_due"),
            ("resolution", "resolution_due"),
        ):
            text, urgency = countdown(t.get(key), now)
            style = {
                "sla-breached": "bold red",
                "sla-urgent": "dark_orange",
                "sla-soon": "yellow",
                "sla-ok": "green",
            }.get(urgency, "dim")
            rows.append(f"{label:12} [{style}]{text}[/]")
        if all(t.get(k) is None for k in ("first_reply_due", "next_reply_due", "resolution_due")):
            rows.append("[dim]no SLA policy applies[/dim]")
        return "\n".join(rows)

    def _composer_info(self, extra: str = "", warn: bool = False) -> None:
        info = self.query_one("#composer-info", Static)
        lang = (self.ticket or {}).get("language") or "?"
        parts = [f"reply in {lang}"]
        if self.template:
            parts.append(f"template {self.template}")
        parts.append("Ctrl+S send · Ctrl+N note · Ctrl+T template · Ctrl+L translate")
        text = " · ".join(parts) + (f"\n{extra}" if extra else "")
        info.set_class(warn, "warn")
        info.update(escape(text))

    # ---- the composer keeps what the agent typed, whatever happens ---------------------------------

    @on(TextArea.Changed, "#reply")
    def _keep_draft(self, event: TextArea.Changed) -> None:
        drafts = self.app.drafts  # type: ignore[attr-defined]
        if event.text_area.text:
            drafts[self.ticket_id] = event.text_area.text
        else:
            drafts.pop(self.ticket_id, None)

    def _draft(self) -> str:
        return self.query_one("#reply", TextArea).text

    def action_focus_composer(self) -> None:
        self.query_one("#reply", TextArea).focus()

    def action_back(self) -> None:
        area = self.query_one("#reply", TextArea)
        if self.focused is area:
            self.query_one(ThreadView).focus()
            return
        self.app.pop_screen()

    def action_send(self) -> None:
        body = self._draft().strip()
        if not body:
            self.notify("Write a reply first (Tab to the composer).", severity="warning")
            return
        platform = (self.ticket or {}).get("platform", "")
        self.call(
            self._lint_quietly, body, platform, then=lambda warnings: self._send_checked(body, warnings)
        )

    def _lint_quietly(self, body: str, platform: str) -> list[str]:
        try:
            return areas.lint(self.gw, body, platform)
        except areas.Absent:
            return []

    def _send_checked(self, body: str, warnings: list[str]) -> None:
        if warnings and self._lint_acknowledged != body:
            # The platform may block or penalise this text: say so once; a second Ctrl+S sends anyway.
            self._lint_acknowledged = body
            self._composer_info("lint: " + "; ".join(warnings) + " · Ctrl+S again to send anyway", warn=True)
            return
        self.call(
            self.desk.reply,
            self.actor,
            self.ticket_id,
            body,
            language=(self.ticket or {}).get("language", ""),
            translation=self.reply_translation,
            template=self.template,
            then=self._sent,
        )

    def _sent(self, message_id: int) -> None:
        self.app.drafts.pop(self.ticket_id, None)  # type: ignore[attr-defined]
        self.query_one("#reply", TextArea).text = ""
        self.template = None
        self.reply_translation = ""
        self.notify(f"Reply queued in the outbox (message {message_id}).")
        self.load()

    def action_note(self) -> None:
        body = self._draft().strip()
        if not body:
            self.notify("Write the note in the composer first.", severity="warning")
            return
        self.call(self.desk.add_note, self.actor, self.ticket_id, body, then=self._noted)

    def _noted(self, message_id: int) -> None:
        self.app.drafts.pop(self.ticket_id, None)  # type: ignore[attr-defined]
        self.query_one("#reply", TextArea).text = ""
        self.notify("Internal note added.")
        self.load()

    def action_template(self) -> None:
        self.call(
            areas.template_choices,
            self.gw,
            then=lambda names: self.app.push_screen(
                PickModal(
                    f"Template (filled in {(self.ticket or {}).get('language') or 'the default language'})",
                    names,
                ),
                self._template_picked,
            ),
        )

    def _template_picked(self, name: str | None) -> None:
        if name:
            self.call(
                areas.render_template, self.gw, self.ticket_id, name, then=lambda r: self._insert(name, r)
            )

    def _insert(self, name: str, rendered: areas.Rendered) -> None:
        area = self.query_one("#reply", TextArea)
        area.text = rendered.body
        self.template = name
        notes = []
        if rendered.language:
            notes.append(f"variant {rendered.language}")
        if rendered.warnings:
            notes.append("lint: " + "; ".join(rendered.warnings))
        if rendered.suggestions:
            notes.append("KB: " + " | ".join(rendered.suggestions))
        self._composer_info(" · ".join(notes), warn=bool(rendered.warnings))
        area.focus()

    def action_preview_translation(self) -> None:
        text = self._draft().strip()
        if not text:
            return
        self.call(
            areas.preview_reply, self.gw, self.ticket_id, text, then=lambda out: self._previewed(text, out)
        )

    def _previewed(self, original: str, result: tuple[str, list[str]]) -> None:
        # The buyer receives the translation; the agent's text is stored beside it.
        translated, warnings = result
        self.reply_translation = original
        self.query_one("#reply", TextArea).text = translated
        untranslated = any(w.startswith("not translated") for w in warnings)
        self._composer_info(
            " · ".join(["translated; your text is kept with the reply", *warnings]), warn=untranslated
        )

    def action_toggle_translation(self) -> None:
        self.side_by_side = not self.side_by_side
        if self.ticket:
            self.query_one(ThreadView).show(self.ticket["messages"], side_by_side=self.side_by_side)

    def action_translate_incoming(self) -> None:
        self.app.run_slow(  # type: ignore[attr-defined]
            "Translating the buyer's messages",
            "translation",
            None,
            lambda _: self.load(),
            job=lambda progress: areas.translate_incoming(self.gw, self.ticket_id),
        )

    def action_customer(self) -> None:
        if self.ticket and self.ticket.get("customer_id") is not None:
            self.app.push_screen(CustomerScreen(self.ticket["customer_id"]))

    def action_aftersales(self) -> None:
        if self.ticket is None:
            return
        if self.ticket.get("order_id") is None:
            self.notify("No order is linked to this ticket.", severity="warning")
            return
        self.app.push_screen(AfterSalesScreen(self.ticket["order_id"], ticket_id=self.ticket_id))

    def action_status(self) -> None:
        self.app.push_screen(
            PickModal("Set status", [(s.label, s.label) for s in TicketStatus]),
            lambda s: (
                s
                and self.call(
                    self.desk.update_ticket, self.actor, self.ticket_id, status=s, then=lambda _: self.load()
                )
            ),
        )

    def action_tag(self) -> None:
        self.app.push_screen(
            PromptModal("Tag to add", placeholder="e.g. vip"),
            lambda tag: (
                tag
                and self.call(
                    self.desk.add_tags, self.actor, self.ticket_id, [tag], then=lambda _: self.load()
                )
            ),
        )

    def action_assign_me(self) -> None:
        self.call(
            self.desk.assign, self.actor, [self.ticket_id], self.actor.agent_id, then=lambda _: self.load()
        )


# ---- customer ---------------------------------------------------------------------------------------------


class CustomerScreen(DeskScreen):
    """The merged buyer profile: identities, orders with lines, past tickets, tier, lifetime value."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="customer.back"),
        Binding(
            "f", "aftersales", "After-sales", id="customer.aftersales", tooltip="Cases for the selected order"
        ),
        Binding("enter", "open_ticket", "Open ticket", id="customer.open", show=False),
        Binding("tab", "app.focus_next", "Next table", id="customer.next", show=False),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.profile: dict | None = None

    def compose(self) -> ComposeResult:
        yield topbar(self.app, f"customer #{self.customer_id}")
        yield Static("loading…", id="profile")
        with Vertical(classes="half"):
            yield Label("Orders", classes="section-title")
            yield DataTable(id="orders", cursor_type="row", zebra_stripes=True)
        with Vertical(classes="half"):
            yield Label("Tickets", classes="section-title")
            yield DataTable(id="tickets", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#orders", DataTable).add_columns(
            "order", "platform", "shop", "status", "ordered", "sku", "title", "qty", "amount"
        )
        self.query_one("#tickets", DataTable).add_columns(
            "ticket", "platform", "status", "intent", "created", "subject"
        )
        self.query_one("#orders", DataTable).focus()
        self.call(self.desk.customer, self.actor, self.customer_id, then=self._show)

    def _show(self, p: dict) -> None:
        self.profile = p
        idents = ", ".join(
            f"{i['platform']}:{i['handle'] or i['external_id']} ({i['shop_name']})" for i in p["identities"]
        )
        self.query_one("#profile", Static).update(
            f"[b]{escape(p['name'] or '(no name)')}[/b] · {Tier(p['tier']).label} · "
            f"lifetime value ${p['lifetime_value_usd']:,.2f} · {len(p['orders'])} order(s) · {len(p['tickets'])} ticket(s)\n"
            f"{escape(p['email'] or '—')} · {escape(p['phone'] or '—')} · {p['country'] or '?'} {p['region']} · "
            f"language {p['language'] or '?'}\n"
            f"on: {escape(idents or '—')}"
        )
        orders = self.query_one("#orders", DataTable)
        orders.clear()
        for o in p["orders"]:
            digits = self.desk.minor_digits(o["currency"])
            for n, line in enumerate(o["lines"] or [{}]):
                orders.add_row(
                    o["external_id"] if n == 0 else "",
                    o["platform"] if n == 0 else "",
                    clip(o["shop_name"], 18) if n == 0 else "",
                    o["status"] if n == 0 else "",
                    when(o["ordered_at"])[:10] if n == 0 else "",
                    line.get("sku", ""),
                    clip(line.get("title", ""), 20),
                    str(line.get("quantity", "")),
                    money(line["quantity"] * line["unit_price_minor"], line["currency"], digits)
                    if line
                    else "",
                    key=f"{o['id']}:{line.get('id', 0)}",
                )
        tickets = self.query_one("#tickets", DataTable)
        tickets.clear()
        for t in p["tickets"]:
            tickets.add_row(
                f"#{t['id']}",
                t["platform"],
                TicketStatus(t["status"]).label,
                t["intent"] or "—",
                when(t["created_at"]),
                clip(t["subject"], 50),
                key=str(t["id"]),
            )

    def action_back(self) -> None:
        self.app.pop_screen()

    def _selected_order(self) -> int | None:
        table = self.query_one("#orders", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(str(key).split(":")[0])

    def action_aftersales(self) -> None:
        order_id = self._selected_order()
        if order_id is None:
            self.notify("This buyer has no orders.", severity="warning")
            return
        self.app.push_screen(AfterSalesScreen(order_id))

    @on(DataTable.RowSelected, "#tickets")
    def _ticket_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(ConversationScreen(int(str(event.row_key.value))))

    @on(DataTable.RowSelected, "#orders")
    def _order_selected(self, event: DataTable.RowSelected) -> None:
        self.action_aftersales()

    def action_open_ticket(self) -> None:
        table = self.query_one("#tickets", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            self.app.push_screen(ConversationScreen(int(str(key))))


# ---- after-sales ------------------------------------------------------------------------------------------


class AfterSalesScreen(DeskScreen):
    """Cases of one order: open one from a line, read the policy verdict, decide, receive, refund."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="aftersales.back"),
        Binding(
            "o",
            "open_case",
            "Open case",
            id="aftersales.open",
            tooltip="Return, exchange, refund or cancellation of the selected line",
        ),
        Binding("y", "approve", "Approve", id="aftersales.approve"),
        Binding("n", "decline", "Decline", id="aftersales.decline"),
        Binding("v", "receive", "Goods back", id="aftersales.receive", tooltip="The returned goods arrived"),
        Binding("m", "refund", "Refund", id="aftersales.refund"),
        Binding("tab", "app.focus_next", "Next table", id="aftersales.next", show=False),
    ]
    PERMISSIONS: ClassVar[dict[str, str]] = {
        "open_case": "handle_cases",
        "approve": "approve_returns",
        "decline": "approve_returns",
        "receive": "handle_cases",
        "refund": "refund",
    }
    #: Actions on the selected case, by the case action the state machine knows them as.
    CASE_ACTIONS: ClassVar[dict[str, str]] = {
        "approve": "approve",
        "decline": "decline",
        "receive": "receive",
        "refund": "refund",
    }

    def __init__(self, order_id: int, ticket_id: int | None = None) -> None:
        super().__init__()
        self.order_id = order_id
        self.ticket_id = ticket_id
        self.data: dict | None = None
        self._focus_case: int | None = None

    def compose(self) -> ComposeResult:
        yield topbar(self.app, f"after-sales · order #{self.order_id}")
        if not self.gw.has("cases"):
            yield Unavailable("after-sales cases", id="cases-absent")
        yield Static("loading…", id="order-head")
        with Vertical(classes="half"):
            yield Label("Order lines (o opens a case on the selected line)", classes="section-title")
            yield DataTable(id="lines", cursor_type="row", zebra_stripes=True)
        with Vertical(classes="half"):
            yield Label("Cases", classes="section-title")
            yield DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="verdict-box"):
            yield Static("", id="verdict")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.PERMISSIONS and not self.gw.has("cases"):
            return None
        allowed = super().check_action(action, parameters)
        if not allowed or action not in self.CASE_ACTIONS:
            return allowed
        case = self._current_case()
        # Shown but greyed out when the case's state does not allow it (the footer explains by absence).
        return case is not None and self.CASE_ACTIONS[action] in areas.allowed_actions(case["state"])

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#lines", DataTable).add_columns(
            "line", "sku", "title", "qty", "unit price", "delivered"
        )
        self.query_one("#cases", DataTable).add_columns(
            "case", "type", "state", "line(s)", "requested", "refunded", "verdict"
        )
        self.query_one("#lines", DataTable).focus()
        self.load()

    def load(self, focus_case: int | None = None) -> None:
        self._focus_case = focus_case
        self.call(
            areas.order_cases, self.gw, self.order_id, then=self._show, group="aftersales", exclusive=True
        )

    def _show(self, data: dict) -> None:
        self.data = data
        order = data["order"]
        digits = self.desk.minor_digits(order["currency"])
        self.query_one("#order-head", Static).update(
            f"[b]{escape(order['external_id'])}[/b] · {order['platform']} · {order['status']} · "
            f"{money(order['total_minor'], order['currency'], digits)} · ordered {when(order['ordered_at'])} · "
            f"delivered {when(order.get('delivered_at'))} · {order.get('country', '')}"
        )
        lines = self.query_one("#lines", DataTable)
        lines.clear()
        for line in order["lines"]:
            lines.add_row(
                line["external_id"],
                line["sku"],
                clip(line["title"], 28),
                str(line["quantity"]),
                money(line["unit_price_minor"], line["currency"], digits),
                when(line.get("delivered_at")),
                key=str(line["id"]),
            )
        cases = self.query_one("#cases", DataTable)
        cases.clear()
        for case in data["cases"]:
            currency = case["currency"] or order["currency"]
            cases.add_row(
                f"#{case['id']}",
                case["type"],
                case["state"],
                case.get("lines_text", ""),
                money(case["requested_minor"], currency, digits),
                money(case["refunded_minor"], currency, digits),
                case.get("verdict_text", ""),
                key=str(case["id"]),
            )
        if self._focus_case is not None:
            index = next((i for i, c in enumerate(data["cases"]) if c["id"] == self._focus_case), None)
            if index is not None:
                cases.move_cursor(row=index)
                cases.focus()
        self._verdict()

    @on(DataTable.RowHighlighted, "#cases")
    def _case_highlighted(self) -> None:
        self._verdict()

    def _current_case(self) -> dict | None:
        if not self.data or not self.data["cases"]:
            return None
        table = self.query_one("#cases", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((c for c in self.data["cases"] if str(c["id"]) == str(key)), None)

    def _verdict(self) -> None:
        case = self._current_case()
        box = self.query_one("#verdict", Static)
        if case is None:
            box.update("No case on this order yet. Select a line and press o to open one.")
        else:
            box.update(areas.verdict_text(case))
        self.refresh_bindings()

    def _current_line(self) -> dict | None:
        if not self.data:
            return None
        table = self.query_one("#lines", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((ln for ln in self.data["order"]["lines"] if str(ln["id"]) == str(key)), None)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_open_case(self) -> None:
        line = self._current_line()
        if line is None or self.data is None:
            return
        order = self.data["order"]
        types = [
            ("return", "Return"),
            ("exchange", "Exchange"),
            ("refund", "Refund (no return)"),
            ("cancellation", "Cancellation"),
        ]

        def check_quantity(text: str) -> str | None:
            if not text.isdigit() or not 1 <= int(text) <= line["quantity"]:
                return f"a whole number from 1 to {line['quantity']}"
            return None

        def typed(kind: str | None) -> None:
            if not kind:
                return

            def counted(quantity: str | None) -> None:
                if quantity is None:
                    return

                def reasoned(reason: str | None) -> None:
                    if reason is None:
                        return
                    what = f"Open a {kind} for {quantity}× {line['sku']} on order {order['external_id']}"
                    self.app.push_screen(
                        ConfirmModal("Open case", f"{what}?\nReason: {reason}", "Open"),
                        lambda yes: (
                            yes
                            and self.call(
                                areas.open_case,
                                self.gw,
                                kind,
                                order,
                                line,
                                int(quantity),
                                reason,
                                self.ticket_id,
                                then=lambda case_id: self.load(focus_case=case_id),
                            )
                        ),
                    )

                self.app.push_screen(
                    PromptModal(f"Reason for the {kind}", placeholder="e.g. wrong size"), reasoned
                )

            if line["quantity"] == 1:
                counted("1")
            else:
                self.app.push_screen(
                    PromptModal(
                        f"How many of {line['quantity']}× {line['sku']}?",
                        value=str(line["quantity"]),
                        check=check_quantity,
                    ),
                    counted,
                )

        self.app.push_screen(PickModal(f"Open a case for {line['sku']}", types), typed)

    def action_approve(self) -> None:
        case = self._current_case()
        if case is None:
            return
        self.app.push_screen(
            ConfirmModal("Approve", f"Approve {case['type']} case #{case['id']}?", "Approve"),
            lambda yes: (
                yes
                and self.call(
                    areas.decide, self.gw, case["id"], True, "", then=lambda _: self.load(case["id"])
                )
            ),
        )

    def action_decline(self) -> None:
        case = self._current_case()
        if case is None:
            return

        def reasoned(reason: str | None) -> None:
            if reason:
                self.app.push_screen(
                    ConfirmModal(
                        "Decline", f"Decline {case['type']} case #{case['id']}?\nReason: {reason}", "Decline"
                    ),
                    lambda yes: (
                        yes
                        and self.call(
                            areas.decide,
                            self.gw,
                            case["id"],
                            False,
                            reason,
                            then=lambda _: self.load(case["id"]),
                        )
                    ),
                )

        self.app.push_screen(PromptModal("Why decline? (the buyer is told)", placeholder="reason"), reasoned)

    def action_receive(self) -> None:
        case = self._current_case()
        if case is None:
            return
        self.app.push_screen(
            ConfirmModal("Goods back", f"Record the goods of case #{case['id']} as received?", "Received"),
            lambda yes: (
                yes and self.call(areas.receive, self.gw, case["id"], then=lambda _: self.load(case["id"]))
            ),
        )

    def action_refund(self) -> None:
        case = self._current_case()
        if case is None or self.data is None:
            return
        order = self.data["order"]
        self.call(areas.refundable, self.gw, order, then=lambda left: self._ask_refund(case, order, left))

    def _ask_refund(self, case: dict, order: dict, left: int) -> None:
        currency = order["currency"]
        digits = self.desk.minor_digits(currency)
        if left <= 0:
            self.app.show_error(DeskError(f"nothing is left to refund on order {order['external_id']}"))  # type: ignore[attr-defined]
            return
        suggested = min(left, max(0, case["requested_minor"] - case["refunded_minor"]) or left)

        def check(text: str) -> str | None:
            try:
                minor = areas.parse_amount(text, digits)
            except ValueError as exc:
                return str(exc)
            if minor <= 0:
                return "the amount must be more than zero"
            if minor > left:
                return f"at most {money(left, currency, digits)} is left to refund on this order"
            return None

        def amount(text: str | None) -> None:
            if not text:
                return
            minor = areas.parse_amount(text, digits)
            without_return = areas.goods_come_back(case)
            body = f"Refund {money(minor, currency, digits)} to the buyer on case #{case['id']}?"
            if without_return:
                body += "\nThe goods are not back yet: this refunds without waiting for the return."
            self.app.push_screen(
                ConfirmModal("Refund", body, "Refund"),
                lambda yes: (
                    yes
                    and self.call(
                        areas.refund,
                        self.gw,
                        case["id"],
                        minor,
                        currency,
                        without_return,
                        then=lambda _: self.load(case["id"]),
                    )
                ),
            )

        self.app.push_screen(
            PromptModal(
                f"Refund amount in {currency}",
                value=f"{suggested / 10**digits:.{digits}f}",
                check=check,
                help=f"Up to {money(left, currency, digits)} is left to refund on order {order['external_id']}.",
            ),
            amount,
        )


# ---- dashboard --------------------------------------------------------------------------------------------


class DashboardScreen(DeskScreen):
    """Today's numbers and plots."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="dashboard.back"),
        Binding("r", "reload", "Refresh", id="dashboard.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield topbar(self.app, "dashboard")
        with Horizontal(id="numbers"):
            for key in ("volume", "first-reply", "breaches", "open"):
                yield Static("…", classes="number", id=f"n-{key}")
        with Horizontal(id="charts"):
            yield VolumeChart(id="volume-chart")
            yield BarChart(id="intent-chart")
            yield BarChart(id="sku-chart")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.action_reload()

    def action_reload(self) -> None:
        self.call(
            self.desk.analytics.dashboard, self.actor, then=self._show, group="dashboard", exclusive=True
        )

    def _show(self, d: Dashboard) -> None:
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
        self.query_one("#volume-chart", VolumeChart).show(d.volume_by_hour)
        self.query_one("#intent-chart", BarChart).show(d.top_intents, "Top intents (open)")
        self.query_one("#sku-chart", BarChart).show(d.returns_per_sku, "Returned units per SKU")

    def action_back(self) -> None:
        self.app.pop_screen()


# ---- help ---------------------------------------------------------------------------------------------------


class HelpScreen(ModalScreen[None]):
    """The keys of the screen below, with their binding ids for remapping."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close")
    ]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.target = screen

    def compose(self) -> ComposeResult:
        app: CrossdeskApp = self.app  # type: ignore[assignment]
        with Vertical(classes="dialog wide"):
            yield Label(
                f"Keys on this screen ({type(self.target).__name__.removesuffix('Screen').lower()})",
                classes="dialog-title",
            )
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static(
                f"Ctrl+P opens the command palette. Remap any key by its id in {escape(str(app.config.path))}:\n"
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


# ---- the app ------------------------------------------------------------------------------------------------

SCREENS_WITH_BINDINGS = (
    SignInScreen,
    InboxScreen,
    ConversationScreen,
    CustomerScreen,
    AfterSalesScreen,
    DashboardScreen,
    HelpScreen,
    QueueView,
    ConfirmModal,
    ErrorModal,
    PromptModal,
    PickModal,
    ResultsModal,
)


class CrossdeskApp(App):
    """The crossdesk agent TUI on one desk."""

    CSS_PATH = "app.tcss"
    TITLE = "crossdesk"
    COMMANDS = App.COMMANDS | {ScreenActions}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Keys of this screen"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(
        self,
        desk: Desk,
        agent: str | None = None,
        *,
        config_path: Path | None = None,
        blink: bool = True,
        warm_up: bool = True,
    ) -> None:
        super().__init__()
        self.gateway = Gateway(desk)
        self.agent_name = agent
        self.blink = blink
        self.warm_up = warm_up  # load the area services in the background after first paint
        self.drafts: dict[int, str] = {}  # ticket id -> unsent text, kept across screens and errors
        self.config = load_config(config_path, known_ids=binding_ids())
        self._live_queue: tuple[Any, Any] | None = None
        self._live_desk: Desk | None = None

    def on_mount(self) -> None:
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        for problem in self.config.problems:
            self.notify(problem, severity="warning", timeout=8)
        if self.agent_name:
            try:
                self.sign_in(self.agent_name)
                return
            except DeskError as exc:
                self.notify(str(exc), severity="error")
        self.push_screen(SignInScreen())

    def sign_in(self, name: str) -> None:
        """Sign ``name`` in and show the inbox. Raises DeskError for an unknown or inactive agent."""
        self.gateway.actor = self.gateway.call(self.gateway.desk.actor_for, name)
        if isinstance(self.screen, SignInScreen):
            self.switch_screen(InboxScreen())
        else:
            self.push_screen(InboxScreen())

    def open_live_queue(self) -> tuple[Any, Any] | None:
        """The queue service and the lock to hold while using it: on a desk file, a second connection of
        its own (SQLite's WAL lets it read while the agent works); in memory, the desk's own. None when
        the desk has no queue service. Called from a worker thread."""
        if self._live_queue is not None:
            return self._live_queue
        gw = self.gateway
        if gw.service("queue") is None:
            return None
        path = gw.desk.path
        if path is None or str(path) == ":memory:":
            self._live_queue = (gw.desk.queue, gw.lock)
        else:
            self._live_desk = Desk.open(path, pm=gw.desk.pm, clock=gw.desk.clock)
            self._live_queue = (self._live_desk.queue, threading.Lock())
        return self._live_queue

    def on_unmount(self) -> None:
        if self._live_desk is not None:
            self._live_desk.close()

    def show_error(self, exc: BaseException) -> None:
        title = "Not allowed" if isinstance(exc, PermissionDenied) else "That did not work"
        if isinstance(exc, areas.Absent):
            title = "Not available"
        self.push_screen(ErrorModal(describe_error(exc), title))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def run_slow(
        self,
        label: str,
        area: str,
        methods: tuple[str, ...] | None,
        then: Callable[[Any], None],
        job: Callable[[Callable[[int, int], None]], Any] | None = None,
    ) -> None:
        """Run slow work (sync, rescore, translation) in a worker with a progress bar; the UI stays live."""
        gw = self.gateway
        if job is None:
            svc = gw.service(area)
            method = next(
                (
                    getattr(svc, m)
                    for m in methods or ()
                    if svc is not None and callable(getattr(svc, m, None))
                ),
                None,
            )
            if method is None:
                self.show_error(areas.Absent(area))
                return

            def job(progress: Callable[[int, int], None]) -> Any:
                return areas.call_with_progress(gw, method, progress)

        self._slow(label, job, then)

    @work(thread=True, exclusive=True, group="slow")
    def _slow(
        self, label: str, job: Callable[[Callable[[int, int], None]], Any], then: Callable[[Any], None]
    ) -> None:
        self.call_from_thread(self._progress, label, 0, 0)

        def progress(done: int, total: int) -> None:
            self.call_from_thread(self._progress, label, done, total)

        try:
            result = job(progress)
        except Exception as exc:
            self.call_from_thread(self.show_error, exc)
            self.call_from_thread(self._progress, label, -1, -1)
            return
        self.call_from_thread(self._progress, label, -1, -1)
        self.call_from_thread(self.notify, f"{label}: done.")
        self.call_from_thread(then, result)

    def _progress(self, label: str, done: int, total: int) -> None:
        for bar in self.screen.query("#queue-progress").results(ProgressBar):
            if done < 0:
                bar.remove_class("busy")
            else:
                bar.add_class("busy")
                bar.update(total=total or None, progress=done)
        if done == 0:
            self.notify(f"{label}…", timeout=2)


def binding_ids() -> set[str]:
    """Every binding id the app defines (for checking the user's key map)."""
    ids = set()
    for cls in (*SCREENS_WITH_BINDINGS, CrossdeskApp):
        for binding in cls.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids


def run(db_path: str | Path | None, agent: str | None = None) -> None:
    """Open the TUI on the desk at ``db_path`` (the default desk when None), signed in as ``agent`` when
    given. Used by ``crossdesk tui``, ``crossdesk demo`` and ``crossdesk.cli.common.open_tui``."""
    desk = Desk.open(db_path)
    try:
        CrossdeskApp(desk, agent).run()
    finally:
        desk.close()
