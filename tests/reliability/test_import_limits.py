"""Issue 18 item 8: import refuses poisoned numbers, impossible times, unknown currencies and oversize
replies line by line (the good lines of the batch are kept), and operators get one-line errors."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from crossdesk.api import Desk, DeskError
from crossdesk.cli import cli
from crossdesk.io import export_jsonl, import_jsonl
from crossdesk.models import Actor
from crossdesk.tickets import MAX_BODY_CHARS
from tests.reliability.conftest import add_order

ADMIN = Actor.system("admin")
BIG = 2**63  # one above the largest SQLite integer

SHOP = {"type": "shop", "platform": "ebay", "external_id": "s", "name": "S", "currency": "EUR"}
CUSTOMER = {"type": "customer", "platform": "ebay", "shop": "s", "external_id": "c"}
MESSAGE = {
    "type": "message",
    "platform": "ebay",
    "shop": "s",
    "thread_id": "t1",
    "external_id": "m1",
    "created_at": "2026-11-05T09:00:00Z",
    "customer": "c",
    "body": "Hallo, wo bleibt meine Bestellung?",
}


def order(ext: str, **kw) -> dict:
    record = {
        "type": "order",
        "platform": "ebay",
        "shop": "s",
        "external_id": ext,
        "customer": "c",
        "currency": "EUR",
        "ordered_at": "2026-11-01T10:00:00Z",
        "lines": [{"sku": "X", "quantity": 1, "unit_price_minor": 1999}],
    }
    record.update(kw)
    return record


def jsonl(*records: dict) -> io.BytesIO:
    # json, not orjson: orjson refuses to write integers above 64 bits, which is the point here
    return io.BytesIO(b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records))


def orders(desk: Desk) -> set[str]:
    return {r[0] for r in desk.db.execute("SELECT external_id FROM orders")}


BAD_ORDERS = {
    "price": order("price", lines=[{"sku": "X", "quantity": 1, "unit_price_minor": BIG}]),
    "product": order("product", lines=[{"sku": "X", "quantity": 4, "unit_price_minor": 2**62}]),
    "total": order("total", total_minor=BIG * 4),
    "negative": order("negative", total_minor=-500),
    "negative_price": order("negative_price", lines=[{"sku": "X", "quantity": 1, "unit_price_minor": -1}]),
    "future": order("future", ordered_at=10**15),
    "past": order("past", ordered_at=-(10**12)),
    "line_time": order("line_time", lines=[{"sku": "X", "unit_price_minor": 1, "delivered_at": 10**15}]),
    "iso_far": order("iso_far", shipped_at="9999-12-31T23:59:59Z"),
    "xyz": order("xyz", currency="XYZ"),
    "umlaut": order("umlaut", currency="ÄÖÜ"),
    "lower": order("lower", currency="eur"),
}


@pytest.mark.parametrize("batch", [2000, 1])
def test_poisoned_orders_are_line_errors_and_the_good_lines_stay(desk, batch):
    records = [SHOP, CUSTOMER, order("good1")]
    for bad in BAD_ORDERS.values():
        records += [bad, order(f"after-{bad['external_id']}")]
    report = import_jsonl(desk, ADMIN, jsonl(*records), batch=batch)
    bad = dict(report.bad)
    assert len(bad) == len(BAD_ORDERS), report.bad
    for n, name in enumerate(BAD_ORDERS):
        assert bad[4 + 2 * n].startswith(f"order {name}: "), bad[4 + 2 * n]
    assert orders(desk) == {"good1", *(f"after-{name}" for name in BAD_ORDERS)}
    reasons = " | ".join(bad.values())
    assert "OverflowError" not in reasons and "too large to convert" not in reasons
    assert "ISO 4217" in bad[4 + 2 * list(BAD_ORDERS).index("xyz")]
    assert "negative" in bad[4 + 2 * list(BAD_ORDERS).index("negative")]
    # nothing impossible went in, so the export of the whole desk still works
    out = io.BytesIO()
    export_jsonl(desk, ADMIN, out)
    assert out.getvalue().count(b'"type":"order"') == 1 + len(BAD_ORDERS)


def test_impossible_message_times_are_line_errors(desk):
    far = {**MESSAGE, "external_id": "m-far", "thread_id": "t2", "created_at": 10**15}
    report = import_jsonl(desk, ADMIN, jsonl(SHOP, CUSTOMER, far, MESSAGE))
    assert [n for n, _ in report.bad] == [3]
    assert "created_at" in report.bad[0][1]
    out = io.BytesIO()
    export_jsonl(desk, ADMIN, out)
    assert b'"m1"' in out.getvalue()


def test_a_shop_with_an_unknown_currency_is_refused(desk):
    report = import_jsonl(desk, ADMIN, jsonl({**SHOP, "currency": "XYZ"}, {**SHOP, "external_id": "ok"}))
    assert [n for n, _ in report.bad] == [1]
    assert desk.db.execute("SELECT external_id FROM shops").fetchall() == [("ok",)]


def test_replies_and_notes_over_the_cap_are_refused(desk):
    huge = "x" * (MAX_BODY_CHARS + 1)
    reply = {**MESSAGE, "external_id": "r1", "direction": "out", "body": huge}
    note = {**MESSAGE, "external_id": "n1", "direction": "note", "body": huge}
    report = import_jsonl(desk, ADMIN, jsonl(SHOP, CUSTOMER, MESSAGE, reply, note))
    assert [n for n, _ in report.bad] == [4, 5]
    ticket = desk.db.execute("SELECT id FROM tickets").fetchone()[0]
    with pytest.raises(DeskError, match="limit"):
        desk.reply(ADMIN, ticket, huge)
    with pytest.raises(DeskError, match="limit"):
        desk.add_note(ADMIN, ticket, huge)
    assert desk.db.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
    assert desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


def test_a_search_with_nul_is_a_clear_error(desk):
    with pytest.raises(DeskError, match="NUL"):
        desk.list_tickets(ADMIN, search="refund\x00now")


def test_cases_open_with_a_huge_quantity_is_one_line(tmp_path):
    path = tmp_path / "desk.db"
    d = Desk.open(path)
    order_id = add_order(d)
    d.close()
    result = CliRunner().invoke(
        cli,
        [
            "cases",
            "open",
            "--db",
            str(path),
            "--order",
            str(order_id),
            "--item",
            "SKU-1:99999999999999999999",
        ],
    )
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "quantity" in result.output


def test_the_services_refuse_what_import_refuses(desk):
    """The API and sync paths (desk.upsert_order, desk.intake.orders) hold the same limits."""
    from tests.reliability.conftest import add_order as order_of

    with pytest.raises(DeskError, match="ISO 4217"):
        order_of(desk, currency="XYZ")
    with pytest.raises(DeskError, match="price x quantity"):
        order_of(desk, price=2**62, qty=4, n=2)
    shop = desk.shop_id("shopify", "shopify-us")
    rows = [
        {
            "platform": "shopify",
            "shop_id": shop,
            "external_id": f"bulk-{n}",
            "currency": "USD",
            "ordered_at": 1_790_000_000,
            "lines": [{"sku": "A", "quantity": 1, "unit_price_minor": 100}],
            "total_minor": total,
        }
        for n, total in enumerate((2**70, -1, 100))
    ]
    results = desk.intake.orders(ADMIN, rows)
    assert isinstance(results[0], DeskError) and isinstance(results[1], DeskError)
    assert not isinstance(results[2], Exception)
    assert desk.db.execute("SELECT count(*) FROM orders WHERE external_id LIKE 'bulk-%'").fetchone()[0] == 1


def test_export_goes_on_past_a_time_stored_before_the_fix(desk):
    import_jsonl(desk, ADMIN, jsonl(SHOP, CUSTOMER, MESSAGE, order("o1")))
    desk.db.execute("UPDATE messages SET created_at = ?", [10**15])  # as an earlier version let in
    desk.db.execute("UPDATE orders SET ordered_at = ?", [-(10**12)])
    out = io.BytesIO()
    export_jsonl(desk, ADMIN, out)
    assert b'"created_at":1000000000000000' in out.getvalue()
    again = import_jsonl(desk, ADMIN, io.BytesIO(out.getvalue()))
    assert {n for n, _ in again.bad} == {3, 4}  # the order and the message, by line, the rest imports
