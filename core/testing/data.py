"""Fixture data for plugin tests: six shops on four marketplaces, buyers in five countries and languages,
an order and a conversation each, and three agents. :func:`seed` fills a desk with them."""

from __future__ import annotations

from dataclasses import dataclass, field

from crossdesk.api import Desk
from crossdesk.models import Actor, Role


@dataclass
class Seeded:
    """Ids of the fixture data :func:`seed` created."""

    shops: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    tickets: dict[str, int] = field(default_factory=dict)
    agents: dict[str, int] = field(default_factory=dict)


DAY = 86400

# (key, platform, shop, buyer, country, region, language, e-mail, phone, order currency, price minor, sku, text)
_FIXTURE = [
    (
        "de_wismo",
        "amazon",
        "AMZ-DE",
        "Jana Schmidt",
        "DE",
        "BY",
        "de",
        "jana.schmidt@example.de",
        "+49 151 23456789",
        "EUR",
        4999,
        "HD-200-BLK",
        "Hallo, wo ist mein Paket? Bestellung seit 10 Tagen unterwegs.",
    ),
    (
        "fr_broken",
        "amazon",
        "AMZ-FR",
        "Camille Martin",
        "FR",
        "",
        "fr",
        "camille.martin@example.fr",
        "+33 6 12 34 56 78",
        "EUR",
        8990,
        "LAMP-01",
        "Bonjour, la lampe est arrivée cassée. Je veux un remboursement.",
    ),
    (
        "us_return",
        "ebay",
        "EBAY-US",
        "Mike Johnson",
        "US",
        "CA",
        "en",
        "mike.j@example.com",
        "+1 415 555 0134",
        "USD",
        12900,
        "SHOE-42",
        "Hi, the shoes are the wrong size. I want to return them.",
    ),
    (
        "jp_question",
        "shopee",
        "SHOPEE-SG",
        "佐藤 花子",
        "JP",
        "",
        "ja",
        "hanako@example.jp",
        "+81 90-1234-5678",
        "SGD",
        3500,
        "CASE-IP15",
        "この商品は iPhone 15 に対応していますか？",
    ),
    (
        "de_angry",
        "ebay",
        "EBAY-DE",
        "Jana Schmidt",
        "DE",
        "BY",
        "de",
        "jana.schmidt@example.de",
        "",
        "EUR",
        2599,
        "CABLE-2M",
        "Das ist eine Frechheit! Wenn ich mein Geld nicht bekomme, mache ich eine Rückbuchung.",
    ),
    (
        "br_refund",
        "shopify",
        "SHOPIFY-WEB",
        "João Silva",
        "BR",
        "SP",
        "pt",
        "joao.silva@example.com.br",
        "+55 11 91234-5678",
        "BRL",
        19990,
        "BAG-RED",
        "Olá, quero cancelar o pedido e receber o reembolso.",
    ),
]

_SHOPS = {
    "AMZ-DE": ("amazon", "Acme Amazon DE", "DE", "EUR", "A1PA6795UKMFR9"),
    "AMZ-FR": ("amazon", "Acme Amazon FR", "FR", "EUR", "A13V1IB3VIYZZH"),
    "EBAY-US": ("ebay", "acme-outlet (eBay US)", "US", "USD", "EBAY_US"),
    "EBAY-DE": ("ebay", "acme-outlet (eBay DE)", "DE", "EUR", "EBAY_DE"),
    "SHOPEE-SG": ("shopee", "Acme Official SG", "SG", "SGD", "SG"),
    "SHOPIFY-WEB": ("shopify", "acme-store.myshopify.com", "US", "USD", ""),
}


def seed(desk: Desk, actor: Actor | None = None) -> Seeded:
    """Fill ``desk`` with a small multi-platform, multilingual desk: six shops, buyers in five countries
    (one buyer on two platforms, merged by e-mail), an order and a conversation each, and three agents
    (agent, supervisor, admin)."""
    actor = actor or Actor.system("fixture")
    out = Seeded()
    now = desk.now()
    for key, (platform, name, country, currency, marketplace) in _SHOPS.items():
        out.shops[key] = desk.upsert_shop(
            actor,
            platform=platform,
            external_id=key,
            name=name,
            country=country,
            currency=currency,
            marketplace=marketplace,
        )
    for i, (
        key,
        platform,
        shop,
        buyer,
        country,
        region,
        lang,
        email,
        phone,
        currency,
        price,
        sku,
        text,
    ) in enumerate(_FIXTURE):
        shop_id = out.shops[shop]
        cid = desk.upsert_customer(
            actor,
            platform=platform,
            shop_id=shop_id,
            external_id=f"buyer-{key}",
            name=buyer,
            email=email,
            phone=phone,
            country=country,
            region=region,
            language=lang,
        )
        out.customers[key] = cid
        out.orders[key] = desk.upsert_order(
            actor,
            platform=platform,
            shop_id=shop_id,
            external_id=f"ORD-{1000 + i}",
            customer_id=cid,
            currency=currency,
            ordered_at=now - 12 * DAY,
            shipped_at=now - 10 * DAY,
            delivered_at=now - 6 * DAY,
            tracking_number=f"TRK{1000 + i}",
            carrier="DHL",
            country=country,
            region=region,
            lines=[
                {"sku": sku, "title": sku.replace("-", " ").title(), "quantity": 1, "unit_price_minor": price}
            ],
        )
        ticket_id, _, _ = desk.receive_message(
            actor,
            platform=platform,
            shop_id=shop_id,
            thread_id=f"thread-{key}",
            external_id=f"msg-{key}-1",
            body=text,
            created_at=now - (6 - i) * 3600,
            customer_id=cid,
            order_id=out.orders[key],
            language=lang,
        )
        out.tickets[key] = ticket_id
    for name, role, langs in (
        ("ana", Role.AGENT, ["en", "de", "es"]),
        ("sam", Role.SUPERVISOR, ["en", "fr"]),
        ("root", Role.ADMIN, ["en"]),
    ):
        out.agents[name] = desk.create_agent(actor, name, role=role, languages=langs)
    return out
