"""The demo desk's proportions: how tickets are spread over statuses, ages, reply plans, buyers and tags,
and the small deterministic helpers (cumulative weights, seeded bijections) the generator draws with."""

from __future__ import annotations

import math
from functools import cache

from crossdesk.models import TicketStatus

# Plain ints for the hot loop (comparing IntEnum members costs more).
NEW, OPEN, ON_HOLD, SOLVED = (
    int(s) for s in (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.ON_HOLD, TicketStatus.SOLVED)
)
STATUS = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.PENDING,
    TicketStatus.ON_HOLD,
    TicketStatus.SOLVED,
    TicketStatus.CLOSED,
)
#: Share of each status, per intent (a desk's history is mostly closed; thank-yous rarely stay open).
STATUS_SHARES = {
    "default": (0.12, 0.13, 0.10, 0.04, 0.16, 0.45),
    "complaint": (0.15, 0.20, 0.10, 0.10, 0.15, 0.30),
    "praise": (0.22, 0.04, 0.0, 0.0, 0.30, 0.44),
    "shipping_status": (0.14, 0.14, 0.12, 0.06, 0.14, 0.40),
}
#: Age of the ticket at ``now``, in hours, per status.
AGE_HOURS = {
    TicketStatus.NEW: (0.05, 30),
    TicketStatus.OPEN: (2, 96),
    TicketStatus.PENDING: (6, 144),
    TicketStatus.ON_HOLD: (24, 240),
    TicketStatus.SOLVED: (24, 480),
    TicketStatus.CLOSED: (120, 3600),
}
#: Conversation shapes per status: b buyer, f buyer chasing, r agent reply, a buyer acknowledgement,
#: n internal note. Every conversation has 1-4 messages.
PLANS = {
    TicketStatus.NEW: ((0.75, "b"), (0.25, "bf")),
    TicketStatus.OPEN: ((0.45, "b"), (0.35, "brf"), (0.20, "bf")),
    TicketStatus.PENDING: ((0.70, "br"), (0.15, "brfr"), (0.15, "bfr")),
    TicketStatus.ON_HOLD: ((0.60, "brn"), (0.40, "brfr")),
    TicketStatus.SOLVED: ((0.55, "br"), (0.35, "bra"), (0.10, "bfr")),
    TicketStatus.CLOSED: ((0.55, "br"), (0.35, "bra"), (0.10, "bfr")),
}
GAP_HOURS = {"r": (0.5, 20), "f": (18, 72), "a": (0.2, 10), "n": (0.1, 2)}
#: Tickets per buyer: most write once, a few are regulars.
TICKETS_PER_BUYER = ((0.76, 1), (0.17, 2), (0.05, 3), (0.02, 4))
#: Share of buyers with more than one ticket who wrote from a second platform.
CROSS_PLATFORM = 0.14
HAS_ORDER = {"product_question": 0.25}
TAGS = {
    "damaged_item": "replacement-sent",
    "wrong_item": "exchange",
    "return_request": "return-label-sent",
    "refund_request": "refund-issued",
    "cancellation": "cancelled",
    "complaint": "chargeback-risk",
}
NOTES = (
    "Asked {carrier} to open a trace for {tracking}; waiting for their answer.",
    "Buyer sent photos; claim filed with {carrier}. Waiting for the carrier's decision before refunding.",
    "Checked stock for the replacement: back in the warehouse on Monday. Hold until then.",
    "Escalated to the supervisor: buyer mentions a chargeback.",
)
#: Platforms that pass on the buyer's phone (Shopee masks contact details) or real e-mail address.
GIVES_PHONE = frozenset({"amazon", "ebay", "shopify"})
GIVES_EMAIL = frozenset({"shopify"})


def cum(weights: list[float] | tuple[float, ...]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return [x / total for x in out]


@cache
def multiplier(modulus: int) -> int:
    a = int(modulus * 0.6180339887498949) | 1
    while math.gcd(a, modulus) != 1:
        a += 2
    return a


#: Ordinals stay below this (tickets, buyers and identities of a desk of up to MAX_SIZE tickets).
SPAN = 1 << 22


def seq(ordinal: int, modulus: int, salt: int) -> int:
    """An id in ``[0, modulus)`` that grows with ``ordinal`` (one slot of ``modulus // SPAN`` numbers
    per ordinal, jittered inside it), so ids are unique by construction and arrive nearly sorted: the
    unique indexes on (platform, shop, external id) are appended to rather than split at random places,
    which is most of the bulk-insert cost. Real platforms' ids grow over time too."""
    stride = modulus // SPAN
    jitter = (ordinal * 2654435761 + salt) % stride
    return (salt * 0x9E3779B97F4A7C15 + ordinal * stride + jitter) % modulus


def mix(ordinal: int, modulus: int, salt: int) -> int:
    """A bijection of ``[0, modulus)``: distinct ordinals give distinct, random-looking numbers (the
    multiplier is prime to the modulus and about 0.618 of it, so neighbours land far apart)."""
    return (ordinal * multiplier(modulus) + salt) % modulus


def price_minor(usd: float, rate: float, digits: int, currency: str) -> int:
    """A list price in local currency with the endings sellers use there (x.99, x.90, ¥x80)."""
    local = usd / rate
    if digits == 0:
        step = 100 if currency == "KRW" else 10
        return max(step, round(local / step) * step - (20 if currency == "JPY" else 0))
    if local >= 100:
        whole = round(local)
        return (whole - 1) * 100 + 99 if currency not in ("TWD", "PHP", "THB") else whole * 100
    return int(local) * 100 + (99 if currency != "CHF" else 90)
