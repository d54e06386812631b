"""What the four marketplace fakes share: seeded buyers and orders, and paging faults.

Each marketplace fake (``amazon``, ``ebay``, ``shopee``, ``shopify``) is a :class:`FakeServer` that
reproduces its API's paths, auth, paging and error shapes over a neutral seeded data set built here, so a
test can say "the fake holds 23 orders" and check that exactly those 23 arrive in the desk.

Paging faults on top of the base's HTTP faults:

- ``overlap``: every page after the first also repeats the last ``overlap`` records of the page before
  (what offset paging does when records shift during a run); the desk must not store them twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from crossdesk.fakes.server import FakeResponse, FakeServer

#: 2025-12-15 10:00:00 UTC, the same "now" as crossdesk.testing.FIXED_NOW.
BASE_TIME = 1765792800

_NAMES = [
    ("Anna Schmidt", "DE", "de"),
    ("Pierre Martin", "FR", "fr"),
    ("Giulia Rossi", "IT", "it"),
    ("Yuki Tanaka", "JP", "ja"),
    ("Budi Santoso", "ID", "id"),
    ("Maria Silva", "BR", "pt"),
    ("John Smith", "US", "en"),
    ("Nguyen Van An", "VN", "vi"),
]
_TEXTS = [
    "Where is my parcel? It has not arrived yet.",
    "Wo ist mein Paket? Es ist noch nicht angekommen.",
    "Je voudrais retourner cet article, il est abîmé.",
    "Il prodotto è arrivato rotto, vorrei un rimborso.",
    "荷物がまだ届きません。",
    "Barangnya belum sampai, tolong dicek.",
]


@dataclass
class SeedLine:
    line_id: str
    sku: str
    title: str
    quantity: int
    unit_price: str | None  # decimal text in the order currency (None: the platform sends a null price)


@dataclass
class SeedOrder:
    order_id: str
    buyer_id: str
    buyer_name: str
    email: str
    country: str
    currency: str
    created: int
    updated: int
    status: str
    lines: list[SeedLine] = field(default_factory=list)

    @property
    def total(self) -> str:
        from decimal import Decimal, InvalidOperation

        try:
            prices = [Decimal(x.unit_price) * x.quantity for x in self.lines if x.unit_price is not None]
        except InvalidOperation:  # a seeded poison ("12abc") travels as it is
            return next(x.unit_price for x in self.lines if x.unit_price is not None)
        return str(sum(prices, Decimal("0.00")))


@dataclass
class SeedMessage:
    message_id: str
    thread_id: str
    buyer_id: str
    buyer_name: str
    order_id: str
    text: str
    created: int
    from_seller: bool = False


@dataclass
class SeedReturn:
    return_id: str
    order_id: str
    buyer_id: str
    reason: str
    amount: str
    currency: str
    created: int
    state: str = "RETURN_REQUESTED"
    sku: str = ""
    line_id: str = ""
    quantity: int = 1


def seed_orders(
    prefix: str, n: int, *, currency: str = "EUR", seed: int = 7, start: int = BASE_TIME
) -> list[SeedOrder]:
    """``n`` orders, oldest first, updated a few minutes apart before ``start``."""
    rng = random.Random(seed)
    orders = []
    for i in range(n):
        name, country, _ = _NAMES[i % len(_NAMES)]
        created = start - (n - i) * 900
        lines = [
            SeedLine(
                line_id=f"{prefix}L{i}-{j}",
                sku=f"SKU-{rng.randint(100, 999)}",
                title=f"Item {j} of order {i}",
                quantity=rng.randint(1, 3),
                unit_price=f"{rng.randint(5, 120)}.{rng.randint(0, 99):02d}",
            )
            for j in range(1 + i % 2)
        ]
        orders.append(
            SeedOrder(
                order_id=f"{prefix}{1000 + i}",
                buyer_id=f"buyer{i % 6}",
                buyer_name=name,
                email=f"buyer{i % 6}@example.com",
                country=country,
                currency=currency,
                created=created,
                updated=created + 60,
                status="shipped" if i % 3 else "unshipped",
                lines=lines,
            )
        )
    return orders


def seed_messages(orders: list[SeedOrder], per_thread: int = 2) -> list[SeedMessage]:
    """A conversation per buyer with messages about their latest order; a seller reply in each."""
    messages: list[SeedMessage] = []
    threads: dict[str, SeedOrder] = {}
    for order in orders:
        threads[order.buyer_id] = order
    k = 0
    for buyer, order in sorted(threads.items()):
        for j in range(per_thread):
            messages.append(
                SeedMessage(
                    message_id=f"m{k}",
                    thread_id=f"conv-{buyer}",
                    buyer_id=buyer,
                    buyer_name=order.buyer_name,
                    order_id=order.order_id,
                    text=_TEXTS[k % len(_TEXTS)],
                    created=order.created + 600 + j * 300,
                )
            )
            k += 1
        messages.append(
            SeedMessage(
                message_id=f"m{k}",
                thread_id=f"conv-{buyer}",
                buyer_id=buyer,
                buyer_name=order.buyer_name,
                order_id=order.order_id,
                text="Thanks for your message, we are checking.",
                created=order.created + 600 + per_thread * 300,
                from_seller=True,
            )
        )
        k += 1
    return messages


def seed_returns(orders: list[SeedOrder], every: int = 4) -> list[SeedReturn]:
    out = []
    for i, order in enumerate(orders):
        if i % every == 1:
            line = order.lines[0]
            out.append(
                SeedReturn(
                    return_id=f"R{5000 + i}",
                    order_id=order.order_id,
                    buyer_id=order.buyer_id,
                    reason="DEFECTIVE",
                    amount=line.unit_price,
                    currency=order.currency,
                    created=order.updated + 3600,
                    sku=line.sku,
                    line_id=line.line_id,
                )
            )
    return out


class MarketplaceFake(FakeServer):
    """A :class:`FakeServer` holding a seeded shop: orders, messages, returns; plus paging faults."""

    def __init__(self, name: str, *, orders: int = 12, prefix: str = "", currency: str = "EUR") -> None:
        super().__init__(name)
        self.orders = seed_orders(prefix, orders, currency=currency)
        self.messages = seed_messages(self.orders)
        self.returns = seed_returns(self.orders)
        self.overlap = 0
        #: writes the fake carried out: (operation, target, body), to assert nothing was sent twice
        self.actions: list[tuple[str, str, dict]] = []

    @staticmethod
    def _write(h: Any, resp: FakeResponse) -> None:
        # Headers and body in one write: two small writes on one connection meet Nagle's algorithm and
        # the client's delayed ACK, which costs ~40 ms a request and made a 30-call sync take a second.
        try:
            h.send_response(resp.status)
            for key, value in resp.headers.items():
                h.send_header(key, value)
            h.send_header("Content-Length", str(len(resp.body)))
            h._headers_buffer.append(b"\r\n")
            if h.command != "HEAD":
                h._headers_buffer.append(resp.body)
            h.flush_headers()
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True

    def window(self, items: list, offset: int, limit: int) -> list:
        """A page of ``items`` with the configured overlap of the page before it."""
        start = max(0, offset - self.overlap) if offset else 0
        return items[start : offset + limit]

    def actions_of(self, operation: str) -> list[tuple[str, str, dict]]:
        return [a for a in self.actions if a[0] == operation]
