"""The sync engine with a third-party connector: the duck-typed contract, cursors, shops it cannot sync."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from crossdesk import hookimpl
from crossdesk.api import Desk
from crossdesk.models import Actor, PlatformSpec
from crossdesk.platforms import MessageOut
from crossdesk.plugin_manager import plugins_manager
from crossdesk.sync import to_minor
from crossdesk.testing import FixedClock

ADMIN = Actor.system("test")


@dataclass
class P:  # any object with records, cursor and more will do: connectors need not import crossdesk.sync
    records: list
    cursor: str | None
    more: bool


class Bazaar:
    """A minimal marketplace: orders and messages in pages of two, sends recorded."""

    capabilities = frozenset({"orders", "messages_in", "messages_out"})

    def __init__(self, config: dict, client: Any) -> None:
        self.config = config
        self.sent: list[MessageOut] = []
        self.repeat_forever = config.get("repeat_forever", False)

    def fetch_orders(self, cursor: str | None) -> P:
        start = int(cursor or 0)
        if self.repeat_forever:
            return P([], cursor or "0", True)
        orders = [
            {
                "external_id": f"B{i}",
                "currency": "JPY",
                "total": "1500",
                "ordered_at": 1_700_000_000 + i,
                "lines": [{"sku": f"S{i}", "quantity": 1, "unit_price": "1500"}],
                "customer": {"external_id": f"u{i % 2}", "name": "Sato", "country": "JP"},
            }
            for i in range(start, min(start + 2, 5))
        ]
        nxt = start + len(orders)
        return P(orders, str(nxt), nxt < 5)

    def fetch_messages(self, cursor: str | None) -> P:
        msgs = [
            {
                "thread_id": "t1",
                "external_id": "x1",
                "body": "注文はいつ届きますか?",
                "created_at": 1_700_000_100,
                "customer": {"external_id": "u0"},
                "order_external_id": "B0",
            },
            {
                "thread_id": "t1",
                "external_id": "x1",
                "body": "注文はいつ届きますか?",
                "created_at": 1_700_000_100,
            },
        ]
        return P(msgs, "done", False)

    def send_message(self, action: MessageOut) -> dict:
        self.sent.append(action)
        return {"external_id": f"bz-{len(self.sent)}"}


class BazaarPlugin:
    def __init__(self) -> None:
        self.connectors: list[Bazaar] = []

    def factory(self, config: dict, client: Any) -> Bazaar:
        conn = Bazaar(config, client)
        self.connectors.append(conn)
        return conn

    @hookimpl
    def crossdesk_platforms(self) -> list[PlatformSpec]:
        return [PlatformSpec("bazaar", "Bazaar", self.factory)]


@pytest.fixture
def desk() -> Any:
    plugin = BazaarPlugin()
    d = Desk.memory(pm=plugins_manager(load_entrypoints=False, extra=[plugin]), clock=FixedClock())
    d.plugin = plugin
    d.upsert_shop(ADMIN, platform="bazaar", external_id="b-shop", name="Bazaar JP", currency="JPY")
    yield d
    d.close()


def run(desk: Any, **kw: Any) -> Any:
    with desk.sync.connections(env={}, credentials=lambda p, s: {}) as conn:
        return desk.sync.engine(conn, **kw).run()


def test_third_party_connector_pages_and_dedupes(desk: Any) -> None:
    [result] = run(desk)
    assert result.ok
    assert result.resources["orders"].pages == 3 and result.resources["orders"].new == 5
    assert result.resources["messages"].fetched == 2 and result.resources["messages"].new == 1
    assert result.unsupported == ["returns"]
    # JPY has no minor unit: 1500 yen is 1500, not 150000.
    assert desk.db.execute("SELECT total_minor FROM orders WHERE external_id = 'B1'").fetchone()[0] == 1500
    ticket = desk.db.execute("SELECT order_id, customer_id FROM tickets").fetchone()
    assert ticket[0] is not None and ticket[1] is not None
    cursor = desk.db.execute("SELECT cursor FROM sync_cursors WHERE resource = 'orders'").fetchone()[0]
    assert cursor == "5"


def test_same_page_forever_is_stopped(desk: Any) -> None:
    desk.upsert_shop(
        ADMIN,
        platform="bazaar",
        external_id="b-shop",
        name="Bazaar JP",
        currency="JPY",
        config={"repeat_forever": True},
    )
    [result] = run(desk, max_pages=50)
    assert "same orders page twice" in result.resources["orders"].error


def test_shop_without_plugin_is_skipped_not_failed(desk: Any) -> None:
    desk.upsert_shop(ADMIN, platform="ownshop", external_id="web", name="Own shop")
    results = run(desk)
    own = next(r for r in results if r.platform == "ownshop")
    assert own.skipped == "no installed plugin connects ownshop" and own.ok


def test_outbox_through_third_party_connector(desk: Any) -> None:
    run(desk)
    ticket_id = desk.db.execute("SELECT id FROM tickets").fetchone()[0]
    desk.reply(ADMIN, ticket_id, "明日届きます。")
    with desk.sync.connections(env={}, credentials=lambda p, s: {}) as conn:
        report = desk.sync.dispatcher(conn).run()
    assert len(report.sent) == 1
    [connector] = [c for c in desk.plugin.connectors if c.sent]
    action = connector.sent[0]
    assert isinstance(action, MessageOut)
    assert (
        action.thread_id == "t1"
        and action.buyer_external_id == "u0"
        and action.order_external_id == "B0"
        and action.shop_external_id == "b-shop"
        and action.body == "明日届きます。"
    )
    assert (
        orjson.loads(desk.db.execute("SELECT payload FROM outbox").fetchone()[0])["body"] == "明日届きます。"
    )


def test_reset_starts_over_without_duplicates(desk: Any) -> None:
    run(desk)
    with desk.sync.connections(env={}, credentials=lambda p, s: {}) as conn:
        desk.sync.engine(conn).reset("bazaar", desk.shop_id("bazaar", "b-shop"))
    [result] = run(desk)
    assert result.resources["orders"].fetched == 5 and result.resources["orders"].new == 0
    assert desk.db.execute("SELECT count(*) FROM orders").fetchone()[0] == 5


@pytest.mark.parametrize(
    ("text", "digits", "minor"),
    [("12.30", 2, 1230), ("1500", 0, 1500), ("0.125", 2, 12), ("0.135", 2, 14), ("7", 3, 7000)],
)
def test_to_minor(text: str, digits: int, minor: int) -> None:
    assert to_minor(text, digits) == minor


def test_sync_service_for_the_tui(desk: Any) -> None:
    seen: list[tuple[int, int]] = []
    out = desk.sync.run(
        ADMIN, progress=lambda d, t: seen.append((d, t)), env={}, credentials=lambda p, s: {}
    )
    assert seen == [(1, 1)]
    assert out["shops"][0].ok and out["outbox"].counts()["sent"] == 0
