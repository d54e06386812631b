"""After-sales: an order's lines and cases (``desk.cases.order_cases``); open a case from a line, read the
policy verdict, decide, receive, refund.

Which steps to offer comes from core: a step the role may never take is hidden
(:func:`crossdesk.aftersales.views.permitted_actions`), one the case's state or type does not allow is
greyed out (each case's ``actions``); the refund prompt starts from the service's quote
(``desk.cases.quote``). The case service checks every step again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Label

from crossdesk.aftersales import OrderCases, RefundQuote
from crossdesk.aftersales.views import OPEN, steps_for
from crossdesk.tui.format import money
from crossdesk.tui.messages import CaseChanged, CasesLoaded, RefundQuoted
from crossdesk.tui.screens.base import DeskScreen, topbar
from crossdesk.tui.widgets.aftersales import refund_or_ask
from crossdesk.tui.widgets.aftersales.cases import CasesTable, CaseVerdict, LinesTable, OrderHead
from crossdesk.tui.widgets.common.footer import WrapFooter
from crossdesk.tui.widgets.common.modals import ConfirmModal, PickModal, PromptModal

#: The case types a line can open, as (type, label).
CASE_TYPES = [
    ("return", "Return"),
    ("exchange", "Exchange"),
    ("refund", "Refund (no return)"),
    ("cancellation", "Cancellation"),
]



def refund_limit_words(limit_usd_minor: int | None) -> str:
    """The agent's refund limit, said before they type an amount (nothing when they have none)."""
    if limit_usd_minor is None:
        return ""
    if limit_usd_minor <= 0:
        return "\nYou may not refund on your own: ask a supervisor or request an approval."
    return (
        f"\nYour refund limit is USD {limit_usd_minor / 100:,.2f} per order (refunds so far count); "
        "above it, ask a supervisor or request an approval."
    )

def refund_cap_words(quote: RefundQuote) -> str:
    """What the prompt offers at most: what is left on the case's lines, then what is left on the order
    (more than the case covers is possible, after a warning)."""
    left = money(quote.left, quote.currency, quote.digits)
    on_order = f"{left} is left to refund on order {quote.order_external_id}"
    if 0 < quote.case_left < quote.left:
        case_left = money(quote.case_left, quote.currency, quote.digits)
        return f"Up to {case_left} is left on this case's lines ({on_order}; more asks you first)."
    if quote.case_left > 0:
        return f"Up to {left} is left on this case's lines and on order {quote.order_external_id}."
    return f"Up to {on_order}."


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
    #: Screen actions by the case step they take (crossdesk.aftersales.views knows who may take which).
    STEPS: ClassVar[dict[str, str]] = {
        "open_case": OPEN,
        "approve": "approve",
        "decline": "decline",
        "receive": "receive",
        "refund": "refund",
    }

    def __init__(self, order_id: int, ticket_id: int | None = None) -> None:
        super().__init__()
        self.order_id = order_id
        self.ticket_id = ticket_id
        self.data: OrderCases | None = None
        self._focus_case: int | None = None

    def compose(self) -> ComposeResult:
        yield topbar(self.app, f"after-sales · order #{self.order_id}")
        yield OrderHead("loading…", id="order-head")
        with Vertical(classes="half"):
            yield Label("Order lines (o opens a case on the selected line)", classes="section-title")
            yield LinesTable(id="lines", cursor_type="row", zebra_stripes=True)
        with Vertical(classes="half"):
            yield Label("Cases", classes="section-title")
            yield CasesTable(id="cases", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="verdict-box"):
            yield CaseVerdict("", id="verdict")
        yield WrapFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        step = self.STEPS.get(action)
        if step is None:
            return super().check_action(action, parameters)
        if step not in steps_for(self.gw.permissions()):
            return False  # hidden: the role may never take this step
        # Shown but greyed out (None) when the case's state or type does not allow it.
        return None if self.unavailable(action) else True

    def unavailable(self, action: str) -> str | None:
        step = self.STEPS.get(action)
        if step is None or step == OPEN:
            return None
        case = self._current_case()
        if case is None:
            return "Select a case first (Tab moves to the cases)."
        if step not in case["actions"]:
            return f"Case #{case['id']} is a {case['type']} in state '{case['state']}': not a step it allows now."
        return None

    def refusal(self, action: str) -> str | None:
        step = self.STEPS.get(action)
        if step is not None and step not in steps_for(self.gw.permissions()):
            return f"Your role ({self.actor.role_name}) may not take this step on a case (a supervisor does)."
        return super().refusal(action)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(LinesTable).focus()
        self.load()

    def load(self, focus_case: int | None = None) -> None:
        self._focus_case = focus_case
        self.call(
            CasesLoaded,
            self.desk.cases.order_cases,
            self.actor,
            self.order_id,
            group="aftersales",
            exclusive=True,
        )

    @on(CasesLoaded)
    def _show(self, message: CasesLoaded) -> None:
        self.data = data = message.value
        self.query_one(OrderHead).show(data)
        self.query_one(LinesTable).show(data)
        cases = self.query_one(CasesTable)
        cases.show(data)
        if self._focus_case is not None:
            index = next((i for i, c in enumerate(data.cases) if c["id"] == self._focus_case), None)
            if index is not None:
                cases.move_cursor(row=index)
                cases.focus()
        self._verdict()

    @on(CaseChanged)
    def _case_changed(self, message: CaseChanged) -> None:
        self.load(focus_case=message.case_id)

    @on(DataTable.RowHighlighted, "#cases")
    def _case_highlighted(self) -> None:
        self._verdict()

    def _current_case(self) -> dict | None:
        if not self.data:
            return None
        key = self.query_one(CasesTable).selected_key()
        return next((c for c in self.data.cases if str(c["id"]) == key), None)

    def _current_line(self) -> dict | None:
        if not self.data:
            return None
        key = self.query_one(LinesTable).selected_key()
        return next((ln for ln in self.data.order["lines"] if str(ln["id"]) == key), None)

    def _verdict(self) -> None:
        self.query_one(CaseVerdict).show(self._current_case())
        self.refresh_bindings()

    def action_back(self) -> None:
        self.app.pop_screen()

    # ---- opening a case: type, quantity, reason, then confirm ----------------------------------------

    def action_open_case(self) -> None:
        line = self._current_line()
        if line is None or self.data is None:
            return
        self.app.push_screen(
            PickModal(f"Open a case for {line['sku']}", CASE_TYPES), partial(self._case_typed, line)
        )

    def _case_typed(self, line: dict, kind: str | None) -> None:
        if not kind:
            return
        if line["quantity"] == 1:
            self._case_counted(line, kind, "1")
            return

        def check_quantity(text: str) -> str | None:
            if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= line["quantity"]:
                return f"a whole number from 1 to {line['quantity']}"
            return None

        self.app.push_screen(
            PromptModal(
                f"How many of {line['quantity']}× {line['sku']}?",
                value=str(line["quantity"]),
                check=check_quantity,
            ),
            partial(self._case_counted, line, kind),
        )

    def _case_counted(self, line: dict, kind: str, quantity: str | None) -> None:
        if quantity is not None:
            self.app.push_screen(
                PromptModal(f"Reason for the {kind}", placeholder="e.g. wrong size"),
                partial(self._case_reasoned, line, kind, int(quantity)),
            )

    def _case_reasoned(self, line: dict, kind: str, quantity: int, reason: str | None) -> None:
        if reason is None or self.data is None:
            return
        order = self.data.order
        what = f"Open a {kind} for {quantity}× {line['sku']} on order {order['external_id']}"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.call(
                    partial(CaseChanged, None),
                    self.desk.cases.open,
                    self.actor,
                    type=kind,
                    order_id=order["id"],
                    items=[{"order_line_id": line["id"], "sku": line["sku"], "quantity": quantity}],
                    reason=reason,
                    ticket_id=self.ticket_id,
                )

        self.app.push_screen(ConfirmModal("Open case", f"{what}?\nReason: {reason}", "Open"), confirmed)

    # ---- steps on the selected case ---------------------------------------------------------------------

    def _confirm_step(
        self, case: dict, title: str, body: str, label: str, fn: Callable[..., Any], *args: Any
    ) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.call(partial(CaseChanged, case["id"]), fn, self.actor, case["id"], *args)

        self.app.push_screen(ConfirmModal(title, body, label), confirmed)

    def action_approve(self) -> None:
        case = self._current_case()
        if case is not None:
            body = f"Approve {case['type']} case #{case['id']}?"
            self._confirm_step(case, "Approve", body, "Approve", self.desk.cases.approve)

    def action_decline(self) -> None:
        case = self._current_case()
        if case is None:
            return

        def reasoned(reason: str | None) -> None:
            if reason:
                body = f"Decline {case['type']} case #{case['id']}?\nReason: {reason}"
                self._confirm_step(case, "Decline", body, "Decline", self.desk.cases.decline, reason)

        self.app.push_screen(PromptModal("Why decline? (the buyer is told)", placeholder="reason"), reasoned)

    def action_receive(self) -> None:
        case = self._current_case()
        if case is not None:
            body = f"Record the goods of case #{case['id']} as received?"
            self._confirm_step(case, "Goods back", body, "Received", self.desk.cases.receive)

    def action_refund(self) -> None:
        case = self._current_case()
        if case is not None and self.data is not None:
            self.call(RefundQuoted, self.desk.cases.quote, self.actor, case["id"])

    @on(RefundQuoted)
    def _ask_refund(self, message: RefundQuoted) -> None:
        quote: RefundQuote = message.value
        left = money(quote.left, quote.currency, quote.digits)

        def check(text: str) -> str | None:
            try:
                minor = quote.parse(text)
            except ValueError as exc:
                return str(exc)
            if not quote.fits(minor):
                return f"at most {left} is left to refund on this order"
            return None

        self.app.push_screen(
            PromptModal(
                f"Refund amount in {quote.currency}",
                value=quote.as_text(quote.suggested),
                check=check,
                help=refund_cap_words(quote) + refund_limit_words(quote.limit_usd_minor),
            ),
            partial(self._refund_amount, quote),
        )

    def _refund_amount(self, quote: RefundQuote, text: str | None) -> None:
        if not text:
            return
        minor = quote.parse(text)
        body = f"Refund {money(minor, quote.currency, quote.digits)} to the buyer on case #{quote.case_id}?"
        if quote.without_return:
            body += "\nThe goods are not back yet: this refunds without waiting for the return."
        title, label = "Refund", "Refund"
        if 0 < quote.case_left < minor:
            covered = money(quote.case_left, quote.currency, quote.digits)
            body += f"\nThis is more than the case covers ({covered}): the rest is refunded beyond its lines."
            title, label = "More than the case covers", "Refund anyway"

        def confirmed(yes: bool | None) -> None:
            if yes:
                refund_or_ask.refund(self, quote, minor)

        self.app.push_screen(ConfirmModal(title, body, label), confirmed)
