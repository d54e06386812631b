"""The domain model: what a seller's desk is made of, and the types plugins exchange with the core.

**Public** (plugins import it): the enums, ``Actor``, ``Event`` and the plugin contract types
(``PlatformSpec``, ``ReviewSourceSpec``, ``LanguageGuess``, ``Translator``, ``RuleAction``, ``RuleCondition``, ``CAPABILITIES``).

Storage rows are plain dicts (sqlite-utils); these dataclasses are the typed view the services return and
the contract types plugins build. Times are UTC epoch seconds (int); money is integer minor units plus an
ISO 4217 code, never float.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

# ---- enumerations (the int values are the native core's codes: keep them stable) -----------------


class TicketStatus(enum.IntEnum):
    NEW = 0
    OPEN = 1
    PENDING = 2
    ON_HOLD = 3
    SOLVED = 4
    CLOSED = 5

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | int | TicketStatus) -> TicketStatus:
        if isinstance(value, str):
            try:
                return cls[value.strip().upper()]
            except KeyError:
                raise ValueError(
                    f"unknown ticket status {value!r}; expected one of {', '.join(s.label for s in cls)}"
                ) from None
        return cls(int(value))


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD)


#: A ticket's priority level, lowest first: the seller's "how urgent is this" (SLA targets are chosen by
#: it). The ``priority`` column is the queue score, which re-scoring writes.
PRIORITY_LEVELS = ("low", "normal", "high", "urgent")


class Tier(enum.IntEnum):
    """Customer segments sellers use: new, potential, core, high-value."""

    NEW = 0
    POTENTIAL = 1
    CORE = 2
    HIGH_VALUE = 3

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


class Direction(enum.StrEnum):
    IN = "in"  # from the buyer
    OUT = "out"  # to the buyer
    NOTE = "note"  # internal, never sent


class Role(enum.StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    VIEWER = "viewer"  # reads everything, changes nothing


class CaseType(enum.StrEnum):
    RETURN = "return"
    EXCHANGE = "exchange"
    REFUND = "refund"
    CANCELLATION = "cancellation"
    COMPLAINT = "complaint"


#: The platforms the native core knows by code (``platform`` int8 column). Plugins may add others;
#: they score as "other" (code 0).
PLATFORM_CODES: dict[str, int] = {
    "other": 0,
    "amazon": 1,
    "ebay": 2,
    "shopee": 3,
    "shopify": 4,
    "aliexpress": 5,
    "web": 6,
}

# ---- intents (the ``intent`` column of the native score) -------------------------------------------
# Codes are positions in INTENTS; keep them stable (append new intents at the end). The ticket table
# stores the intent *name*; the queue maps names to codes with intent_code (unknown names, including
# intents a plugin invented, get code 0 and add nothing to the score unless the weights say otherwise).

#: (name, default score weight, why). Chargebacks and items not received come first: each can cost the
#: seller the sale plus a fee or an account-health defect; a product question is a sale still to win.
INTENTS: tuple[tuple[str, float, str], ...] = (
    ("", 0.0, "no intent recognised"),
    ("product_question", 1.0, "a sale still to win; answer while the buyer is shopping"),
    ("shipping_status", 1.5, "where-is-my-order: cheap to answer, turns into not-received if ignored"),
    ("item_not_received", 3.5, "A-to-z / INR claims follow within days and count against the account"),
    ("damaged_item", 3.0, "a return or refund is coming; a fast answer keeps it off the public feedback"),
    ("wrong_item", 3.0, "the seller's own error: fix it before it becomes a claim"),
    ("return_request", 2.0, "legal and platform return deadlines run from the request"),
    ("refund_request", 2.5, "money the buyer is waiting for; refund deadlines are short"),
    ("cancellation", 2.5, "only cheap before the parcel ships: time-critical"),
    ("address_change", 2.5, "only possible before dispatch: time-critical"),
    ("exchange", 1.5, "a return with a new sale attached"),
    ("invoice_request", 0.5, "paperwork, rarely urgent"),
    ("complaint", 2.0, "an unhappy buyer who has not yet escalated"),
    ("bad_review_threat", 3.0, "public feedback hurts every future sale"),
    ("legal_threat", 4.5, "consumer-law deadlines and costs; needs a careful, quick answer"),
    ("chargeback_threat", 5.0, "a dispute costs the sale, the fee and a defect on the account"),
    ("praise", -0.5, "nothing to fix; thank them when the queue allows"),
)

INTENT_NAMES: tuple[str, ...] = tuple(name for name, _, _ in INTENTS)
INTENT_CODES: dict[str, int] = {name: code for code, name in enumerate(INTENT_NAMES)}


def intent_code(name: str | None) -> int:
    """The int16 code of an intent name; 0 for none or unknown."""
    return INTENT_CODES.get(name or "", 0)


#: Capabilities a connector may declare (docs/platforms.md).
CAPABILITIES = frozenset(
    {"messages_in", "messages_out", "orders", "returns_in", "returns_decide", "refunds", "cancellations"}
)


# ---- records ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Shop:
    id: int
    platform: str
    external_id: str
    name: str
    country: str = ""
    currency: str = "USD"
    marketplace: str = ""


@dataclass(slots=True)
class Identity:
    """One platform account of a buyer (an Amazon buyer id, an eBay user name, a Shopify customer)."""

    platform: str
    shop_id: int
    external_id: str
    handle: str = ""
    email: str = ""


@dataclass(slots=True)
class Customer:
    id: int
    name: str
    email: str = ""
    phone: str = ""
    country: str = ""
    region: str = ""
    language: str = ""
    tier: Tier = Tier.NEW
    identities: list[Identity] = field(default_factory=list)


@dataclass(slots=True)
class OrderLine:
    id: int
    sku: str
    title: str
    quantity: int
    unit_price_minor: int
    currency: str
    delivered_at: int | None = None


@dataclass(slots=True)
class Order:
    id: int
    platform: str
    shop_id: int
    external_id: str
    customer_id: int | None
    currency: str
    total_minor: int
    ordered_at: int
    status: str = "paid"
    shipped_at: int | None = None
    delivered_at: int | None = None
    tracking_number: str = ""
    carrier: str = ""
    country: str = ""
    lines: list[OrderLine] = field(default_factory=list)


@dataclass(slots=True)
class Message:
    id: int
    ticket_id: int
    direction: Direction
    body: str
    created_at: int
    platform: str = ""
    language: str = ""
    translation: str = ""
    translated_to: str = ""
    author: str = ""


@dataclass(slots=True)
class Ticket:
    id: int
    platform: str
    shop_id: int
    external_id: str
    customer_id: int | None
    subject: str
    status: TicketStatus
    priority: float
    type: str
    created_at: int
    updated_at: int
    order_id: int | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    language: str = ""
    intent: str = ""
    sentiment: float = 0.0
    tier: Tier = Tier.NEW
    escalated: bool = False
    first_reply_due: int | None = None
    next_reply_due: int | None = None
    resolution_due: int | None = None
    sla_due: int | None = None
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Agent:
    id: int
    name: str
    role: Role
    email: str = ""
    languages: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    capacity: int = 20
    active: bool = True
    team_id: int | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs a service call. Every service call carries one; permissions are checked against it."""

    name: str
    role: Role
    agent_id: int | None = None
    #: A custom role (the ``roles`` setting): its name and the permissions it grants, instead of the
    #: matrix row of ``role``. Empty and None for the built-in roles.
    custom_role: str = ""
    permissions: frozenset[str] | None = None

    @property
    def role_name(self) -> str:
        return self.custom_role or self.role.value

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The actor for automation, sync and import run by the desk itself (admin rights)."""
        return cls(name=name, role=Role.ADMIN)

    def __str__(self) -> str:
        return f"{self.name} ({self.role_name})"


@dataclass(frozen=True, slots=True)
class Notification:
    """Something an agent is told (``crossdesk_notify``): ``kind`` is ``assigned`` (a ticket given to
    them), ``sla`` (an SLA about to breach on their ticket) or ``approval`` (a request of theirs decided)."""

    id: int
    agent_id: int
    agent: str
    kind: str
    text: str
    ticket_id: int | None = None
    at: int = 0


@dataclass(frozen=True, slots=True)
class Event:
    """A domain event passed to ``crossdesk_event`` observers and to automation rules."""

    name: str  # ticket_created, message_received, ticket_updated, replied, case_decided, ...
    object_type: str
    object_id: int | None
    actor: str
    at: int
    data: Mapping[str, Any] = field(default_factory=dict)


# ---- plugin contract types -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """Answer of ``crossdesk_detect_language``: an ISO 639-1 code and a confidence in [0, 1]."""

    language: str
    confidence: float
    detector: str = ""


@runtime_checkable
class Connector(Protocol):
    """What a platform factory returns. Declares ``capabilities`` and implements only those methods."""

    capabilities: frozenset[str]


@dataclass(frozen=True, slots=True)
class PlatformSpec:
    """Answer of ``crossdesk_platforms``: one marketplace a plugin connects.

    ``name`` is the platform name shops of it are created with (``desk.shops.upsert(actor,
    platform=name, ...)``); ``factory(config, client) -> Connector`` builds the connector of one shop.
    ``credentials`` declares the secret keys the connector reads from its config: for each, the desk looks
    up ``CROSSDESK_<PLATFORM>_<SHOP>_<KEY>``, then ``CROSSDESK_<PLATFORM>_<KEY>``, then the credentials file
    (docs/internals.md, "Credentials"). A key of the credentials file is passed on even when undeclared;
    the environment is only searched for declared keys, because a name cannot be split back into shop and
    key reliably (shop ids contain underscores).
    """

    name: str
    display_name: str
    factory: Callable[[dict, Any], Connector]
    credentials: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlowOption:
    """One setting a binding flow asks for: ``shops add PLATFORM -o NAME=VALUE``, or ``envvar``."""

    name: str
    help: str = ""
    required: bool = False
    envvar: str = ""


@dataclass(frozen=True)
class BindingFlowSpec:
    """Answer of ``crossdesk_binding_flows``: how a shop of ``platform`` is bound (docs/plugins.md).

    ``build(options)`` receives the options given (strings, by :class:`FlowOption` name; ``base_url`` and
    ``initial_since`` when given) and returns a flow: an object with ``platform``,
    ``consent_url(redirect_uri, state) -> str`` and ``finish(params, redirect_uri, state) -> Bound``
    (:class:`crossdesk.onboarding.Bound`), which the onboarding service walks through the seller's browser.
    """

    platform: str
    display_name: str
    build: Callable[[Mapping[str, Any]], Any]
    options: tuple[FlowOption, ...] = ()


@dataclass(frozen=True)
class ReviewSourceSpec:
    """Answer of ``crossdesk_review_sources``: a reviews app a shop can be attached to (docs/plugins.md).

    ``platforms`` are the shop platforms it serves (a Shopify reviews app: ``("shopify",)``); ``options``
    are what ``crossdesk reviews app SHOP NAME -o KEY=VALUE`` asks for, and ``secrets`` name those of them
    that go to the vault, never the database. ``factory(options, client)`` receives the options (strings,
    the secrets among them, plus ``shop_domain`` and ``base_url`` when known) and an ``httpx.Client`` and
    returns a source: an object with ``fetch_reviews(cursor) -> Page`` whose records have the keys of
    docs/reputation.md ("What is pulled").
    """

    name: str
    display_name: str
    factory: Callable[[Mapping[str, Any], Any], Any]
    options: tuple[FlowOption, ...] = ()
    secrets: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ("shopify",)


@runtime_checkable
class Translator(Protocol):
    name: str
    languages: frozenset[str] | Sequence[str]

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class RuleAction:
    """An extra automation action: ``run(desk, actor, ticket_id, params) -> dict of changes``."""

    name: str
    run: Callable[..., Any]
    description: str = ""


@dataclass(frozen=True, slots=True)
class RuleCondition:
    """An extra rule field: ``value(desk, ticket_row) -> value`` compared with the rule's operator."""

    name: str
    value: Callable[..., Any]
    description: str = ""
