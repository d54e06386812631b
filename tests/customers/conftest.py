"""A small desk of buyers with orders across platforms and currencies, for segments, merges and surveys."""

from __future__ import annotations

import itertools

import pytest

from crossdesk.models import Actor

DAY = 86_400
_seq = itertools.count(1)


class Buyers:
    """Builds buyers with orders on the test desk: ``buyer(...)`` then ``order(...)``."""

    def __init__(self, desk, clock) -> None:
        self.desk = desk
        self.clock = clock
        self.admin = Actor.system("test")
        self.shops: dict[str, int] = {}

    def shop(self, platform: str, config: dict | None = None, key: str = "") -> int:
        name = key or platform
        if name not in self.shops:
            self.shops[name] = self.desk.upsert_shop(
                self.admin,
                platform=platform,
                external_id=f"{name.upper()}-1",
                name=f"Acme {name}",
                **({"config": config} if config else {}),
            )
        return self.shops[name]

    def buyer(
        self,
        platform: str = "shopify",
        *,
        name: str = "",
        email: str = "",
        phone: str = "",
        country: str = "DE",
        language: str = "de",
        shop: str = "",
    ) -> int:
        n = next(_seq)
        return self.desk.upsert_customer(
            self.admin,
            platform=platform,
            shop_id=self.shop(platform, key=shop),
            external_id=f"buyer-{n}",
            name=name or f"Buyer {n}",
            email=email,
            phone=phone,
            country=country,
            language=language,
        )

    def order(
        self,
        customer_id: int,
        *,
        platform: str = "shopify",
        days_ago: float = 10,
        amount_minor: int = 5000,
        currency: str = "EUR",
        shop: str = "",
    ) -> int:
        n = next(_seq)
        return self.desk.upsert_order(
            self.admin,
            platform=platform,
            shop_id=self.shop(platform, key=shop),
            external_id=f"ORD-{n}",
            customer_id=customer_id,
            currency=currency,
            ordered_at=int(self.clock.now - days_ago * DAY),
            lines=[{"sku": "SKU-1", "title": "Lamp", "quantity": 1, "unit_price_minor": amount_minor}],
        )

    def ticket(
        self,
        customer_id: int,
        *,
        platform: str = "shopify",
        order_id: int | None = None,
        body: str = "Hello, where is my parcel?",
        language: str = "en",
    ) -> int:
        n = next(_seq)
        ticket_id, _, _ = self.desk.receive_message(
            self.admin,
            platform=platform,
            shop_id=self.shop(platform),
            thread_id=f"thread-{n}",
            external_id=f"msg-{n}",
            body=body,
            created_at=self.clock.now,
            customer_id=customer_id,
            order_id=order_id,
            language=language,
        )
        return ticket_id


@pytest.fixture
def desk(crossdesk_desk):
    return crossdesk_desk


@pytest.fixture
def admin():
    return Actor.system("test")


@pytest.fixture
def b(crossdesk_desk, crossdesk_clock) -> Buyers:
    return Buyers(crossdesk_desk, crossdesk_clock)
