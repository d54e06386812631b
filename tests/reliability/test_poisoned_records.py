"""Issue 18 item 7: one poisoned marketplace record is rejected and audited; the shop's other orders arrive."""

from __future__ import annotations

import orjson
import pytest

from crossdesk.errors import DeskError
from crossdesk.sync.engine import to_minor


def _rejects(h) -> list[dict]:
    rows = h.desk.db.execute("SELECT after FROM audit WHERE action = 'sync.reject'").fetchall()
    return [orjson.loads(r[0]) for r in rows]


@pytest.mark.parametrize("poison", ["Infinity", "1e999", "-Infinity", "NaN", "12abc"])
def test_a_poisoned_ebay_price_is_rejected_and_the_run_goes_on(ebay, poison):
    bad = ebay.fake.orders[3]
    bad.lines[0].unit_price = poison
    result = ebay.sync()
    orders = {r[0] for r in ebay.desk.db.execute("SELECT external_id FROM orders").fetchall()}
    assert bad.order_id not in orders
    assert orders == {o.order_id for o in ebay.fake.orders} - {bad.order_id}
    rejected = [r for r in _rejects(ebay) if r["resource"] == "orders"]
    assert [r["external_id"] for r in rejected] == [bad.order_id]
    assert result.ok or not result.error  # the shop's sync is not stopped by one record
    # and again next run: still rejected, still the others fine, never a crash
    ebay.sync()
    assert ebay.count("orders") == len(ebay.fake.orders) - 1


def test_a_null_shopee_price_is_a_rejection_not_zero(shopee):
    bad = shopee.fake.orders[2]
    bad.lines[0].unit_price = None
    shopee.sync()
    zero = shopee.desk.db.execute("SELECT COUNT(*) FROM order_lines WHERE unit_price_minor = 0").fetchone()[0]
    assert zero == 0
    orders = {r[0] for r in shopee.desk.db.execute("SELECT external_id FROM orders").fetchall()}
    assert orders == {o.order_id for o in shopee.fake.orders} - {bad.order_id}
    assert [r["external_id"] for r in _rejects(shopee) if r["resource"] == "orders"] == [bad.order_id]


@pytest.mark.parametrize("text", [None, "", "Infinity", "inf", "1e999", "NaN", "9" * 30])
def test_to_minor_refuses_what_is_not_a_storable_amount(text):
    with pytest.raises(DeskError):
        to_minor(text, 2)
