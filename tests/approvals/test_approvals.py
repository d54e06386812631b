"""Approvals: a refund above the agent's limit becomes a request in the supervisors' queue; the decision
carries it out (queued to the outbox) and comes back to the ticket; escalation tiers; all audited."""

from __future__ import annotations

import pytest

from crossdesk.errors import DeskError, PermissionDenied
from crossdesk.models import Actor, Role


@pytest.fixture
def world(h):
    desk = h.desk
    ana_id = desk.team.create_agent(h.admin, "ana", languages=["de"])
    sue_id = desk.team.create_agent(h.admin, "sue", Role.SUPERVISOR, languages=["de"])
    ticket = h.ticket("Die Lampe ist kaputt", platform="shopify", language="de", order=True, sku="LAMP-01")
    order = desk.db.execute("SELECT order_id FROM tickets WHERE id = ?", [ticket]).fetchone()[0]
    ana = Actor("ana", Role.AGENT, ana_id)
    sue = Actor("sue", Role.SUPERVISOR, sue_id)
    case = desk.cases.open(ana, type="return", order_id=order, ticket_id=ticket, items=[{"sku": "LAMP-01"}])
    desk.cases.approve(sue, case)
    desk.cases.receive(ana, case)
    return desk, ana, sue, ticket, case


def notes(desk, ticket):
    return [
        r[0]
        for r in desk.db.execute(
            "SELECT body FROM messages WHERE ticket_id = ? AND direction = 'note'", [ticket]
        )
    ]


def test_refund_above_the_limit_waits_for_a_supervisor(world):
    desk, ana, sue, ticket, case = world
    outbox_before = desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    # The limit counts USD cents: EUR 49.99 is about USD 54, above an agent limit of USD 20.
    desk.store.set_setting(
        Actor.system("t"), "refund_limits", {"agent": 20_00, "supervisor": 500_00, "admin": None}
    )
    outcome = desk.approvals.refund(ana, case, reason="lamp broken on arrival")
    assert outcome.refund_id is None and outcome.approval_id
    assert desk.db.execute("SELECT count(*) FROM refunds").fetchone()[0] == 0
    assert desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == outbox_before
    with pytest.raises(PermissionDenied):
        desk.approvals.queue(ana)
    with pytest.raises(PermissionDenied):
        desk.approvals.decide(ana, outcome.approval_id, True)
    [item] = desk.approvals.queue(sue)
    assert item["amount"] == "EUR 49.99" and item["amount_usd_minor"] > 20_00
    assert item["verdict"] and item["requested_by"] == "ana"
    with pytest.raises(DeskError, match="already has"):
        desk.approvals.refund(ana, case)
    decided = desk.approvals.decide(sue, outcome.approval_id, True, "ok, damaged")
    assert decided["state"] == "approved" and decided["result"]["refund_id"]
    assert desk.db.execute("SELECT count(*) FROM refunds").fetchone()[0] == 1
    kinds = [r[0] for r in desk.db.execute("SELECT kind FROM outbox")]
    assert "refund" in kinds
    with pytest.raises(DeskError, match="already approved"):
        desk.approvals.decide(sue, outcome.approval_id, False)
    assert any("approved by sue" in n for n in notes(desk, ticket))
    actions = [r["action"] for r in desk.team.audit(sue, object_type="approval")]
    assert actions == ["approval.approve", "approval.request"]
    assert "refund.create" in [r["action"] for r in desk.team.audit(sue, actor_name="sue")]


def test_within_the_limit_refunds_at_once_and_decline_changes_nothing(world):
    desk, ana, sue, _ticket, case = world
    outcome = desk.approvals.refund(ana, case, amount_minor=1000)
    assert outcome.refund_id and outcome.approval_id is None
    desk.store.set_setting(
        Actor.system("t"), "refund_limits", {"agent": 0, "supervisor": 500_00, "admin": None}
    )
    second = desk.approvals.refund(ana, case, amount_minor=1000)
    desk.approvals.decide(sue, second.approval_id, False, "already refunded enough")
    assert desk.db.execute("SELECT count(*) FROM refunds").fetchone()[0] == 1
    assert desk.approvals.mine(ana)[0]["state"] == "declined"


def test_escalation_tiers(world):
    desk, ana, sue, ticket, _case = world
    team = desk.team.create_team(Actor.system("t"), "returns specialists")
    with pytest.raises(DeskError, match="reason"):
        desk.approvals.escalate(ana, ticket, 1, "  ", team_id=team)
    with pytest.raises(DeskError, match="tier"):
        desk.approvals.escalate(ana, ticket, 3, "why")
    desk.approvals.escalate(ana, ticket, 1, "needs a returns specialist", team_id=team)
    row = desk.db.execute(
        "SELECT escalated, team_id, assignee_id FROM tickets WHERE id = ?", [ticket]
    ).fetchone()
    assert row == (1, team, None)
    desk.approvals.escalate(ana, ticket, 2, "buyer threatens a chargeback")
    row = desk.db.execute("SELECT escalated, assignee_id FROM tickets WHERE id = ?", [ticket]).fetchone()
    assert row == (2, sue.agent_id)
    trail = [
        r
        for r in desk.team.audit(sue, object_type="ticket", object_id=ticket)
        if r["action"] == "ticket.escalate"
    ]
    assert [r["after"]["tier"] for r in trail] == [2, 1]
