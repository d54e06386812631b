"""Issue 18 item 3: refund limits hold in any combination and any currency."""

from __future__ import annotations

import pytest

from crossdesk.errors import PermissionDenied
from crossdesk.models import Actor, Role

from .conftest import ADMIN, AGENT, add_order, refund_case

SUPERVISOR = Actor("sam", Role.SUPERVISOR)


def test_limit_is_cumulative_per_case(desk):
    case = refund_case(desk, add_order(desk, price=20000))
    desk.cases.refund(AGENT, case, amount_minor=4900)
    with pytest.raises(PermissionDenied, match=r"already refunded USD 49\.00"):
        desk.cases.refund(AGENT, case, amount_minor=4900)
    desk.cases.refund(AGENT, case, amount_minor=100)  # exactly the limit, in all
    with pytest.raises(PermissionDenied, match=r"limit of USD 50\.00"):
        desk.cases.refund(AGENT, case, amount_minor=1200)
    refunded = desk.db.execute("SELECT SUM(amount_minor) FROM refunds").fetchone()[0]
    assert refunded == 5000
    assert desk.db.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'refund'").fetchone()[0] == 2


def test_limit_is_cumulative_per_order_across_cases_and_actors(desk):
    order = add_order(desk, price=20000)
    first = refund_case(desk, order)
    second = refund_case(desk, order)
    desk.cases.refund(SUPERVISOR, first, amount_minor=3000)
    with pytest.raises(PermissionDenied, match="ask a supervisor"):
        desk.cases.refund(AGENT, second, amount_minor=3000)
    desk.cases.refund(AGENT, second, amount_minor=2000)
    desk.cases.refund(ADMIN, second, amount_minor=9000)  # no limit
    assert desk.db.execute("SELECT COUNT(*) FROM refunds").fetchone()[0] == 3


@pytest.mark.parametrize("currency", ["NZD", "MNT"])  # XYZ is no currency: refused at upsert (test_import_limits)
def test_a_currency_without_a_rate_needs_a_role_without_limit(desk, currency):
    assert desk.db.execute("SELECT COUNT(*) FROM rates WHERE currency = ?", [currency]).fetchone()[0] == 0
    case = refund_case(desk, add_order(desk, currency=currency, price=9_999_999_900))
    for actor in (AGENT, SUPERVISOR):
        with pytest.raises(PermissionDenied, match=f"no rate for {currency}"):
            desk.cases.refund(actor, case, amount_minor=250000)
    assert desk.db.execute("SELECT COUNT(*) FROM refunds").fetchone()[0] == 0
    assert desk.db.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'refund'").fetchone()[0] == 0
    desk.cases.refund(ADMIN, case, amount_minor=250000)


def test_quote_and_rates_say_when_a_currency_has_no_rate(desk):
    assert desk.rates.known("EUR") and not desk.rates.known("NZD")
    assert desk.rates.usd_minor(250000, "NZD") is None
    assert desk.rates.usd_minor(100, "USD") == 100
