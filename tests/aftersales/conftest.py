from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from crossdesk.models import Actor, Role
from crossdesk.testing import FixedClock, make_desk

DAY = 86400


def epoch(day: dt.date, hour: int = 12) -> int:
    return int(dt.datetime.combine(day, dt.time(hour), dt.UTC).timestamp())


@dataclass
class World:
    desk: object
    clock: FixedClock
    admin: Actor
    agent: Actor
    supervisor: Actor

    def order(
        self,
        platform: str = "ebay",
        *,
        country: str = "DE",
        region: str = "",
        currency: str = "EUR",
        lines=(("SHOE-42", 1, 12900),),
        ordered: dt.date = dt.date(2025, 12, 1),
        delivered: dt.date | None = dt.date(2025, 12, 5),
        buyer: str = "buyer-1",
        external_id: str | None = None,
        config: dict | None = None,
    ) -> int:
        desk = self.desk
        shop = desk.upsert_shop(
            self.admin,
            platform=platform,
            external_id=f"{platform}-shop",
            name=platform,
            country=country,
            currency=currency,
            config=config,
        )
        customer = desk.upsert_customer(
            self.admin,
            platform=platform,
            shop_id=shop,
            external_id=buyer,
            name=buyer,
            country=country,
            region=region,
        )
        self._n = getattr(self, "_n", 0) + 1
        return desk.upsert_order(
            self.admin,
            platform=platform,
            shop_id=shop,
            external_id=external_id or f"ORD-{self._n}",
            customer_id=customer,
            currency=currency,
            ordered_at=epoch(ordered),
            delivered_at=epoch(delivered) if delivered else None,
            country=country,
            region=region,
            lines=[{"sku": sku, "quantity": q, "unit_price_minor": p} for sku, q, p in lines],
        )

    def count(self, table: str) -> int:
        return self.desk.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


@pytest.fixture
def world():
    clock = FixedClock(epoch(dt.date(2025, 12, 10), 9))
    desk = make_desk(clock=clock)
    yield World(
        desk=desk,
        clock=clock,
        admin=Actor.system("admin"),
        agent=Actor("ana", Role.AGENT),
        supervisor=Actor("sam", Role.SUPERVISOR),
    )
    desk.close()
