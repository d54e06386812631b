"""Helpers of the assist tests: a desk pointing at the fake model, and a German damaged-item ticket."""

from __future__ import annotations

from crossdesk.api import Desk
from crossdesk.fakes.llm import LlmFake
from crossdesk.llm import LlmSettings
from crossdesk.models import Actor
from crossdesk.translation import TranslationConfig

ADMIN = Actor.system("tester")
NOW = 1_800_000_000


def make(pm, fake: LlmFake) -> Desk:
    desk = Desk.memory(pm, clock=lambda: NOW)
    desk.llm.configure(LlmSettings(base_url=fake.api_base, model="fake-llm", stream=False, backoff=0.0))
    desk.translation._config = TranslationConfig(agent_language="en", providers=["llm", "offline"])
    return desk


def german_damaged_ticket(desk: Desk, body: str | None = None, *, key: str = "1") -> int:
    shop_id = desk.upsert_shop(
        ADMIN,
        platform="amazon",
        external_id="AMZ-DE",
        name="Acme DE",
        country="DE",
        currency="EUR",
        marketplace="A1PA6795UKMFR9",
    )
    cid = desk.upsert_customer(
        ADMIN,
        platform="amazon",
        shop_id=shop_id,
        external_id=f"buyer-{key}",
        name="Jana Schmidt",
        email=f"jana{key}@example.de",
        country="DE",
        language="de",
    )
    order_id = desk.upsert_order(
        ADMIN,
        platform="amazon",
        shop_id=shop_id,
        external_id=f"302-1234567-765432{key}",
        customer_id=cid,
        currency="EUR",
        ordered_at=NOW - 12 * 86400,
        shipped_at=NOW - 10 * 86400,
        delivered_at=NOW - 2 * 86400,
        tracking_number=f"1Z999AA1012345678{key}",
        carrier="UPS",
        country="DE",
        lines=[{"sku": "LAMP-01", "title": "Desk lamp", "quantity": 1, "unit_price_minor": 8990}],
    )
    ticket_id, _, _ = desk.receive_message(
        ADMIN, platform="amazon", shop_id=shop_id, thread_id=f"T{key}", external_id=f"M{key}",
        body=body or "Hallo, der Artikel kam kaputt an. Das Paket war beschädigt.",
        created_at=NOW - 3600, customer_id=cid, order_id=order_id,
    )  # fmt: skip
    return ticket_id
