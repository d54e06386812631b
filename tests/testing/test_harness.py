"""crossdesk.testing.ConnectorHarness against a third-party-style marketplace written here: a connector that
speaks HTTP to its own fake (an httpx.MockTransport, or a loopback FakeServer), reads its token from the
credentials the desk gives it, and is tested the way a plugin author would test theirs."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from crossdesk import hookimpl
from crossdesk.api import DeskError
from crossdesk.fakes.server import FakeRequest, FakeResponse, FakeServer
from crossdesk.models import Actor, PlatformSpec, Role
from crossdesk.platforms import MessageOut
from crossdesk.testing import ConnectorHarness, make_desk

TOKEN = "kiosk-token-0123456789"
ADMIN = Actor.system("test")


class Page:
    def __init__(self, records: list[dict], cursor: str | None, more: bool) -> None:
        self.records, self.cursor, self.more = records, cursor, more


class KioskConnector:
    """Orders, buyer messages and returns in, messages out, over a small JSON API."""

    capabilities = frozenset({"orders", "messages_in", "returns_in", "messages_out"})

    def __init__(self, config: dict, client: httpx.Client) -> None:
        if not config.get("api_token"):
            raise ValueError("kiosk: missing credential api_token")
        self.client = client
        self.base = str(config.get("base_url") or "https://api.kiosk.example").rstrip("/")
        self.headers = {"Authorization": f"Bearer {config['api_token']}"}
        self.sent: list[dict] = []

    def _get(self, path: str, cursor: str | None) -> Page:
        response = self.client.get(f"{self.base}{path}", params={"after": cursor or ""}, headers=self.headers)
        response.raise_for_status()
        data = response.json()
        return Page(data["items"], data["next"], data["more"])

    def fetch_orders(self, cursor: str | None) -> Page:
        return self._get("/orders", cursor)

    def fetch_messages(self, cursor: str | None) -> Page:
        return self._get("/messages", cursor)

    def fetch_returns(self, cursor: str | None) -> Page:
        return self._get("/returns", cursor)

    def send_message(self, action: MessageOut) -> dict:
        self.sent.append(action)
        response = self.client.post(
            f"{self.base}/threads/{action.thread_id}/messages",
            json={"text": action.body},
            headers=self.headers,
        )
        response.raise_for_status()
        return {"external_id": response.json()["id"]}


class KioskPlugin:
    @hookimpl
    def crossdesk_platforms(self) -> list[PlatformSpec]:
        return [PlatformSpec("kiosk", "Kiosk", KioskConnector, credentials=("api_token",))]


ORDERS = [
    {
        "external_id": f"K-{i}",
        "currency": "EUR",
        "ordered_at": 1_765_000_000 + i,
        "status": "shipped" if i else "paid",
        "total": "25.90",
        "lines": [
            {"external_id": "1", "sku": f"MUG-{i}", "title": "Mug", "quantity": 2, "unit_price": "12.95"}
        ],
        # a customer as a dict: identity on this shop, merged across platforms by e-mail
        "customer": {"external_id": f"buyer-{i}", "name": "Aiko", "email": f"aiko{i}@example.jp"},
    }
    for i in range(3)
] + [{"external_id": "K-bad", "currency": "EUR", "lines": []}]  # no order date: refused, audited
MESSAGES = [
    {
        "thread_id": "th-1",
        "external_id": "m-1",
        "body": "Wo bleibt meine Tasse?",
        "created_at": 1_765_000_100,
        "customer": {"external_id": "buyer-0"},
        "order_external_id": "K-0",
    }
]
RETURNS = [
    {
        "external_id": "R-1",
        "order_external_id": "K-1",
        "reason": "broken",
        "currency": "EUR",
        "amount": "12.95",
        "requested_at": 1_765_000_200,
        "lines": [{"line_external_id": "1", "quantity": 1}],
    }
]


class KioskFake:
    """The plugin's own fake of the Kiosk API, as an httpx handler: pages of two, a bearer token."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.posted: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"error": "bad token"})
        if request.method == "POST":
            self.posted.append({"path": request.url.path, "json": __import__("json").loads(request.content)})
            return httpx.Response(201, json={"id": f"km-{len(self.posted)}"})
        data = {"/orders": ORDERS, "/messages": MESSAGES, "/returns": RETURNS}[request.url.path]
        start = int(request.url.params.get("after") or 0)
        items = data[start : start + 2]
        nxt = start + len(items)
        return httpx.Response(200, json={"items": items, "next": str(nxt), "more": nxt < len(data)})


@pytest.fixture
def desk() -> Any:
    d = make_desk(KioskPlugin(), builtins=False)
    yield d
    d.close()


@pytest.fixture
def fake() -> KioskFake:
    return KioskFake()


def test_sync_stores_orders_tickets_and_cases(desk: Any, fake: KioskFake) -> None:
    harness = ConnectorHarness(
        desk, "kiosk", "acme_kiosk.jp", currency="EUR", credentials={"api_token": TOKEN}, transport=fake
    )
    result = harness.sync()
    assert result.ok and result.resources["orders"].new == 3 and result.resources["orders"].pages == 2
    assert result.resources["messages"].new == 1 and result.resources["returns"].new == 1
    orders = harness.orders()
    assert [o["external_id"] for o in orders] == ["K-0", "K-1", "K-2"]
    assert orders[1]["status"] == "shipped" and orders[1]["total_minor"] == 2590
    assert orders[1]["lines"][0]["sku"] == "MUG-1" and orders[1]["lines"][0]["unit_price_minor"] == 1295
    [ticket] = harness.tickets()
    assert ticket["external_id"] == "th-1" and ticket["order_id"] == orders[0]["id"]
    assert [m["body"] for m in ticket["messages"]] == ["Wo bleibt meine Tasse?"]
    assert ticket["messages"][0]["direction"] == "in" and ticket["language"] == "de"  # core detection ran
    [case] = harness.cases()
    assert case["type"] == "return" and case["external_id"] == "R-1" and case["order_id"] == orders[1]["id"]
    assert case["requested_minor"] == 1295 and case["lines"][0]["quantity"] == 1
    assert {c["identity"] for c in harness.customers()} == {"buyer-0", "buyer-1", "buyer-2"}
    [bad] = harness.rejected()
    assert bad["resource"] == "orders" and bad["external_id"] == "K-bad" and "no order date" in bad["error"]
    assert harness.cursors() == {"orders": "4", "messages": "1", "returns": "1"}
    # A second sync resumes after the stored cursors: nothing new, nothing twice.
    again = harness.sync()
    assert again.resources["orders"].new == 0 and len(harness.orders()) == 3


def test_send_delivers_a_reply_through_the_connector(desk: Any, fake: KioskFake) -> None:
    harness = ConnectorHarness(desk, "kiosk", credentials={"api_token": TOKEN}, transport=fake)
    harness.sync(resources=["orders", "messages"])
    ticket_id = harness.tickets()[0]["id"]
    desk.reply(Actor("ana", Role.AGENT), ticket_id, "Sie ist unterwegs.")
    [item] = harness.outbox()
    assert item["status"] == "pending" and item["kind"] == "message"
    assert item["payload"]["body"] == "Sie ist unterwegs."
    assert isinstance(item["action"], MessageOut) and item["action"].thread_id == "th-1"
    report = harness.send()
    assert report.sent == [item["id"]] and report.failed == [] and report.manual == []
    assert fake.posted == [{"path": "/threads/th-1/messages", "json": {"text": "Sie ist unterwegs."}}]
    assert harness.connector.sent[0].buyer_external_id == "buyer-0"
    assert [i["status"] for i in harness.outbox()] == ["sent"]
    assert harness.outbox("pending") == []
    out = [m for m in harness.messages() if m["direction"] == "out"]
    assert [m["external_id"] for m in out] == ["km-1"]  # the platform's id replaced our placeholder
    assert harness.send().sent == []  # never sent twice


def test_credentials_reach_the_connector_by_the_documented_names(
    desk: Any, fake: KioskFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    harness = ConnectorHarness(desk, "kiosk", "shop-1", credentials={"api_token": TOKEN}, transport=fake)
    assert harness.env == {"CROSSDESK_KIOSK_SHOP_1_API_TOKEN": TOKEN}
    assert harness.sync().ok
    # The platform-wide name works too.
    wide = ConnectorHarness(desk, "kiosk", "shop-2", env={"CROSSDESK_KIOSK_API_TOKEN": TOKEN}, transport=fake)
    assert wide.sync().ok
    # A wrong token: the platform refuses; the error says so without the token.
    wrong = ConnectorHarness(
        desk, "kiosk", "shop-3", credentials={"api_token": "wrong-token-987654"}, transport=fake
    )
    result = wrong.sync()
    assert "401" in result.resources["orders"].error
    assert "wrong-token-987654" not in str(result) and "wrong-token-987654" not in caplog.text
    # None at all: the factory's complaint with the exact names to set.
    missing = ConnectorHarness(desk, "kiosk", "shop-4", transport=fake)
    assert "CROSSDESK_KIOSK_API_TOKEN" in missing.sync().error
    assert TOKEN not in "\n".join(desk.db.conn.iterdump())


def test_a_loopback_server_works_as_the_fake(desk: Any) -> None:
    class KioskServer(FakeServer):
        def __init__(self) -> None:
            super().__init__("kiosk")
            self.add_route("GET", "/orders", self.orders)
            self.add_route("GET", "/messages", self.empty)
            self.add_route("GET", "/returns", self.empty)

        def orders(self, request: FakeRequest) -> FakeResponse:
            return FakeResponse.json({"items": ORDERS[:1], "next": "1", "more": False})

        def empty(self, request: FakeRequest) -> FakeResponse:
            return FakeResponse.json({"items": [], "next": "0", "more": False})

    with KioskServer() as server:
        harness = ConnectorHarness(
            desk, "kiosk", config={"base_url": server.base_url}, credentials={"api_token": TOKEN}
        )
        result = harness.sync()
    assert result.ok and [o["external_id"] for o in harness.orders()] == ["K-0"]
    assert server.requests_to("/orders")[0].header("authorization") == f"Bearer {TOKEN}"


def test_a_platform_no_plugin_declares_is_one_clear_error(desk: Any) -> None:
    expected = r"no registered plugin declares the platform 'kiosque' \(declared: kiosk\)"
    with pytest.raises(DeskError, match=expected):
        ConnectorHarness(desk, "kiosque")


def test_a_config_holding_a_declared_credential_is_refused(desk: Any, fake: KioskFake) -> None:
    with pytest.raises(DeskError, match="the shop config would hold api_token"):
        ConnectorHarness(desk, "kiosk", config={"api_token": TOKEN}, transport=fake)
    assert TOKEN not in "\n".join(desk.db.conn.iterdump())
