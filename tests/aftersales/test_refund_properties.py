"""Whatever order refunds come in, the books hold: never more than paid, no line twice, rows match the case."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossdesk.aftersales import CaseError
from crossdesk.models import Actor, Role
from crossdesk.testing import FixedClock, make_desk

from .conftest import epoch

SKUS = ("A", "B", "C")
PRICES = {"A": 1200, "B": 300, "C": 4500}

step = st.one_of(
    st.tuples(st.just("amount"), st.integers(min_value=-100, max_value=7000)),
    st.tuples(st.just("line"), st.sampled_from(SKUS), st.integers(min_value=1, max_value=3)),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_refund_sequences_keep_the_books(steps):
    desk = make_desk(clock=FixedClock(epoch(dt.date(2025, 12, 10))))
    admin, sup = Actor.system("admin"), Actor("sam", Role.SUPERVISOR)
    shop = desk.upsert_shop(admin, platform="web", external_id="w", name="w", country="FR", currency="EUR")
    order = desk.upsert_order(
        admin,
        platform="web",
        shop_id=shop,
        external_id="O1",
        customer_id=None,
        currency="EUR",
        ordered_at=epoch(dt.date(2025, 12, 1)),
        delivered_at=epoch(dt.date(2025, 12, 5)),
        country="FR",
        lines=[{"sku": s, "quantity": 2 if s == "B" else 1, "unit_price_minor": PRICES[s]} for s in SKUS],
    )
    paid = 1200 + 2 * 300 + 4500
    case = desk.cases.open(admin, type="refund", order_id=order)
    desk.cases.approve(sup, case)
    expected, refunded_lines = 0, set()
    for kind, *args in steps:
        try:
            if kind == "amount":
                desk.cases.refund(sup, case, amount_minor=args[0])
                expected += args[0]
            else:
                sku, qty = args
                desk.cases.refund(sup, case, lines=[{"sku": sku, "quantity": qty}])
                expected += PRICES[sku] * qty
                refunded_lines.add(sku)
        except CaseError:
            pass  # refused: must have written nothing, checked below
        total = desk.db.execute("SELECT COALESCE(SUM(amount_minor), 0) FROM refunds").fetchone()[0]
        assert total == expected <= paid
        assert desk.cases.get(sup, case)["refunded_minor"] == total
        lines = [
            r[0]
            for r in desk.db.execute(
                "SELECT ol.sku FROM refund_lines rl JOIN order_lines ol ON ol.id = rl.order_line_id"
            )
        ]
        assert sorted(lines) == sorted(refunded_lines)  # each line at most once
    desk.close()
