"""The connector contract (**public**, **contract**): what a marketplace plugin implements and receives.

A platform plugin's factory returns a connector that declares ``capabilities`` and implements, for each
one, the method of its protocol below (:data:`PROTOCOLS`). The sync engine reads pages
(:class:`Page`); the outbox dispatcher hands each queued item to the connector as one of the frozen
action types (:class:`MessageOut`, :class:`ReturnDecision`, :class:`Refund`, :class:`Cancellation`)
carrying every platform id the connector needs, resolved when the item was queued. Failures are raised
as :class:`PlatformError`, whose attributes tell the desk what to do next.

An action is serialised once, when it is queued (:func:`to_json`), stored with its kind name
(:attr:`Action.kind`) and read back as the same typed object (:func:`from_json`). docs/platforms.md
documents every field. This module imports only :mod:`crossdesk.models`, so any plugin may import it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Literal, Protocol, TypeAlias, runtime_checkable

import orjson

from crossdesk.models import CAPABILITIES, Connector

__all__ = [
    "ACTIONS",
    "CAPABILITIES",
    "METHODS",
    "PROTOCOLS",
    "Action",
    "Attachment",
    "Cancellation",
    "Canceller",
    "Connector",
    "MessageOut",
    "MessageReader",
    "MessageSender",
    "OrderReader",
    "Page",
    "PlatformError",
    "Reconciler",
    "Refund",
    "RefundLine",
    "Refunder",
    "Result",
    "ReturnDecider",
    "ReturnDecision",
    "ReturnReader",
    "action_type",
    "check_connector",
    "from_json",
    "manual",
    "to_json",
]

#: What a connector's write method returns: a mapping whose optional ``"external_id"`` is the platform's
#: id of what it created (a message id, a refund id); other keys are kept for the log only.
Result: TypeAlias = Mapping[str, Any]


# ---- errors ----------------------------------------------------------------------------------------


class PlatformError(Exception):
    """A platform call failed. The attributes tell the caller what to do next.

    ``retryable``: trying again later may work (rate limit, outage). ``retry_after``: seconds the platform
    asked us to wait. ``ambiguous``: a write may or may not have taken effect (the outbox then checks with
    ``find_sent`` before sending again). ``manual_step``: the platform cannot do this through its API; the
    text tells a person where to do it instead. ``status``: the HTTP status, when there was one.
    ``code``: the platform's own error code, or "".
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        ambiguous: bool = False,
        manual_step: str | None = None,
        status: int | None = None,
        code: str = "",
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.ambiguous = ambiguous
        self.manual_step = manual_step
        self.status = status
        self.code = code


def manual(step: str) -> PlatformError:
    """The error for an action the marketplace API does not offer: ``step`` says where to do it by hand."""
    return PlatformError(step, manual_step=step)


# ---- pages -----------------------------------------------------------------------------------------


@dataclass
class Page:
    """One page of records from a platform, and the cursor to store once the page is safely in the desk.

    ``cursor`` is opaque text for the connector (usually JSON); passing it back resumes after this page.
    ``more`` is False on the last page of the run. (The sync engine reads these three attributes only, so
    any object that has them will do.)
    """

    records: list[dict[str, Any]]
    cursor: str | None
    more: bool


# ---- actions ---------------------------------------------------------------------------------------


class _Invalid(ValueError):
    """An action that cannot exist: a missing id, a negative amount, an unknown field."""


def _require_text(action: object, *names: str) -> None:
    for name in names:
        value = getattr(action, name)
        if not isinstance(value, str) or not value.strip():
            raise _Invalid(f"{type(action).__name__}.{name} must be non-empty text, not {value!r}")


def _optional_text(action: object, *names: str) -> None:
    for name in names:
        value = getattr(action, name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise _Invalid(f"{type(action).__name__}.{name} must be None or non-empty text, not {value!r}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """What every outbox action carries. Subclasses set the class attributes.

    ``platform``: the platform name (``"ebay"``). ``shop_external_id``: the shop's id on the platform
    (the ``shops.external_id`` of the shop the item is queued for). ``idempotency_key``: unique per
    action on the desk; queueing the same key twice queues nothing, and a connector may hand it to a
    platform that keeps one (the Shopify refund note does). ``buyer_external_id``: the buyer's id on
    this shop, or None when the desk knows no identity of the buyer there.
    """

    #: the name stored in ``outbox.kind``
    kind: ClassVar[str] = ""
    #: the connector capability that sends it
    capability: ClassVar[str] = ""
    #: the connector method the dispatcher calls with it
    method: ClassVar[str] = ""
    #: what a person does by hand where the platform cannot ("decide this return")
    verb: ClassVar[str] = ""

    platform: str
    shop_external_id: str
    idempotency_key: str
    buyer_external_id: str | None = None

    def _check(self) -> None:
        _require_text(self, "platform", "shop_external_id", "idempotency_key")
        _optional_text(self, "buyer_external_id")


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A file already uploaded to the platform (Amazon: through the Uploads API) to send with a message."""

    upload_destination_id: str
    file_name: str

    def __post_init__(self) -> None:
        _require_text(self, "upload_destination_id", "file_name")


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageOut(Action):
    """A message to the buyer (capability ``messages_out``, method ``send_message``).

    ``body``: the text the buyer receives (may be "" only for a ``message_type`` that takes no text).
    ``created_at``: when the desk wrote it (epoch seconds); reconciliation looks for it on the platform
    from a little before this time. ``thread_id``: the conversation's id on the platform (the ticket's
    ``external_id``; always set for a reply to a ticket). ``order_external_id``: the order the ticket is
    about, if any. ``message_id``: the desk's own message id (the dispatcher stores the platform's id on
    it once sent; connectors ignore it). ``template``: the template it was written from, if any.
    ``message_type``: a named message type for platforms that allow only those (Amazon's Messaging API:
    ``unexpectedProblem``, ``confirmDeliveryDetails``...); "" for a free-text reply.
    ``attachments``: files already uploaded to the platform.
    """

    kind: ClassVar[str] = "message"
    capability: ClassVar[str] = "messages_out"
    method: ClassVar[str] = "send_message"
    verb: ClassVar[str] = "send this message"

    body: str
    created_at: int
    thread_id: str | None = None
    order_external_id: str | None = None
    message_id: int | None = None
    template: str | None = None
    message_type: str = ""
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        self._check()
        _optional_text(self, "thread_id", "order_external_id")
        if not isinstance(self.body, str) or (not self.body.strip() and not self.message_type):
            raise _Invalid("MessageOut.body must be non-empty text unless a message_type is named")
        if not _is_int(self.created_at):
            raise _Invalid(f"MessageOut.created_at must be epoch seconds, not {self.created_at!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnDecision(Action):
    """Approve or decline a buyer's return request (capability ``returns_decide``, method
    ``decide_return``).

    ``decision``: ``"approve"`` or ``"decline"``. ``order_external_id``: the order returned.
    ``return_external_id``: the platform's return (or dispute, or case) id; None when the case was opened
    in the desk rather than synced from a platform return, and then the connector refuses with a
    :class:`PlatformError` saying so. ``note``: the agent's note with an approval (may be "").
    ``reason``: why a return is declined (always set on a decline by the after-sales service).
    ``reason_code``: the platform's own reason code when one was chosen (Shopify's ``declineReason``,
    Shopee's numeric ``dispute_reason``), else "". ``evidence``: image URLs backing a decline (Shopee).
    """

    kind: ClassVar[str] = "return_decision"
    capability: ClassVar[str] = "returns_decide"
    method: ClassVar[str] = "decide_return"
    verb: ClassVar[str] = "decide this return"

    decision: Literal["approve", "decline"]
    order_external_id: str
    return_external_id: str | None = None
    note: str = ""
    reason: str = ""
    reason_code: str = ""
    evidence: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._check()
        _require_text(self, "order_external_id")
        _optional_text(self, "return_external_id")
        if self.decision not in ("approve", "decline"):
            raise _Invalid(f"ReturnDecision.decision must be 'approve' or 'decline', not {self.decision!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundLine:
    """One order line in a refund: its id on the platform, how many units, and its SKU (for people)."""

    line_external_id: str
    quantity: int
    sku: str = ""

    def __post_init__(self) -> None:
        _require_text(self, "line_external_id")
        if not _is_int(self.quantity) or self.quantity <= 0:
            raise _Invalid(f"RefundLine.quantity must be a positive whole number, not {self.quantity!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Refund(Action):
    """Pay money back to the buyer (capability ``refunds``, method ``refund``).

    ``amount_minor``: the amount in minor units of ``currency`` (ISO 4217), which has ``digits`` digits
    after the point (2 for EUR, 0 for JPY); :attr:`amount` is the same as an exact ``Decimal``.
    ``order_external_id``: the order refunded. ``return_external_id``: the platform's return id when the
    refund settles a platform return (eBay refunds only those), else None. ``lines``: the order lines
    refunded (empty for a partial refund of the order by amount). ``reason``: the agent's reason, may be
    "". ``notify``: whether the platform should tell the buyer.
    """

    kind: ClassVar[str] = "refund"
    capability: ClassVar[str] = "refunds"
    method: ClassVar[str] = "refund"
    verb: ClassVar[str] = "issue this refund"

    order_external_id: str
    amount_minor: int
    currency: str
    digits: int
    return_external_id: str | None = None
    lines: tuple[RefundLine, ...] = ()
    reason: str = ""
    notify: bool = True

    def __post_init__(self) -> None:
        self._check()
        _require_text(self, "order_external_id")
        _optional_text(self, "return_external_id")
        if not _is_int(self.amount_minor) or self.amount_minor < 0:
            raise _Invalid(f"Refund.amount_minor must be a whole number >= 0, not {self.amount_minor!r}")
        if not isinstance(self.currency, str) or len(self.currency) != 3 or not self.currency.isupper():
            raise _Invalid(f"Refund.currency must be an ISO 4217 code such as EUR, not {self.currency!r}")
        if not _is_int(self.digits) or not 0 <= self.digits <= 4:
            raise _Invalid(f"Refund.digits must be 0 to 4, not {self.digits!r}")

    @property
    def amount(self) -> Decimal:
        """The amount in major units, exact: 1999 minor units of EUR are ``Decimal("19.99")``."""
        return Decimal(self.amount_minor).scaleb(-self.digits)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cancellation(Action):
    """Cancel an order (capability ``cancellations``, method ``cancel_order``).

    ``order_external_id``: the order. ``refund``: whether the platform should refund the buyer as part of
    the cancellation (False when the desk refunds in a step of its own). ``restock``: put the units back
    in stock. ``notify``: tell the buyer. ``reason_code``: the platform's cancel reason code if one was
    chosen (Shopify's ``OrderCancelReason``), else "" (the connector picks the buyer's request).
    """

    kind: ClassVar[str] = "cancellation"
    capability: ClassVar[str] = "cancellations"
    method: ClassVar[str] = "cancel_order"
    verb: ClassVar[str] = "cancel this order"

    order_external_id: str
    refund: bool = True
    restock: bool = True
    notify: bool = True
    reason_code: str = ""

    def __post_init__(self) -> None:
        self._check()
        _require_text(self, "order_external_id")


#: kind name (``outbox.kind``) -> action type
ACTIONS: Mapping[str, type[Action]] = types.MappingProxyType(
    {cls.kind: cls for cls in (MessageOut, ReturnDecision, Refund, Cancellation)}
)


def action_type(kind: str) -> type[Action]:
    """The action type stored under ``kind``; :class:`ValueError` for a kind this crossdesk does not know."""
    try:
        return ACTIONS[kind]
    except KeyError:
        raise ValueError(f"unknown outbox kind {kind!r}; known: {', '.join(ACTIONS)}") from None


# ---- serialisation ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def to_json(action: Action) -> str:
    """The stored form of an action: every field, keys sorted, compact JSON (the kind is stored beside it).
    Equal actions give equal text."""
    if not isinstance(action, Action) or type(action) not in ACTIONS.values():
        raise TypeError(f"not an outbox action: {action!r}")
    return orjson.dumps(_plain(action), option=orjson.OPT_SORT_KEYS).decode()


def from_json(kind: str, text: str | bytes) -> Action:
    """Read a stored action back as its type. :class:`ValueError` (one line) when the kind is unknown or
    the payload does not make a valid action of it; fields missing from the payload take their defaults."""
    cls = action_type(kind)
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise ValueError(f"{kind} payload is not JSON") from None
    try:
        return _build(cls, data, kind)
    except _Invalid as exc:
        raise ValueError(f"{kind} payload: {exc}") from None


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise _Invalid(f"{where} must be an object, not {data!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise _Invalid(f"{where} has unknown fields {', '.join(unknown)}")
    missing = sorted(
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in data
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    )
    if missing:
        raise _Invalid(f"{where} lacks {', '.join(missing)}")
    return cls(**{name: _value(hints[name], data[name], f"{where}.{name}") for name in names if name in data})


def _value(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in typing.get_args(tp):
            return None
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return _value(inner, value, where)
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise _Invalid(f"{where} must be one of {typing.get_args(tp)}, not {value!r}")
        return value
    if origin is tuple:
        (inner, _) = typing.get_args(tp)
        if not isinstance(value, list):
            raise _Invalid(f"{where} must be a list, not {value!r}")
        return tuple(_value(inner, v, f"{where}[{i}]") for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, where)
    if tp is int:
        if not _is_int(value):
            raise _Invalid(f"{where} must be a whole number, not {value!r}")
    elif tp is bool:
        if not isinstance(value, bool):
            raise _Invalid(f"{where} must be true or false, not {value!r}")
    elif tp is str and not isinstance(value, str):
        raise _Invalid(f"{where} must be text, not {value!r}")
    return value


# ---- connector protocols, one per capability -------------------------------------------------------


@runtime_checkable
class OrderReader(Protocol):
    """``orders``: orders changed since the cursor, one page at a time."""

    def fetch_orders(self, cursor: str | None) -> Page: ...


@runtime_checkable
class MessageReader(Protocol):
    """``messages_in``: the buyers' messages since the cursor (never the seller's own)."""

    def fetch_messages(self, cursor: str | None) -> Page: ...


@runtime_checkable
class ReturnReader(Protocol):
    """``returns_in``: return requests since the cursor."""

    def fetch_returns(self, cursor: str | None) -> Page: ...


@runtime_checkable
class MessageSender(Protocol):
    """``messages_out``: send one message to a buyer."""

    def send_message(self, action: MessageOut) -> Result: ...


@runtime_checkable
class ReturnDecider(Protocol):
    """``returns_decide``: approve or decline one return request."""

    def decide_return(self, action: ReturnDecision) -> Result: ...


@runtime_checkable
class Refunder(Protocol):
    """``refunds``: pay one refund."""

    def refund(self, action: Refund) -> Result: ...


@runtime_checkable
class Canceller(Protocol):
    """``cancellations``: cancel one order."""

    def cancel_order(self, action: Cancellation) -> Result: ...


@runtime_checkable
class Reconciler(Protocol):
    """Optional, any connector with a write capability: whether ``action`` already happened on the
    platform (after an ambiguous failure or an interrupted send). Returns the result it would have
    returned when found, None when it surely did not happen; raises when it cannot tell now. It must
    identify this very action (by its ``idempotency_key``, its amount, the platform's id), not just a
    state another action may have caused; when it sees something it cannot tell apart from it, it raises
    a :class:`PlatformError` with a ``manual_step`` and the item goes to a person."""

    def find_sent(self, action: Action) -> Result | None: ...


#: capability -> the protocol a connector declaring it implements
PROTOCOLS: Mapping[str, type] = types.MappingProxyType(
    {
        "orders": OrderReader,
        "messages_in": MessageReader,
        "returns_in": ReturnReader,
        "messages_out": MessageSender,
        "returns_decide": ReturnDecider,
        "refunds": Refunder,
        "cancellations": Canceller,
    }
)

#: capability -> the connector method it needs
METHODS: Mapping[str, str] = types.MappingProxyType(
    {
        "orders": "fetch_orders",
        "messages_in": "fetch_messages",
        "returns_in": "fetch_returns",
        "messages_out": "send_message",
        "returns_decide": "decide_return",
        "refunds": "refund",
        "cancellations": "cancel_order",
    }
)


def check_connector(connector: object) -> list[str]:
    """What is wrong with a connector's declaration, one line each (empty when nothing): capabilities
    that are not in :data:`CAPABILITIES`, declared capabilities whose method is missing."""
    declared = getattr(connector, "capabilities", None)
    if not isinstance(declared, frozenset | set):
        return ["capabilities must be a frozenset of capability names"]
    problems = []
    for name in sorted(declared):
        if name not in CAPABILITIES:
            problems.append(f"unknown capability {name!r}; known: {', '.join(sorted(CAPABILITIES))}")
        elif not isinstance(connector, PROTOCOLS[name]):
            problems.append(f"declares {name} but has no {METHODS[name]}() method")
    return problems
