"""Merges a person controls: suggestions with evidence, reversible merges, refusals."""

from __future__ import annotations

import io

import pytest

from crossdesk.errors import DeskError, NotFound, PermissionDenied
from crossdesk.io.exporter import export_jsonl
from crossdesk.models import Actor, Role

from .test_segments import _fill

#: Bookkeeping that records the merge itself, not the desk's state.
NOT_STATE = {"audit", "customer_merges"}


def _state(desk) -> dict[str, list]:
    tables = [
        r[0]
        for r in desk.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'"
        )
    ]
    return {
        t: sorted(desk.db.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
        for t in tables
        if t not in NOT_STATE
    }


def _export(desk, admin) -> bytes:
    out = io.BytesIO()
    export_jsonl(desk, admin, out)
    return out.getvalue()


def _pair(b):
    anna = b.buyer("amazon", name="Anna Müller", country="DE", language="de")
    anna2 = b.buyer("ebay", name="Müller Anna", country="DE", language="de")
    for d in (5, 40):
        b.order(anna, platform="amazon", days_ago=d, amount_minor=90_000)
    o = b.order(anna2, platform="ebay", days_ago=15, amount_minor=120_000)
    b.ticket(anna, platform="amazon")
    b.ticket(anna2, platform="ebay", order_id=o)
    return anna, anna2


def test_suggestions_carry_evidence_and_rejections_stick(desk, admin, b):
    _fill(b, 4)
    anna, anna2 = _pair(b)
    b.buyer("shopify", name="Anna Müller", country="AT")  # another country: not the same buyer
    found = desk.merges.suggestions(admin)
    assert [(s.keep_id, s.other_id) for s in found] == [(anna, anna2)]
    text = " | ".join(found[0].evidence)
    assert "names 100% alike" in text and "same country DE" in text and "amazon / ebay" in text
    assert desk.merges.suggestions(admin, anna2)[0].keep_id == anna
    desk.merges.reject(admin, anna2, anna)
    assert desk.merges.suggestions(admin) == []
    assert desk.customer(admin, anna2)["merged_into"] is None  # a suggestion never merges


def test_intake_never_merges_on_a_name_alone(desk, b):
    a = b.buyer("amazon", name="Anna Müller")
    assert b.buyer("ebay", name="Anna Müller") != a
    # An exact normalised contact is not fuzzy: intake joins those.
    c = b.buyer("shopify", name="X", email="Anna@Example.org")
    assert b.buyer("ebay", name="Y", email="anna@example.org ") == c


def test_merge_then_unmerge_leaves_the_desk_as_it_was(desk, admin, b, crossdesk_clock):
    _fill(b, 4)
    anna, anna2 = _pair(b)
    desk.segments.recompute_all(admin)
    state, exported = _state(desk), _export(desk, admin)
    crossdesk_clock.advance(3600)
    merge_id = desk.merges.merge(admin, anna, anna2, evidence="same person, confirmed by phone")
    merged = desk.customers.profile(admin, anna)
    assert len(merged["orders"]) == 3 and len(merged["tickets"]) == 2 and len(merged["identities"]) == 2
    assert desk.customer(admin, anna2)["merged_into"] == anna
    assert desk.segments.of(admin, anna)["frequency"] == 3
    assert desk.segments.of(admin, anna2) is None
    crossdesk_clock.advance(3600)
    assert desk.merges.unmerge(admin, anna2) == merge_id
    after = _state(desk)
    for table in state:
        for x, y in zip(state[table], after[table], strict=True):
            assert x == y, (table, [(i, p, q) for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q])
    assert _export(desk, admin) == exported
    actions = [a["action"] for a in desk.audit_trail(admin, "customer", anna, limit=10)]
    assert actions[:2] == ["customer.unmerge", "customer.merge"]
    journal = desk.merges.journal(admin, anna)
    assert journal[0]["unmerged_by"] == admin.name and journal[0]["evidence"].startswith("same person")
    with pytest.raises(NotFound, match="nothing to undo"):
        desk.merges.unmerge(admin, anna2)


def test_unmerge_in_order_and_refusals(desk, admin, b):
    anna, anna2 = _pair(b)
    third = b.buyer("shopify", name="Anna Mueller")
    desk.merges.merge(admin, anna, anna2)
    desk.merges.merge(admin, anna, third)
    with pytest.raises(DeskError, match="undo it first"):
        desk.merges.unmerge(admin, anna2)
    desk.merges.unmerge(admin, third)
    desk.merges.unmerge(admin, anna2)
    with pytest.raises(DeskError, match="into itself"):
        desk.merges.merge(admin, anna, anna)
    with pytest.raises(NotFound):
        desk.merges.merge(admin, anna, 999_999)
    agent = Actor("ana", Role.AGENT)
    with pytest.raises(PermissionDenied):
        desk.merges.merge(agent, anna, anna2)
    assert desk.customer(admin, anna2)["merged_into"] is None


def test_buyers_of_different_sellers_are_never_merged(desk, admin, b):
    b.shop("shopify", config={"seller": "Acme GmbH"}, key="acme")
    b.shop("shopify", config={"seller": "Other Ltd"}, key="other")
    x = b.buyer("shopify", name="Anna Müller", shop="acme")
    y = b.buyer("shopify", name="Anna Müller", shop="other")
    assert desk.merges.suggestions(admin) == []
    with pytest.raises(DeskError, match="different sellers"):
        desk.merges.merge(admin, x, y)
    assert desk.customer(admin, y)["merged_into"] is None
    assert desk.customers.profile(admin, x)["identities"][0]["shop_id"] == b.shops["acme"]


def test_intake_never_joins_buyers_of_different_sellers(desk, admin, b):
    b.shop("shopify", config={"seller": "Acme GmbH"}, key="acme")
    b.shop("shopify", config={"seller": "Other Ltd"}, key="other")
    b.shop("shopify", config={"seller": "Acme GmbH"}, key="acme2")
    x = b.buyer("shopify", email="anna@example.org", shop="acme")
    assert b.buyer("shopify", email="anna@example.org", shop="other") != x
    assert b.buyer("shopify", email="anna@example.org", shop="acme2") == x  # the same seller: joined
