"""The customer: a buyer's merged profile across platforms, their orders with lines and past tickets."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from crossdesk.tui.messages import OpenAfterSales, OpenTicket, ProfileLoaded, Result
from crossdesk.tui.screens.base import DeskScreen, topbar
from crossdesk.tui.widgets.common.footer import WrapFooter
from crossdesk.tui.widgets.customer.profile import OrdersTable, ProfileHead, Suggestions, TicketsTable


class SuggestionsLoaded(Result[list]):
    """Merge suggestions for the buyer on screen."""


class MergeDone(Result[str]):
    """A suggestion was accepted or rejected; the text says which."""


class CustomerScreen(DeskScreen):
    """The merged buyer profile: identities, orders with lines, past tickets, tier, lifetime value."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="customer.back"),
        Binding(
            "f", "aftersales", "After-sales", id="customer.aftersales", tooltip="Cases for the selected order"
        ),
        Binding("enter", "open_ticket", "Open ticket", id="customer.open", show=False),
        Binding("tab", "app.focus_next", "Next table", id="customer.next", show=False),
        Binding("a", "accept_merge", "Merge", id="customer.merge", tooltip="Accept the merge suggestion"),
        Binding("x", "reject_merge", "Not the same", id="customer.reject", tooltip="Reject the suggestion"),
    ]
    NEEDS: ClassVar[dict[str, str]] = {"accept_merge": "manage_settings", "reject_merge": "manage_settings"}

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.profile: dict | None = None

    def compose(self) -> ComposeResult:
        yield topbar(self.app, f"customer #{self.customer_id}")
        yield ProfileHead("loading…", id="profile")
        yield Suggestions("", id="suggestions")
        with Vertical(classes="half"):
            yield Label("Orders", classes="section-title")
            yield OrdersTable(id="orders", cursor_type="row", zebra_stripes=True)
        with Vertical(classes="half"):
            yield Label("Tickets", classes="section-title")
            yield TicketsTable(id="tickets", cursor_type="row", zebra_stripes=True)
        yield WrapFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(OrdersTable).focus()
        self.load()

    def load(self) -> None:
        self.call(ProfileLoaded, self.desk.customer, self.actor, self.customer_id)
        self.call(SuggestionsLoaded, self.desk.merges.suggestions, self.actor, self.customer_id, limit=5)

    @on(ProfileLoaded)
    def _show(self, message: ProfileLoaded) -> None:
        self.profile = p = message.value
        self.query_one(ProfileHead).show(p)
        # Currency digits come from the desk's rate cache, read when the app opened.
        self.query_one(OrdersTable).show(p["orders"], self.desk.minor_digits)
        self.query_one(TicketsTable).show(p["tickets"])

    @on(SuggestionsLoaded)
    def _show_suggestions(self, message: SuggestionsLoaded) -> None:
        self.suggestions = message.value
        self.query_one(Suggestions).show(message.value)

    def _first(self) -> object | None:
        found = getattr(self, "suggestions", [])
        if not found:
            self.notify("No merge suggestion for this buyer.", severity="warning")
            return None
        return found[0]

    def action_accept_merge(self) -> None:
        s = self._first()
        if s is not None:
            merges = self.desk.merges

            def accept() -> str:
                merges.merge(self.actor, s.keep_id, s.other_id, evidence="; ".join(s.evidence))
                return f"#{s.other_id} merged into #{s.keep_id} (undo: crossdesk customers unmerge {s.other_id})"

            self.call(MergeDone, accept)

    def action_reject_merge(self) -> None:
        s = self._first()
        if s is not None:
            merges = self.desk.merges

            def reject() -> str:
                merges.reject(self.actor, s.keep_id, s.other_id)
                return f"#{s.keep_id} and #{s.other_id} marked as different buyers"

            self.call(MergeDone, reject)

    @on(MergeDone)
    def _merged(self, message: MergeDone) -> None:
        self.notify(message.value)
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_aftersales(self) -> None:
        order_id = self.query_one(OrdersTable).selected_order()
        if order_id is None:
            self.notify("This buyer has no orders.", severity="warning")
            return
        self.app.post_message(OpenAfterSales(order_id))

    @on(DataTable.RowSelected, "#tickets")
    def _ticket_selected(self, event: DataTable.RowSelected) -> None:
        self.app.post_message(OpenTicket(int(str(event.row_key.value))))

    @on(DataTable.RowSelected, "#orders")
    def _order_selected(self, event: DataTable.RowSelected) -> None:
        self.action_aftersales()

    def action_open_ticket(self) -> None:
        ticket_id = self.query_one(TicketsTable).selected_ticket()
        if ticket_id is not None:
            self.app.post_message(OpenTicket(ticket_id))
