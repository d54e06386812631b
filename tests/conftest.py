"""Fixtures shared by the whole suite: crossdesk.testing's desk fixtures, and ``h``, small builders of
shops and tickets from buyer messages (rules, SLA and template tests)."""

from __future__ import annotations

import itertools

import pytest

from crossdesk.models import Actor

pytest_plugins = ["crossdesk.testing"]

_seq = itertools.count(1)


class Helper:
    """Small builders for rule tests: one shop, tickets from buyer messages."""

    def __init__(self, desk, clock) -> None:
        self.desk = desk
        self.clock = clock
        self.admin = Actor.system("test")
        self.shops = {}

    def shop(self, platform: str = "amazon") -> int:
        if platform not in self.shops:
            self.shops[platform] = self.desk.upsert_shop(
                self.admin, platform=platform, external_id=f"{platform.upper()}-1", name=f"Acme {platform}"
            )
        return self.shops[platform]

    def ticket(
        self,
        body: str = "Hello",
        *,
        platform: str = "amazon",
        language: str = "en",
        order: bool = False,
        **kw,
    ):
        shop_id = self.shop(platform)
        n = next(_seq)
        order_id = None
        customer_id = self.desk.upsert_customer(
            self.admin,
            platform=platform,
            shop_id=shop_id,
            external_id=f"buyer-{n}",
            name=f"Buyer {n}",
            country="DE",
        )
        if order:
            order_id = self.desk.upsert_order(
                self.admin,
                platform=platform,
                shop_id=shop_id,
                external_id=f"ORD-{n}",
                customer_id=customer_id,
                currency="EUR",
                ordered_at=self.clock.now - 86400,
                tracking_number=kw.pop("tracking", f"TRK{n}"),
                carrier="DHL",
                lines=[
                    {"sku": kw.pop("sku", "SKU-1"), "title": "Lamp", "quantity": 1, "unit_price_minor": 4999}
                ],
            )
        ticket_id, _, _ = self.desk.receive_message(
            self.admin,
            platform=platform,
            shop_id=shop_id,
            thread_id=f"thread-{n}",
            external_id=f"msg-{n}",
            body=body,
            created_at=self.clock.now,
            customer_id=customer_id,
            order_id=order_id,
            language=language,
        )
        return ticket_id

    def message(self, ticket_id: int, body: str) -> int:
        row = self.desk.db.execute(
            "SELECT platform, shop_id, external_id FROM tickets WHERE id = ?", [ticket_id]
        ).fetchone()
        _, message_id, _ = self.desk.receive_message(
            self.admin,
            platform=row[0],
            shop_id=row[1],
            thread_id=row[2],
            external_id=f"msg-{next(_seq)}",
            body=body,
            created_at=self.clock.now,
        )
        return message_id

    def rules(self, *rules: dict) -> list[int]:
        return self.desk.rules.save(self.admin, list(rules))

    def tags(self, ticket_id: int) -> list[str]:
        return self.desk.tags(ticket_id)

    def firings(self, ticket_id: int | None = None, rule: str | None = None) -> list[dict]:
        rows = self.desk.rules.firings(self.admin, ticket_id)
        return [r for r in rows if rule is None or r["rule_name"] == rule]


@pytest.fixture
def h(crossdesk_desk, crossdesk_clock) -> Helper:
    return Helper(crossdesk_desk, crossdesk_clock)
