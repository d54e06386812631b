"""The carrier-tracking contract (**public**): what a tracking provider plugin exchanges with the desk.

A plugin returns provider objects from the ``crossdesk_carriers`` hook. A provider follows
:class:`CarrierProvider`: it registers tracking numbers with its service, fetches their state, reports its
quota, and turns a signed webhook body into the same :class:`TrackInfo` records. A provider that sells
return labels also has ``create_return_label`` (:class:`ReturnLabelProvider`).

States are normalised to the eight of :data:`STATES`; every provider maps its own vocabulary onto them.
Times are UTC epoch seconds. Nothing here imports anything of crossdesk but :mod:`crossdesk.models`' layer
below it, so built-in and third-party plugins use it alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

__all__ = [
    "DELIVERED",
    "EXCEPTION",
    "EXPIRED",
    "FAILED_ATTEMPT",
    "INFO_RECEIVED",
    "IN_TRANSIT",
    "OUT_FOR_DELIVERY",
    "RETURNED",
    "STATES",
    "Address",
    "CarrierError",
    "CarrierProvider",
    "NotConfigured",
    "Quota",
    "QuotaExceeded",
    "RateLimited",
    "Registration",
    "ReturnLabel",
    "ReturnLabelProvider",
    "ReturnLabelRequest",
    "TrackEvent",
    "TrackInfo",
    "TrackRequest",
    "WebhookRejected",
]

INFO_RECEIVED = "info_received"
IN_TRANSIT = "in_transit"
OUT_FOR_DELIVERY = "out_for_delivery"
DELIVERED = "delivered"
FAILED_ATTEMPT = "failed_attempt"
EXCEPTION = "exception"
RETURNED = "returned"
EXPIRED = "expired"

#: The normalised states, in the order a parcel usually goes through them.
STATES: tuple[str, ...] = (
    INFO_RECEIVED,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    FAILED_ATTEMPT,
    DELIVERED,
    EXCEPTION,
    RETURNED,
    EXPIRED,
)

#: States after which a parcel is not polled any more.
FINAL_STATES = frozenset({DELIVERED, RETURNED, EXPIRED})


class CarrierError(Exception):
    """A provider call failed; ``retryable`` says whether trying later may succeed."""

    retryable = False

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class NotConfigured(CarrierError):
    """The provider has no credentials (say which variable to set)."""


class QuotaExceeded(CarrierError):
    """The account's tracking quota is spent; nothing more until it resets."""


class RateLimited(CarrierError):
    """Too many requests (HTTP 429); ``reset_at`` is when the provider said to try again."""

    retryable = True

    def __init__(self, message: str, *, reset_at: float | None = None, code: str = "") -> None:
        super().__init__(message, code=code)
        self.reset_at = reset_at


class WebhookRejected(CarrierError):
    """A webhook body whose signature does not match, or that cannot be read."""


@dataclass(frozen=True)
class TrackRequest:
    """A tracking number to register or fetch; ``carrier`` is the provider's code when known."""

    number: str
    carrier: str = ""


@dataclass(frozen=True)
class Registration:
    """What the provider said of one registered number: accepted, or refused with its reason."""

    number: str
    accepted: bool
    carrier: str = ""
    error: str = ""
    code: str = ""
    new: bool = True  # False: registered before, nothing spent of the quota
    retryable: bool = False  # a refusal that may pass later (the quota), not a bad number


@dataclass(frozen=True)
class TrackEvent:
    """One scan: when, what the carrier wrote, where, and the state it implies."""

    at: int
    description: str
    place: str = ""
    state: str = ""


@dataclass(frozen=True)
class TrackInfo:
    """A parcel as the provider knows it now."""

    number: str
    state: str
    carrier: str = ""
    events: tuple[TrackEvent, ...] = ()
    eta: int | None = None  # estimated delivery, epoch seconds (start of the day, UTC)
    substate: str = ""  # the provider's own word, for the agent

    @property
    def last(self) -> TrackEvent | None:
        return max(self.events, key=lambda e: e.at) if self.events else None


@dataclass(frozen=True)
class Quota:
    """How many trackings the account may still register or fetch (None: no known limit)."""

    remaining: int | None
    total: int | None = None
    reset_at: float | None = None


@dataclass(frozen=True)
class Address:
    name: str
    street1: str
    city: str
    zip: str
    country: str
    street2: str = ""
    state: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class ReturnLabelRequest:
    """A return label from the buyer (``from_address``) back to the seller's warehouse."""

    from_address: Address
    to_address: Address
    weight_grams: int
    reference: str = ""  # the case or order, printed on the label
    carrier: str = ""  # a preferred carrier, else the cheapest rate


@dataclass(frozen=True)
class ReturnLabel:
    tracking_number: str
    carrier: str
    label_url: str
    cost_minor: int
    currency: str
    provider_id: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class CarrierProvider(Protocol):
    """A tracking provider (an aggregator such as 17TRACK or AfterShip, or a carrier's own API)."""

    name: str
    #: Environment variables it reads its keys from, e.g. ("CROSSDESK_17TRACK_TOKEN",)
    credentials: tuple[str, ...]
    #: Most numbers one register or fetch call takes.
    batch_size: int

    def configure(self, settings: Mapping[str, str]) -> None:
        """Receive settings (``base_url``) and keys (from the environment, never the database)."""

    def register(self, requests: Sequence[TrackRequest]) -> list[Registration]: ...

    def track(self, requests: Sequence[TrackRequest]) -> list[TrackInfo]: ...

    def quota(self) -> Quota: ...

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[TrackInfo]:
        """Check the signature and read the body; raises :class:`WebhookRejected`."""


@runtime_checkable
class ReturnLabelProvider(Protocol):
    name: str

    def create_return_label(self, request: ReturnLabelRequest) -> ReturnLabel: ...
