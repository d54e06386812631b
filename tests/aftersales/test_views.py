"""What a front end shows of after-sales (crossdesk.aftersales.views): an order's cases with the steps an
actor may take, which steps a role may take at all, and the refund quote."""

from __future__ import annotations

import pytest

from crossdesk.aftersales import CaseError, views
from crossdesk.errors import NotFound, PermissionDenied
from crossdesk.models import Role
from crossdesk.store import permissions


def open_return(world, order=None, **kw) -> int:
    order = order if order is not None else world.order()
    return world.desk.cases.open(world.agent, type="return", order_id=order, items=[{"sku": "SHOE-42"}], **kw)


def test_permitted_actions_follow_the_permission_matrix():
    agent = views.permitted_actions(Role.AGENT)
    supervisor = views.permitted_actions(Role.SUPERVISOR)
    assert "approve" not in agent and "decline" not in agent
    assert {"open", "receive", "refund", "close"} <= agent
    assert {"approve", "decline"} <= supervisor
    assert views.permitted_actions(Role.ADMIN) == frozenset(views.PERMISSIONS)


@pytest.mark.parametrize(
    ("role", "case", "expected"),
    [
        (Role.SUPERVISOR, {"state": "requested", "type": "return"}, {"approve", "decline", "flag"}),
        (Role.AGENT, {"state": "requested", "type": "return"}, {"flag"}),
        (
            Role.AGENT,
            {"state": "approved", "type": "return"},
            {"issue_label", "ship_back", "receive", "refund", "flag"},
        ),
        # a refund-only case sends no goods back: no label, no shipping back, no receipt, no replacement
        (Role.AGENT, {"state": "approved", "type": "refund"}, {"refund", "flag"}),
        (
            Role.AGENT,
            {"state": "received", "type": "exchange"},
            {"refund", "ship_replacement", "flag"},
        ),
        (Role.AGENT, {"state": "closed", "type": "return"}, set()),
    ],
)
def test_available_actions_by_role_state_and_type(role, case, expected):
    assert views.available_actions(role, case) == expected


def test_order_cases_for_the_reading_actor(world):
    desk = world.desk
    order = world.order()
    case_id = open_return(world, order, reason="too small")
    desk.cases.approve(world.supervisor, case_id)
    seen = desk.cases.order_cases(world.agent, order)
    assert seen.order["id"] == order and [ln["sku"] for ln in seen.order["lines"]] == ["SHOE-42"]
    assert seen.digits == 2
    (case,) = seen.cases
    assert case["id"] == case_id and case["state"] == "approved" and case["lines"][0]["sku"] == "SHOE-42"
    assert case["actions"] == ["flag", "issue_label", "receive", "refund", "ship_back"]
    assert [a["action"] for a in case["audit"]][:2] == ["case.approve", "case.open"]
    other = desk.cases.order_cases(world.supervisor, world.order())  # an order without cases
    assert other.cases == []
    with pytest.raises(NotFound):
        desk.cases.order_cases(world.agent, 9999)


def test_quote_numbers(world):
    desk = world.desk
    order = world.order(lines=(("SHOE-42", 1, 12900), ("SOCK-1", 2, 500)))  # 139.00 paid
    case_id = open_return(world, order)
    quote = desk.cases.quote(world.agent, case_id)
    assert (quote.left, quote.suggested, quote.currency, quote.digits) == (13900, 12900, "EUR", 2)
    assert quote.without_return  # a return's goods are not back yet
    assert quote.order_external_id.startswith("ORD-") and quote.case_id == case_id
    assert quote.as_text(quote.suggested) == "129.00"

    desk.cases.approve(world.supervisor, case_id)
    desk.cases.receive(world.agent, case_id)
    desk.cases.refund(world.agent, case_id, amount_minor=4000)  # a partial refund first
    quote = desk.cases.quote(world.agent, case_id)
    assert not quote.without_return  # the goods are back
    assert quote.left == 9900 and quote.suggested == 8900  # what the case still asks, within what is left

    desk.cases.refund(world.supervisor, case_id, amount_minor=9900)
    with pytest.raises(CaseError, match="nothing is left to refund on order ORD-"):
        desk.cases.quote(world.agent, case_id)


def test_quote_suggests_all_that_is_left_when_the_case_names_no_amount(world):
    order = world.order(currency="JPY", lines=(("SHOE-42", 1, 4500),))
    case_id = world.desk.cases.open(world.agent, type="refund", order_id=order, requested_minor=0)
    quote = world.desk.cases.quote(world.agent, case_id)
    assert (quote.left, quote.suggested, quote.digits) == (4500, 4500, 0)
    assert not quote.without_return  # a refund case sends nothing back
    assert quote.as_text(4500) == "4500" and quote.parse("4500") == 4500
    with pytest.raises(ValueError, match="more than 0 decimal places"):
        quote.parse("12.5")


def test_quote_reads_typed_amounts(world):
    quote = world.desk.cases.quote(world.agent, open_return(world))
    assert quote.parse("12.50") == 1250 and quote.parse(" 12,5 ") == 1250 and quote.parse("129") == 12900
    for bad, why in (
        ("abc", "is not an amount"),
        ("1.234", "more than 2 decimal places"),
        ("0", "more than zero"),
        ("-3", "more than zero"),
        ("nan", "is not an amount"),
    ):
        with pytest.raises(ValueError, match=why):
            quote.parse(bad)
    assert quote.fits(12900) and not quote.fits(12901) and not quote.fits(0)


def test_quote_and_order_cases_check_permissions(world, monkeypatch):
    case_id = open_return(world)
    order = world.desk.cases.get(world.agent, case_id)["order_id"]
    monkeypatch.setitem(permissions.MATRIX, Role.AGENT, frozenset({"view", "reply"}))
    with pytest.raises(PermissionDenied):
        world.desk.cases.quote(world.agent, case_id)
    assert views.permitted_actions(Role.AGENT) == frozenset()
    assert world.desk.cases.order_cases(world.agent, order).cases[0]["actions"] == []
    monkeypatch.setitem(permissions.MATRIX, Role.AGENT, frozenset({"reply"}))
    with pytest.raises(PermissionDenied):
        world.desk.cases.order_cases(world.agent, order)
