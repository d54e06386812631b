"""The inbox: the ranked queue with filters, search, multi-select and bulk actions.

Pages come from ``desk.queue.page``, which decides whether the live ranking or the stored score orders
them; after the first rows are on screen a worker builds the live queue's snapshot (``desk.queue.prepare``,
on the queue's own session) and the inbox switches to it while the cursor is still at the top.
"""

from __future__ import annotations

import contextlib
from functools import partial
from typing import Any, ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, ProgressBar, Static

from crossdesk.models import TicketStatus
from crossdesk.queue import QueuePage, live_filters
from crossdesk.tickets import breaching_before
from crossdesk.tui import query
from crossdesk.tui.format import sync_summary, template_choices
from crossdesk.tui.messages import (
    AgentsListed,
    BulkDone,
    LiveQueueReady,
    NamesLoaded,
    OpenCustomer,
    OpenDashboard,
    OpenTicket,
    Rescored,
    Synced,
    TemplatesListed,
)
from crossdesk.tui.screens.base import DeskScreen, topbar
from crossdesk.tui.widgets import score
from crossdesk.tui.widgets.common.footer import WrapFooter
from crossdesk.tui.widgets.common.modals import ConfirmModal, PickModal, PromptModal, ResultsModal
from crossdesk.tui.widgets.inbox import assign_words, select_all, template_preview
from crossdesk.tui.widgets.inbox.legend import LegendModal
from crossdesk.tui.widgets.inbox.queue_view import QueueView, header_text

#: The bulk actions offered, as (choice, label); each is one ``desk.bulk`` operation.
BULK_CHOICES = [
    ("assign", "Assign to an agent"),
    ("tag", "Add a tag"),
    ("status", "Set the status"),
    ("template", "Reply with a template"),
    ("close", "Close"),
]


#: Examples for the filter line, each one a filter on its own (separated by " · ", so none reads as one
#: long query that matches nothing); tests/agentday try each on the demo desk.
EXAMPLES = ("platform:amazon lang:de", "intent:refund_request", "tier:high-value", "order:shipped", "assignee:me")
PLACEHOLDER = "/ filter, e.g. " + " · ".join(EXAMPLES) + " · or #ticket, buyer, order no., SKU, tracking, words"


class InboxScreen(score.ExplainsScore, DeskScreen):
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
        Binding("A", "select_all", "Select all", id="inbox.select_all", show=False),
        Binding("L", "legend", "Legend", id="inbox.legend", tooltip="What the marks mean"),
        Binding("c", "customer", "Customer", id="inbox.customer", tooltip="The buyer of the ticket"),
        Binding("d", "dashboard", "Dashboard", id="inbox.dashboard"),
        score.binding("inbox"),
        Binding("r", "reload", "Refresh", id="inbox.refresh"),
        Binding("R", "rescore", "Rescore", id="inbox.rescore", tooltip="Re-score the queue in a worker"),
        Binding("S", "sync", "Sync", id="inbox.sync", tooltip="Pull from and push to the marketplaces"),
    ]
    NEEDS: ClassVar[dict[str, str]] = {
        "bulk": "bulk",
        "select_page": "bulk",
        "select_all": "bulk",
        "toggle_select": "bulk",  # the queue's Space: a mark serves only bulk actions
        "rescore": "bulk",
        "sync": "manage_settings",
    }

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self.filters: dict[str, Any] = {}
        self._lookups: dict[str, dict[str, int]] | None = None
        self._warmed = False
        self._status_text = ""
        self._elsewhere: tuple[int, int] = (0, 0)  # (the filters counted for, matches in other statuses)

    def compose(self) -> ComposeResult:
        yield topbar(self.app, "inbox")
        yield Input(placeholder=PLACEHOLDER, id="filter")
        yield Static("", id="queue-header")
        yield QueueView(self._fetch, self._count, self.gw.now, id="queue")
        yield ProgressBar(id="queue-progress", show_eta=False)
        yield Static("", classes="statusline", id="inbox-status")
        yield WrapFooter()

    def on_mount(self) -> None:
        super().on_mount()
        queue = self.query_one(QueueView)
        queue.can_select = self.gw.can("bulk")
        queue.focus()
        queue.reload()
        # Names for the filter line, fetched off the UI thread so the first filter does not wait.
        self.call(NamesLoaded, self._read_names, group="inbox-names")

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

    def _fetch(self, offset: int, limit: int) -> QueuePage:
        return self.gw.call(self.desk.queue.page, self.actor, offset=offset, limit=limit, **self.filters)

    def _count(self) -> int:
        filters = self.filters
        total = self.gw.call(self.desk.queue.count, self.actor, **filters)
        wider = query.every_status(filters) if total == 0 else None
        # Nothing open matches a search: how many in the other statuses, said in the status line.
        elsewhere = self.gw.call(self.desk.queue.count, self.actor, **wider) if wider else 0
        self._elsewhere = (id(filters), elsewhere)
        return total

    def _warm_up(self, ticket_id: int) -> None:
        """After the first rows are on screen: build the live queue's snapshot (seconds at a million
        tickets), which holds only the queue's own session, so paging and the other screens never wait
        for it; then read the first ticket's conversation once, so the first one the agent opens is as
        quick as the next."""
        try:
            open_tickets = self.desk.queue.prepare(self.actor)
        except Exception:  # the stored ranking stays in use; the queue reports its own errors when asked
            pass
        else:
            self.post_message(LiveQueueReady(open_tickets))
        if not self.app.warm_up:  # type: ignore[attr-defined]
            return
        with contextlib.suppress(Exception):  # warming is best effort; the real call reports its own errors
            self.gw.call(self.desk.conversation.view, self.actor, ticket_id)

    @on(LiveQueueReady)
    def _live_ready(self) -> None:
        queue = self.query_one(QueueView)
        # Switch to the live ranking only while the agent is still at the top: rows never reorder under
        # a cursor that has moved on. Otherwise it applies at the next filter or refresh.
        if queue.cursor < 10 and not queue.selected and live_filters(self.filters) is not None:
            queue.reload()

    def _read_names(self) -> dict[str, dict[str, int]]:
        return query.read_names(self.desk, self.actor)

    @on(NamesLoaded)
    def _names_loaded(self, message: NamesLoaded) -> None:
        self._lookups = message.value

    def _names(self) -> dict[str, dict[str, int]]:
        if self._lookups is None:  # a filter typed before the names arrived: read them now
            self._lookups = self.gw.call(self._read_names)
        return self._lookups

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
        if queue.total == 0 and self._elsewhere[0] == id(self.filters) and self._elsewhere[1]:
            parts.append(f"{self._elsewhere[1]:,} in other statuses: add status:all")
        parts.append("ranked live" if queue.live else "ranked by stored score")
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
        self.app.post_message(OpenTicket(event.ticket_id))

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
        else:
            self.notify("Nothing to clear: no filter and no selection.", timeout=3)

    def action_toggle(self, switch: str) -> None:
        self.apply_query(query.parse(self.query_text).toggled(switch).text())

    def action_reload(self) -> None:
        self.query_one(QueueView).refresh_rows()

    def action_select_page(self) -> None:
        self.query_one(QueueView).select_loaded()

    def action_select_all(self) -> None:
        select_all.select_matching(self)

    def action_legend(self) -> None:
        self.app.push_screen(LegendModal())

    def action_customer(self) -> None:
        row = self.query_one(QueueView).current
        if row is None:
            self.notify("No ticket under the cursor.", severity="warning")
            return
        if row.get("customer_id") is None:
            self.notify("This ticket has no known buyer.", severity="warning")
            return
        self.app.post_message(OpenCustomer(row["customer_id"]))

    def score_ticket_id(self) -> int | None:
        row = self.query_one(QueueView).current
        return None if row is None else int(row["id"])

    def action_dashboard(self) -> None:
        self.app.post_message(OpenDashboard())

    def action_rescore(self) -> None:
        gw, desk, actor = self.gw, self.desk, self.actor

        def job(progress: Any) -> Any:
            # The re-score reports (phase, done, total); the bar wants the last two.
            return gw.call(
                desk.queue.rescore, actor, progress=lambda _phase, done, total: progress(done, total)
            )

        self.app.run_slow("Re-scoring the queue", job, Rescored, self)  # type: ignore[attr-defined]

    def action_sync(self) -> None:
        desk, actor = self.desk, self.actor

        def job(progress: Any) -> Any:
            # On a desk file the sync runs on a desk of its own, so marketplace round trips never hold the
            # lock the screens read through; in memory it is this desk, under that lock.
            with desk.detached() as own:
                return own.sync.run(actor, progress=progress)

        self.app.run_slow("Syncing the marketplaces", job, Synced, self)  # type: ignore[attr-defined]

    @on(Rescored)
    def _rescored(self) -> None:
        self.query_one(QueueView).refresh_rows()

    @on(Synced)
    def _synced(self, message: Synced) -> None:
        self.notify(sync_summary(message.value), timeout=8)
        self.query_one(QueueView).refresh_rows()

    # ---- bulk ---------------------------------------------------------------------------------------

    def action_bulk(self) -> None:
        queue = self.query_one(QueueView)
        ids = sorted(queue.selected)
        if not ids:
            row = queue.current
            if row is None:
                return
            ids = [row["id"]]
        self.app.push_screen(
            PickModal(f"Bulk action on {len(ids)} ticket(s)", BULK_CHOICES),
            lambda choice: self._bulk_choice(choice, ids),
        )

    def _bulk_choice(self, choice: str | None, ids: list[int]) -> None:
        n = len(ids)
        if choice == "assign":
            self.call(partial(AgentsListed, ids), self.desk.agents, self.actor)
        elif choice == "tag":
            self.app.push_screen(
                PromptModal("Tag to add", placeholder="e.g. vip"),
                lambda tag: tag and self._confirm_bulk(ids, "tag", tag, f"Tag {n} ticket(s) with {tag!r}"),
            )
        elif choice == "status":
            self.app.push_screen(
                PickModal("Set status", [(s.label, s.label) for s in TicketStatus]),
                lambda s: s and self._confirm_bulk(ids, "status", s, f"Set {n} ticket(s) to {s}"),
            )
        elif choice == "close":
            self._confirm_bulk(ids, "status", "closed", f"Close {n} ticket(s)")
        elif choice == "template":
            self.call(partial(TemplatesListed, ids), self.desk.templates.list, self.actor)

    @on(AgentsListed)
    def _bulk_assign(self, message: AgentsListed) -> None:
        agents, ids = message.value, message.ticket_ids
        names = {str(a["id"]): a["name"] for a in agents}

        def picked(agent: str | None) -> None:
            if agent:
                who = "nobody" if agent == "none" else names[agent]
                value = None if agent == "none" else int(agent)
                self._confirm_bulk(ids, "assign", value, f"Assign {len(ids)} ticket(s) to {who}")

        self.app.push_screen(PickModal("Assign to", assign_words.choices(self, agents, ids)), picked)

    @on(TemplatesListed)
    def _bulk_template(self, message: TemplatesListed) -> None:
        ids = message.ticket_ids

        def picked(name: str | None) -> None:
            if name:
                what = f"Send template {name!r} to {len(ids)} buyer(s)"
                self._confirm_bulk(ids, "template", name, what, template_preview.preview(self, name, ids))

        self.app.push_screen(
            PickModal(
                "Reply with template (each buyer gets their language)", template_choices(message.value)
            ),
            picked,
        )

    def _confirm_bulk(self, ids: list[int], op: str, value: Any, what: str, detail: str = "") -> None:
        def go(yes: bool | None) -> None:
            if yes:
                self.call(partial(BulkDone, what), self.desk.bulk.tickets, self.actor, op, ids, value)

        self.app.push_screen(ConfirmModal("Confirm bulk action", f"{what}?{detail}"), go)

    @on(BulkDone)
    def _bulk_done(self, message: BulkDone) -> None:
        queue = self.query_one(QueueView)
        queue.clear_selection()
        queue.refresh_rows()
        self.app.push_screen(ResultsModal(message.what, message.value))
