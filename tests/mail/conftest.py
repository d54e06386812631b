"""A desk with an Amazon and a Shopify shop, the orders the corpus names, and the mail service over a
temporary files directory."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from crossdesk.api import Desk
from crossdesk.models import Actor
from tests.mail.corpus import AMAZON_ORDER, AMAZON_ORDER_2, SHOPIFY_ORDER

ADMIN = Actor.system("test")


@dataclass
class MailDesk:
    desk: Desk
    amazon: int
    shopify: int
    orders: dict[str, int]
    buyers: dict[str, int]

    def shop_ref(self, name: str) -> int:
        return self.amazon if name == "amazon" else self.shopify


@pytest.fixture
def mail_desk(crossdesk_desk: Desk, tmp_path) -> MailDesk:
    desk = crossdesk_desk
    desk.__dict__["mail"] = type(desk.mail)(
        desk.store,
        tickets=desk.tickets,
        customers=desk.customers,
        orders=desk.orders,
        root=tmp_path / "files",
    )
    amazon = desk.upsert_shop(ADMIN, platform="amazon", external_id="A1PA6795UKMFR9", name="Acme DE")
    shopify = desk.upsert_shop(ADMIN, platform="shopify", external_id="acme.myshopify.com", name="Acme Shop")
    orders, buyers = {}, {}
    for shop, number, buyer in (
        (amazon, AMAZON_ORDER, "AMZ-BUYER-1"),
        (amazon, AMAZON_ORDER_2, "AMZ-BUYER-2"),
        (shopify, SHOPIFY_ORDER, "SHOP-BUYER-1"),
    ):
        platform = "amazon" if shop == amazon else "shopify"
        buyers[number] = desk.upsert_customer(
            ADMIN, platform=platform, shop_id=shop, external_id=buyer, name=f"Buyer {buyer}", country="DE"
        )
        orders[number] = desk.upsert_order(
            ADMIN,
            platform=platform,
            shop_id=shop,
            external_id=number,
            customer_id=buyers[number],
            currency="EUR",
            ordered_at=1_765_000_000,
            lines=[{"external_id": "1", "sku": "LAMP-1", "quantity": 1, "unit_price_minor": 4999}],
        )
    return MailDesk(desk, amazon, shopify, orders, buyers)
