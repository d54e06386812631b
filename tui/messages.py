"""The messages of the TUI: what a worker thread reports back, and where a screen asks to go.

A service call runs in a worker thread (:meth:`crossdesk.tui.screens.base.DeskScreen.call`); what it
returns comes back to the screen that asked as a typed message, posted from the worker (Textual's
``post_message`` is thread-safe), and the screen handles it with ``@on(...)``. An error goes to the app as
:class:`Failed`. Screens do not import each other: they post :class:`OpenTicket` and friends, and the app
pushes the screen.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from textual.message import Message

T = TypeVar("T")


class Result(Message, Generic[T], bubble=False):
    """A worker's service call returned ``value`` (the subclass says which call). Results go to the screen
    that asked and stop there."""

    def __init_subclass__(cls, bubble: bool | None = False, **kwargs: Any) -> None:
        # Textual sets ``bubble`` afresh on every subclass (default True): results do not bubble.
        super().__init_subclass__(bubble=bubble, **kwargs)

    def __init__(self, value: T) -> None:
        super().__init__()
        self.value = value


class Failed(Message):
    """A worker's call raised: the app shows the error in plain words."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


# ---- navigation: handled by the app ---------------------------------------------------------------


class OpenTicket(Message):
    """Show the conversation of a ticket."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id


class OpenCustomer(Message):
    """Show a buyer's profile."""

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id


class OpenAfterSales(Message):
    """Show the cases of an order (``ticket_id``: the conversation it was opened from, linked to new cases)."""

    def __init__(self, order_id: int, ticket_id: int | None = None) -> None:
        super().__init__()
        self.order_id = order_id
        self.ticket_id = ticket_id


class OpenDashboard(Message):
    """Show the dashboard."""


class OpenTeam(Message):
    """Show the team's load."""


class OpenSettings(Message):
    """Show the settings screen: the shops, and binding a new one."""


class OpenApprovals(Message):
    """Show the approval queue."""


# ---- slow work with a progress bar: handled by the app ---------------------------------------------


class Progress(Message):
    """Slow work advanced: ``done`` of ``total`` (0, 0: started; -1, -1: over)."""

    def __init__(self, label: str, done: int, total: int) -> None:
        super().__init__()
        self.label = label
        self.done = done
        self.total = total


class SlowDone(Message):
    """Slow work finished without an error."""

    def __init__(self, label: str, detail: str = "", warn: bool = False) -> None:
        super().__init__()
        self.label = label
        self.detail = detail  # what the work really did, when it can say (else "done")
        self.warn = warn


# ---- inbox ---------------------------------------------------------------------------------------


class NamesLoaded(Result[dict[str, dict[str, int]]]):
    """Agent and shop names for the filter line (lower-cased name -> id)."""


class LiveQueueReady(Result[int]):
    """The live queue's snapshot is built (``value``: open tickets in it)."""


class AgentsListed(Result[list[dict]]):
    """The desk's agents, to pick one for a bulk assignment."""

    def __init__(self, ticket_ids: list[int], value: list[dict]) -> None:
        super().__init__(value)
        self.ticket_ids = ticket_ids


class TemplatesListed(Result[list[dict]]):
    """The desk's templates, to pick one (for a reply, or a bulk reply to ``ticket_ids``)."""

    def __init__(self, ticket_ids: list[int], value: list[dict]) -> None:
        super().__init__(value)
        self.ticket_ids = ticket_ids


class BulkDone(Result[dict[int, str]]):
    """A bulk action finished: a result per item."""

    def __init__(self, what: str, value: dict[int, str]) -> None:
        super().__init__(value)
        self.what = what


class Rescored(Result[Any]):
    """The batch re-score finished (``value``: its report)."""


class Synced(Result[dict[str, Any]]):
    """A marketplace sync finished (``value``: shops pulled and the outbox report)."""


# ---- conversation ----------------------------------------------------------------------------------


class TicketLoaded(Result[Any]):
    """The conversation's read model (:class:`crossdesk.conversation.TicketView`)."""


class ReplyChecked(Result[list[str]]):
    """The platform lint of a reply about to be sent (``value``: warnings)."""

    def __init__(self, body: str, value: list[str]) -> None:
        super().__init__(value)
        self.body = body


class ReplySent(Result[int]):
    """A reply is in the outbox (``value``: its message id)."""


class NoteAdded(Result[int]):
    """An internal note is on the thread (``value``: its message id)."""


class TicketChanged(Result[Any]):
    """The ticket changed (status, tag, assignee): show it again."""


class DraftReady(Result[Any]):
    """A template filled for the buyer (:class:`crossdesk.conversation.Draft`)."""


class DraftMade(Result[Any]):
    """An AI reply draft (``value``: :class:`crossdesk.assist.ReplyDraft`); nothing was sent."""


class SummaryMade(Result[Any]):
    """An AI summary of the thread (``value``: :class:`crossdesk.assist.Summary`)."""


class ReplyTranslated(Result[Any]):
    """The agent's reply translated for the buyer (``value``: the translation service's preview)."""

    def __init__(self, original: str, value: Any) -> None:
        super().__init__(value)
        self.original = original


class IncomingTranslated(Result[Any]):
    """The buyer's messages are translated."""


# ---- customer, after-sales, dashboard -----------------------------------------------------------------


class ProfileLoaded(Result[dict]):
    """A buyer's merged profile."""


class CasesLoaded(Result[Any]):
    """An order and its cases (:class:`crossdesk.aftersales.OrderCases`)."""


class CaseChanged(Result[Any]):
    """A case was opened or moved on (``case_id``: the case to show)."""

    def __init__(self, case_id: int | None, value: Any) -> None:
        super().__init__(value)
        self.case_id = value if case_id is None else case_id


class RefundQuoted(Result[Any]):
    """What a refund on a case would be (:class:`crossdesk.aftersales.RefundQuote`)."""


class DashboardLoaded(Result[Any]):
    """The dashboard's figures (:class:`crossdesk.analytics.Board`)."""


class TeamLoaded(Result[Any]):
    """Each agent's load (:class:`crossdesk.routing.Load` list)."""


class ApprovalsLoaded(Result[Any]):
    """The pending approval requests (rows of ``desk.approvals.queue``)."""


class ApprovalDecided(Result[Any]):
    """An approval request after its decision."""


class ShopsLoaded(Result[Any]):
    """The desk's shops and whether the vault holds their tokens (``desk.onboarding.list``)."""


class FlowsLoaded(Result[Any]):
    """The binding flows on offer (:class:`crossdesk.models.BindingFlowSpec` list)."""


class ConsentShown(Result[str]):
    """The consent URL the seller opens (empty: the binding failed)."""


class ShopBound(Result[Any]):
    """A shop bound (:class:`crossdesk.onboarding.BindResult`)."""


class ReviewAppsLoaded(Result[Any]):
    """The reviews apps on offer and the shops they can serve (``desk.reputation.apps``)."""


class ReviewAppAttached(Result[Any]):
    """A shop attached to a reviews app (what :meth:`crossdesk.reputation.apps.ReviewApps.attach` returns)."""
