"""The conversation read model (``desk.conversation``): one ticket with everything the agent reads."""

from __future__ import annotations

import pytest

from crossdesk.errors import NotFound, PermissionDenied
from crossdesk.models import Actor, Role
from crossdesk.store import permissions
from crossdesk.templates import TemplateError


@pytest.fixture
def world(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    desk.templates.install_starter(Actor.system())
    return desk, ids, desk.actor_for("ana")


def test_view_gathers_the_ticket_and_its_context(world):
    desk, ids, ana = world
    tid = ids.tickets["de_wismo"]
    desk.assign(desk.actor_for("sam"), [tid], ids.agents["ana"])
    desk.add_tags(ana, tid, ["vip"])
    view = desk.conversation.view(ana, tid)
    t = view.ticket
    assert t["id"] == tid and t["tags"] == ["vip"] and t["shop"]["name"] == "Acme Amazon DE"
    assert t["assignee"] == "ana" and [m["direction"] for m in t["messages"]] == ["in"]
    profile = desk.customer(ana, ids.customers["de_wismo"])
    assert view.customer["name"] == "Jana Schmidt"
    assert view.customer["lifetime_value_usd"] == profile["lifetime_value_usd"]  # both of her orders
    assert view.order["external_id"] == "ORD-1000" and view.order["lines"][0]["sku"] == "HD-200-BLK"
    assert view.digits == 2
    assert view.sla == desk.sla.status(ana, tid)
    assert view.firings == desk.rules.firings(ana, tid)
    assert any("Sendungsverfolgung" in a["title"] for a in view.kb)  # German KB for a parcel question
    assert [a["action"] for a in view.audit][:2] == ["ticket.tag", "ticket.update"]


def test_view_of_a_ticket_without_buyer_or_order(world):
    desk, ids, ana = world
    tid = ids.tickets["fr_broken"]
    desk.db.execute("UPDATE tickets SET customer_id = NULL, order_id = NULL WHERE id = ?", [tid])
    view = desk.conversation.view(ana, tid)
    assert view.customer is None and view.order is None and view.digits == 2
    with pytest.raises(NotFound):
        desk.conversation.view(ana, 9999)


def test_lint_and_draft(world):
    desk, ids, ana = world
    tid = ids.tickets["de_wismo"]  # Amazon: no links in buyer messages
    (warning,) = desk.conversation.lint(ana, tid, "Details: https://acme.example/hilfe")
    assert warning.startswith("amazon:") and "acme.example" in warning
    assert desk.conversation.lint(ana, tid, "Ihr Paket kommt morgen.") == []
    draft = desk.conversation.draft(ana, tid, "order_status")
    assert draft.body.startswith("Hallo Jana Schmidt") and "TRK1000" in draft.body
    assert draft.language == "de" and draft.template == "order_status" and draft.warnings == []
    assert draft.kb == desk.conversation.view(ana, tid).kb
    desk.db.execute("UPDATE tickets SET order_id = NULL WHERE id = ?", [tid])
    with pytest.raises(TemplateError, match="needs"):
        desk.conversation.draft(ana, tid, "order_status")


def test_reading_needs_view(world, monkeypatch):
    desk, ids, ana = world
    monkeypatch.setitem(permissions.MATRIX, Role.AGENT, frozenset({"reply"}))
    for call in (
        lambda: desk.conversation.view(ana, ids.tickets["de_wismo"]),
        lambda: desk.conversation.lint(ana, ids.tickets["de_wismo"], "hello"),
        lambda: desk.conversation.draft(ana, ids.tickets["de_wismo"], "order_status"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(TypeError):
        desk.conversation.view("ana", ids.tickets["de_wismo"])
