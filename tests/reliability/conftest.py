"""Fixtures of the reliability tests: a desk with an eBay order and a case, in memory or on a file."""

from __future__ import annotations

import datetime as dt

import pytest

from crossdesk.api import Desk
from crossdesk.models import Actor, Role
from crossdesk.testing import FixedClock, make_desk

ADMIN = Actor.system("admin")
AGENT = Actor("ana", Role.AGENT)


def epoch(day: dt.date, hour: int = 12) -> int:
    return int(dt.datetime.combine(day, dt.time(hour), dt.UTC).timestamp())


def add_order(
    desk, *, currency: str = "USD", price: int = 10000, qty: int = 1, n: int = 1, platform: str = "shopify"
):
    shop_id = desk.upsert_shop(
        ADMIN, platform=platform, external_id=f"{platform}-us", name=platform, country="US", currency="USD"
    )
    customer = desk.upsert_customer(
        ADMIN, platform=platform, shop_id=shop_id, external_id=f"b{n}", country="US"
    )
    return desk.upsert_order(
        ADMIN,
        platform=platform,
        shop_id=shop_id,
        external_id=f"O{n}-{currency}",
        customer_id=customer,
        currency=currency,
        ordered_at=epoch(dt.date(2025, 12, 1)),
        delivered_at=epoch(dt.date(2025, 12, 5)),
        country="US",
        lines=[{"sku": "SKU-1", "quantity": qty, "unit_price_minor": price}],
    )


def refund_case(desk, order_id: int) -> int:
    """A refund-type case (a Shopify refund is an outbox action), approved: ready to be refunded without goods coming back."""
    case = desk.cases.open(ADMIN, type="refund", order_id=order_id, items=[{"sku": "SKU-1"}])
    desk.cases.approve(ADMIN, case)
    return case


@pytest.fixture
def clock():
    return FixedClock(epoch(dt.date(2025, 12, 10), 9))


@pytest.fixture
def desk(clock):
    d = make_desk(clock=clock)
    yield d
    d.close()


@pytest.fixture
def desk_file(tmp_path):
    path = tmp_path / "desk.db"
    d = Desk.open(path)
    order = add_order(d)
    case = refund_case(d, order)
    d.close()
    return path, case


@pytest.fixture
def ebay():
    from tests.sync.conftest import _one

    yield from _one("ebay")


@pytest.fixture
def shopee():
    from tests.sync.conftest import _one

    yield from _one("shopee")


@pytest.fixture
def shopify():
    from tests.sync.conftest import _one

    yield from _one("shopify")


@pytest.fixture
def amazon():
    from tests.sync.conftest import _one

    yield from _one("amazon")
