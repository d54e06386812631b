"""A desk wired to one marketplace fake: shop row, credentials in a private environment, sync and outbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from crossdesk.api import Desk
from crossdesk.fakes.amazon import FakeAmazon
from crossdesk.fakes.ebay import FakeEbay
from crossdesk.fakes.marketplace import BASE_TIME, MarketplaceFake
from crossdesk.fakes.shopee import FakeShopee
from crossdesk.fakes.shopify import FakeShopify
from crossdesk.models import Actor
from crossdesk.plugin_manager import plugins_manager
from crossdesk.sync import Connections
from crossdesk.testing import FixedClock

PLATFORM_PLUGINS = ["platform_amazon", "platform_ebay", "platform_shopee", "platform_shopify"]
PLATFORMS = ["amazon", "ebay", "shopee", "shopify"]
ADMIN = Actor.system("test")


@dataclass
class Harness:
    platform: str
    fake: Any
    desk: Desk
    clock: FixedClock
    shop_id: int
    shop_external_id: str
    env: dict[str, str]

    def connections(self) -> Connections:
        return self.desk.sync.connections(env=self.env, credentials_path=_NO_FILE)

    def sync(self, **kw: Any) -> Any:
        with self.connections() as conn:
            [result] = self.desk.sync.engine(conn, **kw).run(platform=self.platform)
        return result

    def dispatch(self, **kw: Any) -> Any:
        kw.setdefault("backoff", 1)
        kw.setdefault("lease", 60)
        with self.connections() as conn:
            return self.desk.sync.dispatcher(conn, **kw).run()

    def count(self, table: str) -> int:
        return self.desk.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def set_config(self, **changes: Any) -> None:
        import orjson

        row = self.desk.db["shops"].get(self.shop_id)
        config = orjson.loads(row["config"])
        config.update(changes)
        self.desk.upsert_shop(
            ADMIN,
            platform=self.platform,
            external_id=self.shop_external_id,
            name=row["name"],
            currency=row["currency"],
            marketplace=row["marketplace"],
            config=config,
        )


from pathlib import Path  # noqa: E402

_NO_FILE = Path("/nonexistent/crossdesk-credentials.toml")


def make_fake(platform: str, orders: int = 12) -> MarketplaceFake:
    return {"amazon": FakeAmazon, "ebay": FakeEbay, "shopee": FakeShopee, "shopify": FakeShopify}[platform](
        orders=orders
    )


def build(platform: str, fake: Any, *, plugins: tuple[str, ...] = (), **config: Any) -> Harness:
    clock = FixedClock(BASE_TIME + 86400)
    pm = plugins_manager(only=[*PLATFORM_PLUGINS, *plugins])
    desk = Desk.memory(pm=pm, clock=clock)
    shop_ext = {
        "amazon": "A1PA6795UKMFR9",
        "ebay": "acme_outlet",
        "shopee": str(getattr(fake, "shop_id", "")),
        "shopify": "acme.myshopify.com",
    }[platform]
    settings = {
        "base_url": fake.base_url,
        "page_size": 5,
        "initial_since": BASE_TIME - 20 * 86400,
        "retry_attempts": 4,
        "backoff": 0.001,
        "max_backoff": 0.01,
        "timeout": 2.0,
    }
    if platform == "amazon":
        settings.update(lwa_url=fake.url("/auth/o2/token"), marketplace_id=fake.marketplace_id)
    if platform == "ebay":
        settings["seller_username"] = fake.seller
    if platform == "shopee":
        settings["seller_email"] = "support@acme.example"
    settings.update(config)
    shop_id = desk.upsert_shop(
        ADMIN,
        platform=platform,
        external_id=shop_ext,
        name=f"Acme {platform}",
        currency="EUR",
        config=settings,
    )
    env = {f"CROSSDESK_{platform.upper()}_{k.upper()}": v for k, v in fake.credentials().items()}
    return Harness(platform, fake, desk, clock, shop_id, shop_ext, env)


@pytest.fixture(params=PLATFORMS)
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    with make_fake(request.param) as fake:
        h = build(request.param, fake)
        yield h
        h.desk.close()


def _one(platform: str) -> Iterator[Harness]:
    with make_fake(platform) as fake:
        h = build(platform, fake)
        yield h
        h.desk.close()


@pytest.fixture
def amazon() -> Iterator[Harness]:
    yield from _one("amazon")


@pytest.fixture
def ebay() -> Iterator[Harness]:
    yield from _one("ebay")


@pytest.fixture
def shopee() -> Iterator[Harness]:
    yield from _one("shopee")


@pytest.fixture
def shopify() -> Iterator[Harness]:
    yield from _one("shopify")
