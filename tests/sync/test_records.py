"""The record shapes docs/internals.md documents for connectors: what the sync engine accepts, defaults and
refuses (a refused record is audited and the rest of the page stored)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from crossdesk import hookimpl
from crossdesk.models import PlatformSpec
from crossdesk.testing import ConnectorHarness, make_desk


@dataclass
class Page:
    records: list
    cursor: str | None
    more: bool


class Canned:
    """A connector that returns the records a test put on the plugin, in one page each."""

    capabilities = frozenset({"orders", "messages_in", "returns_in"})

    def __init__(self, plugin: CannedPlugin) -> None:
        self.plugin = plugin

    def fetch_orders(self, cursor: str | None) -> Page:
        return Page(self.plugin.orders, "o", False)

    def fetch_messages(self, cursor: str | None) -> Page:
        return Page(self.plugin.messages, "m", False)

    def fetch_returns(self, cursor: str | None) -> Page:
        return Page(self.plugin.returns, "r", False)


class CannedPlugin:
    def __init__(self) -> None:
        self.orders: list[dict] = []
        self.messages: list[dict] = []
        self.returns: list[dict] = []

    @hookimpl
    def crossdesk_platforms(self) -> list[PlatformSpec]:
        return [PlatformSpec("canned", "Canned", lambda config, client: Canned(self))]


@pytest.fixture
def canned() -> Any:
    plugin = CannedPlugin()
    desk = make_desk(plugin, builtins=False)
    harness = ConnectorHarness(desk, "canned", currency="JPY")
    harness.plugin = plugin
    yield harness
    desk.close()


def _order(external_id: str, **extra: Any) -> dict:
    return {"external_id": external_id, "ordered_at": 1_765_000_000, **extra}


def test_customer_as_dict_as_id_text_or_number(canned: Any) -> None:
    canned.plugin.orders = [
        _order("A", customer={"external_id": "u-1", "name": "Ren", "email": "ren@example.jp"}),
        _order("B", customer="u-2"),
        _order("C", customer=3),
        _order("D", customer={"name": "no id"}),  # no external_id: stored without a buyer
        _order("E", customer=None),
    ]
    canned.plugin.messages = [
        {
            "thread_id": "t",
            "external_id": "m",
            "body": "こんにちは",
            "created_at": 1_765_000_100,
            "customer": "u-2",
        }
    ]
    result = canned.sync()
    assert result.ok and result.resources["orders"].new == 5 and canned.rejected() == []
    buyers = {c["identity"]: c for c in canned.customers()}
    assert set(buyers) == {"u-1", "u-2", "3"} and buyers["u-1"]["email"] == "ren@example.jp"
    by_order = {o["external_id"]: o["customer_id"] for o in canned.orders()}
    assert by_order["B"] == buyers["u-2"]["id"] and by_order["C"] == buyers["3"]["id"]
    assert by_order["D"] is None and by_order["E"] is None
    assert canned.tickets()[0]["customer_id"] == buyers["u-2"]["id"]


def test_a_customer_of_another_type_refuses_that_record_only(canned: Any) -> None:
    canned.plugin.orders = [_order("A", customer=["u-1"]), _order("B")]
    result = canned.sync()
    assert result.ok and result.resources["orders"].new == 1 and result.resources["orders"].rejected == 1
    [bad] = canned.rejected()
    assert bad["external_id"] == "A" and "customer must be a dict or the buyer's id, not list" in bad["error"]


def test_order_defaults_and_refusals(canned: Any) -> None:
    canned.plugin.orders = [
        _order("plain"),  # no lines, no currency, no status
        _order("shipped", status="shipped", lines=[{"sku": "S", "unit_price": "1500"}], currency="JPY"),
        _order("no-sku", lines=[{"quantity": 1, "unit_price": "1"}]),
        _order("zero-qty", lines=[{"sku": "S", "quantity": 0, "unit_price": "1"}]),
        {"external_id": "no-date"},
    ]
    result = canned.sync()
    assert result.resources["orders"].new == 2 and result.resources["orders"].rejected == 3
    orders = {o["external_id"]: o for o in canned.orders()}
    assert orders["plain"]["status"] == "paid" and orders["plain"]["currency"] == "JPY"
    assert orders["plain"]["lines"] == [] and orders["plain"]["total_minor"] == 0
    assert orders["shipped"]["status"] == "shipped" and orders["shipped"]["total_minor"] == 1500
    line = orders["shipped"]["lines"][0]
    assert line["external_id"] == "1" and line["quantity"] == 1  # defaults: position, one unit
    reasons = {r["external_id"]: r["error"] for r in canned.rejected()}
    assert "sku" in reasons["no-sku"] and "quantity 0" in reasons["zero-qty"]
    assert "no order date" in reasons["no-date"]


def test_messages_are_buyer_messages_and_returns_become_cases(canned: Any) -> None:
    canned.plugin.orders = [_order("O", lines=[{"external_id": "L1", "sku": "S", "unit_price": "900"}])]
    canned.plugin.messages = [
        {
            "thread_id": "t-1",
            "external_id": "m-1",
            "body": "返品したいです",
            "created_at": 1_765_000_100,
            "order_external_id": "O",
            "subject": "返品",
            "author": "Ren",
            "language": "ja",
        },
        {
            "thread_id": "t-1",
            "external_id": "m-2",
            "body": "  ",
            "created_at": 1_765_000_200,
        },  # empty: refused
    ]
    canned.plugin.returns = [
        {"external_id": "R-1", "order_external_id": "O", "reason": "size", "comment": "too small",
         "amount": "900", "currency": "JPY", "lines": [{"line_external_id": "L1", "quantity": 1}]},
        {"external_id": "R-2", "order_external_id": "unknown", "reason": "late"},
    ]  # fmt: skip
    result = canned.sync()
    assert result.resources["messages"].new == 1 and result.resources["messages"].rejected == 1
    [ticket] = canned.tickets()
    [message] = ticket["messages"]
    assert message["direction"] == "in" and message["author"] == "Ren" and message["language"] == "ja"
    assert ticket["subject"] == "返品" and ticket["order_id"] == canned.orders()[0]["id"]
    cases = {c["external_id"]: c for c in canned.cases()}
    assert cases["R-1"]["type"] == "return" and cases["R-1"]["reason"] == "size - too small"
    assert cases["R-1"]["requested_minor"] == 900 and len(cases["R-1"]["lines"]) == 1
    assert cases["R-2"]["state"] == "requested" and cases["R-2"]["order_id"] is None


def test_a_message_page_matches_its_buyers_together_as_one_by_one(canned: Any) -> None:
    canned.plugin.orders = [_order("O-1", customer={"external_id": "u-1", "email": "ren@example.jp"})]
    base = {"body": "荷物はどこですか", "created_at": 1_765_000_100}
    canned.plugin.messages = [
        {**base, "thread_id": "t1", "external_id": "m1", "customer": "u-1", "order_external_id": "O-1"},
        # a new identity with the e-mail of u-1's profile joins it, on the same page twice
        {
            **base,
            "thread_id": "t2",
            "external_id": "m2",
            "customer": {"external_id": "u-9", "email": "REN@example.jp"},
        },
        {**base, "thread_id": "t3", "external_id": "m3", "customer": {"external_id": "u-9", "name": "Ren"}},
        {**base, "thread_id": "t4", "external_id": "m4", "customer": ["u-1"]},  # refused, alone
        {
            **base,
            "thread_id": "t5",
            "external_id": "m5",
            "customer": {"external_id": "u-5"},
            "order_external_id": "nope",
        },
        {"thread_id": "t6", "external_id": "m6", "customer": {"external_id": "u-6"}},  # no body: refused
    ]
    result = canned.sync()
    messages = result.resources["messages"]
    assert messages.new == 4 and messages.rejected == 2
    assert sorted(r["external_id"] for r in canned.rejected()) == ["m4", "m6"]
    buyers = {c["identity"]: c for c in canned.customers()}
    assert "u-6" not in buyers  # nothing of a refused record is written
    assert buyers["u-9"]["id"] == buyers["u-1"]["id"] and buyers["u-1"]["name"] == "Ren"
    tickets = {t["external_id"]: t for t in canned.tickets()}
    order = canned.orders()[0]
    assert tickets["t1"]["order_id"] == order["id"] and tickets["t5"]["order_id"] is None
    assert {tickets[t]["customer_id"] for t in ("t1", "t2", "t3")} == {buyers["u-1"]["id"]}
    assert tickets["t5"]["customer_id"] == buyers["u-5"]["id"]
