"""Orders are checked once on import (issue 16): the record's checks stand for those of
``OrderService.upsert``, and the bulk path stores exactly what the one-record service call stores, odd
values included, and refuses exactly what it refuses."""

from __future__ import annotations

import orjson
import pytest

from crossdesk.api import Desk
from crossdesk.io import import_jsonl
from crossdesk.io.importer import Importer
from crossdesk.models import Actor

NOW = 1_795_000_000
ADMIN = Actor.system("test")

SHOP = {"type": "shop", "platform": "shopify", "external_id": "s1", "name": "Acme", "currency": "EUR"}
BUYER = {"type": "customer", "platform": "shopify", "shop": "s1", "external_id": "b1", "name": "Anna"}


def _order(ext: str, **fields) -> dict:
    record = {
        "type": "order",
        "platform": "shopify",
        "shop": "s1",
        "external_id": ext,
        "currency": "EUR",
        "ordered_at": "2026-11-20T08:15:00Z",
        "lines": [{"sku": "MUG-1", "quantity": 2, "unit_price_minor": 1250}],
    }
    record.update(fields)
    return record


ORDERS = [
    _order("o1"),
    _order("  o2  ", customer="b1", status="", country="de", region="by", total_minor=999),
    _order(
        "o3",
        status="shipped",
        shipped_at=1_790_000_000,
        delivered_at="2026-11-25T10:00:00",
        tracking_number="1Z",
        carrier="ups",
        lines=[
            {"sku": " CUP-2 ", "title": "Cup", "external_id": "L9", "quantity": 1, "unit_price_minor": 0},
            {"sku": "MUG-1", "unit_price_minor": 700, "delivered_at": 1_791_000_000},
        ],
    ),
    _order("o4", lines=[{"sku": "MUG-1", "quantity": 0, "unit_price_minor": 100}]),  # refused
    _order("o5", lines=[{"sku": "  ", "unit_price_minor": 100}]),  # refused: no SKU
    _order("o6", currency="eur"),  # refused: not a code as given
    _order("o7", total_minor=-1),  # refused
    _order("o8", lines=[{"sku": "X", "quantity": 2, "unit_price_minor": 2**62}]),  # refused: too large
    _order("o1", status="refunded"),  # an update of the first
]


def _state(desk: Desk) -> list:
    db = desk.db
    return [
        db.execute("SELECT * FROM orders ORDER BY id").fetchall(),
        db.execute("SELECT * FROM order_lines ORDER BY id").fetchall(),
        db.execute(
            "SELECT action, object_type, object_id, before, after FROM audit WHERE action LIKE 'order.%' "
            "ORDER BY id"
        ).fetchall(),
    ]


def test_bulk_orders_store_what_the_service_stores_and_refuse_what_it_refuses(tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in [SHOP, BUYER, *ORDERS]) + b"\n")
    bulk = Desk.memory(clock=lambda: NOW)
    report = import_jsonl(bulk, ADMIN, path)
    one = Desk.memory(clock=lambda: NOW)
    importer = Importer(one, ADMIN)
    refused = []
    for number, record in enumerate([SHOP, BUYER, *ORDERS], 1):
        try:
            with one.tx():
                importer.apply(record)
        except ValueError:  # RecordError and DeskError alike
            refused.append(number)
    assert [n for n, _ in report.bad] == refused == [6, 7, 8, 9, 10]
    assert report.added["order"] == 3 and report.updated["order"] == 1
    assert _state(bulk) == _state(one)
    orders = bulk.db.execute("SELECT external_id, status, country, total_minor FROM orders").fetchall()
    assert [tuple(o) for o in orders] == [
        ("o1", "refunded", "", 2500),
        ("o2", "paid", "DE", 999),
        ("o3", "shipped", "", 700),
    ]


@pytest.mark.parametrize("checked", [False, True])
def test_intake_orders_takes_checked_rows_as_they_are(checked):
    desk = Desk.memory(clock=lambda: NOW)
    shop = desk.upsert_shop(ADMIN, platform="shopify", external_id="s1", name="Acme")
    line = {"external_id": "1", "sku": "MUG-1", "title": "", "quantity": 2, "unit_price_minor": 1250}
    row = {
        "platform": "shopify",
        "shop_id": shop,
        "external_id": "o1",
        "customer_id": None,
        "status": "paid",
        "currency": "EUR",
        "ordered_at": NOW,
        "lines": [line],
    }
    if checked:
        row = {
            **row,
            "total_minor": 2500,
            "shipped_at": None,
            "delivered_at": None,
            "tracking_number": "",
            "carrier": "",
            "country": "",
            "region": "",
            "lines": [{**line, "currency": "EUR", "delivered_at": None}],
        }
    [(order_id, outcome)] = desk.intake.orders(ADMIN, [row], checked=checked)
    assert outcome == "added"
    assert desk.db.execute("SELECT total_minor FROM orders WHERE id = ?", [order_id]).fetchone()[0] == 2500
    assert desk.db.execute("SELECT count(*) FROM order_lines").fetchone()[0] == 1
