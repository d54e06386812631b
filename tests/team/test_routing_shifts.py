"""Routing with shifts, skills and teams: only agents on shift, with the language and the skills, under
capacity; tickets nobody can take wait and are offered when a shift starts."""

from __future__ import annotations

import pytest

from crossdesk.errors import DeskError, PermissionDenied
from crossdesk.models import Actor, Role
from crossdesk.routing import INTAKE_SETTING, OFF_SHIFT, SKILLS_SETTING

from .conftest import ADMIN


def test_german_tickets_wait_while_every_german_speaker_is_off_shift(td, clock):
    # Monday 10:00 UTC. Dora works 14:00-22:00 Berlin time (13:00-21:00 UTC); Ed (English) works now.
    dora = td.agent("dora", ["de", "en"], tz="Europe/Berlin", shifts="mon-fri 14:00-22:00")
    ed = td.agent("ed", ["en"], shifts="mon-fri 08:00-16:00")
    german = [td.ticket("de") for _ in range(3)]
    english = td.ticket("en")
    plan = td.desk.routing.plan(ADMIN)
    assert {a.ticket_id: a.agent_id for a in plan.assignments} == {english: ed}
    assert {u.ticket_id for u in plan.unrouted} == set(german)
    assert {u.reason for u in plan.unrouted} == {OFF_SHIFT}
    td.desk.routing.apply(ADMIN)
    assert [td.assignee(t) for t in german] == [None, None, None]

    clock.advance(3 * 3600)  # 13:00 UTC: Dora's shift starts
    result = td.desk.routing.apply(ADMIN)
    assert result.assigned == 3
    assert [td.assignee(t) for t in german] == [dora, dora, dora]


def test_no_ticket_to_an_agent_without_language_skill_shift_or_room(td):
    td.desk.store.set_setting(ADMIN, SKILLS_SETTING, {"platform": {}})
    agents = {
        "fr_returns": td.agent("fr1", ["fr"], ["returns"], capacity=2),
        "fr_plain": td.agent("fr2", ["fr"], [], capacity=5),
        "fr_off": td.agent("fr3", ["fr"], ["returns"], capacity=50, shifts="sat 09:00-17:00"),
    }
    tickets = [td.ticket("fr", intent="return_request") for _ in range(4)] + [
        td.ticket("fr") for _ in range(3)
    ]
    plan = td.desk.routing.plan(ADMIN)
    got = {a.ticket_id: a.agent_id for a in plan.assignments}
    assert agents["fr_off"] not in got.values()
    for t in tickets[:4]:
        assert got.get(t) in (agents["fr_returns"], None)  # needs returns
    assert sum(1 for v in got.values() if v == agents["fr_returns"]) <= 2
    assert len(got) == 2 + 3
    for load in plan.agents:
        assert load.load + load.planned <= max(load.capacity, 0)


def test_require_skill_rule_action_and_tier_map(td, h):
    # h builds tickets through intake, so the rules run; the desk of h has its own clock.
    desk = h.desk
    legal = desk.team.create_agent(ADMIN, "lea", languages=["en", "de"], skills=["legal"])
    plain = desk.team.create_agent(ADMIN, "pat", languages=["en", "de"], skills=[])
    h.rules(
        {
            "name": "lawyers",
            "event": "ticket_created",
            "all": [{"field": "language", "op": "is", "value": "de"}],
            "actions": [{"action": "require_skill", "skill": "Legal"}],
        }
    )
    t1 = h.ticket("Mein Anwalt ruft Sie an", language="de")
    t2 = h.ticket("Where is my parcel")
    assert "skill:legal" in h.tags(t1)
    got = {a.ticket_id: (a.agent_id, a.skills) for a in desk.routing.plan(ADMIN).assignments}
    assert got[t1][0] == legal and "legal" in got[t1][1]
    assert got[t2][0] in (legal, plain)


def test_team_skills_timeout_relaxes_the_skill_but_not_the_language(td):
    team = td.desk.team.create_team(ADMIN, "eu")
    td.desk.team.set_skills_timeout(ADMIN, team, 3600)
    td.agent("ret", ["en"], ["returns"], capacity=0)  # the only one with the skill is full
    plain = td.agent("pat", ["en"], [])
    fresh = td.ticket("en", intent="return_request", hours_waiting=0.5, team_id=team)
    old = td.ticket("en", intent="return_request", hours_waiting=2, team_id=team)
    old_ja = td.ticket("ja", intent="return_request", hours_waiting=2, team_id=team)
    no_team = td.ticket("en", intent="return_request", hours_waiting=5)
    got = {a.ticket_id: a.agent_id for a in td.desk.routing.plan(ADMIN).assignments}
    assert got == {old: plain}
    assert {fresh, old_ja, no_team}.isdisjoint(got)
    with pytest.raises(DeskError):
        td.desk.team.set_skills_timeout(ADMIN, team, -1)


def test_intake_routes_each_new_ticket_when_enabled(h):
    desk = h.desk
    ana = desk.team.create_agent(ADMIN, "ana", languages=["en"], capacity=1)
    first = h.ticket("hello")
    assert desk.db.execute("SELECT assignee_id FROM tickets WHERE id = ?", [first]).fetchone()[0] is None
    desk.store.set_setting(ADMIN, INTAKE_SETTING, True)
    second = h.ticket("hello again")
    third = h.ticket("and again")
    rows = dict(desk.db.execute("SELECT id, assignee_id FROM tickets").fetchall())
    assert rows[second] == ana and rows[third] is None  # capacity 1


def test_take_release_move_are_audited_and_checked(td):
    ana = td.agent("ana", ["en"])
    bob = td.agent("bob", ["en"])
    sue = td.agent("sue", ["en"], role=Role.SUPERVISOR)
    team = td.desk.team.create_team(ADMIN, "eu")
    as_ana = Actor("ana", Role.AGENT, ana)
    as_bob = Actor("bob", Role.AGENT, bob)
    as_sue = Actor("sue", Role.SUPERVISOR, sue)
    t = td.ticket("en")
    with pytest.raises(DeskError, match="sign in"):
        td.desk.routing.take(Actor("x", Role.AGENT), t)
    td.desk.routing.take(as_ana, t)
    assert td.assignee(t) == ana
    with pytest.raises(DeskError, match="assigned to agent"):
        td.desk.routing.take(as_bob, t)
    with pytest.raises(PermissionDenied):
        td.desk.routing.release(as_bob, t)
    with pytest.raises(PermissionDenied):
        td.desk.routing.move(as_ana, t, agent_id=bob, reason="x")
    with pytest.raises(DeskError, match="reason"):
        td.desk.routing.move(as_sue, t, agent_id=bob, reason=" ")
    td.desk.routing.move(as_sue, t, agent_id=bob, reason="knows the buyer")
    assert td.assignee(t) == bob
    td.desk.routing.release(as_bob, t, "going home")
    assert td.assignee(t) is None
    td.desk.routing.move(as_sue, t, team_id=team, reason="EU buyer")
    assert td.desk.db.execute("SELECT team_id FROM tickets WHERE id = ?", [t]).fetchone()[0] == team
    actions = [r["action"] for r in td.desk.store.audit_trail(ADMIN, "ticket", t)]
    for a in ("ticket.take", "ticket.move", "ticket.release"):
        assert a in actions


def test_handover_at_shift_end(td, clock):
    team = td.desk.team.create_team(ADMIN, "eu")
    # Monday 10:00 UTC: Ann's shift (06:00-09:00) is over; her next one is Tuesday 06:00.
    ann = td.agent("ann", ["en"], shifts="mon-fri 06:00-09:00", team_id=team)
    now = td.desk.now()
    due_soon = td.ticket("en", assignee=ann, sla_due=now + 3600)
    due_later = td.ticket("en", assignee=ann, sla_due=now + 3 * 86400)
    no_sla = td.ticket("en", assignee=ann)
    done = td.desk.routing.handover(ADMIN)
    assert [(d.ticket_id, d.to) for d in done] == [(due_soon, "queue")]
    assert td.assignee(due_soon) is None and td.assignee(due_later) == ann and td.assignee(no_sla) == ann
    row = td.desk.db.execute("SELECT team_id FROM tickets WHERE id = ?", [due_soon]).fetchone()
    assert row[0] == team
    notes = td.desk.db.execute(
        "SELECT body FROM messages WHERE ticket_id = ? AND direction = 'note'", [due_soon]
    ).fetchall()
    assert "Handed over at the end of ann's shift" in notes[0][0]
    assert td.desk.routing.handover(ADMIN) == []  # nothing twice


def test_loads(td):
    a = td.agent("ana", ["en"], capacity=2)
    td.agent("off", ["en"], shifts="sat 09:00-10:00")
    td.ticket("en", assignee=a)
    loads = {x.name: x for x in td.desk.routing.loads(ADMIN)}
    assert (loads["ana"].open, loads["ana"].capacity, loads["ana"].on_shift) == (1, 2, True)
    assert loads["off"].on_shift is False


def test_handover_in_slices_and_within_automate_budget(td, clock):
    # Monday 10:00 UTC: the shifts of Ann and Ben (06:00-09:00) are over.
    ann = td.agent("ann", ["en"], shifts="mon-fri 06:00-09:00")
    ben = td.agent("ben", ["en"], shifts="mon-fri 06:00-09:00")
    now = td.desk.now()
    due = [td.ticket("en", assignee=a, sla_due=now + 60 * i) for i in range(5) for a in (ann, ben)]
    first = td.desk.routing.handover(ADMIN, limit=3)
    assert len(first) == 3
    rest = td.desk.routing.handover(ADMIN, limit=100)
    assert sorted(d.ticket_id for d in first + rest) == sorted(due)  # each ticket once, none left
    assert all(td.assignee(t) is None for t in due)

    more = [td.ticket("en", assignee=ann, sla_due=now + 60) for _ in range(7)]
    result = td.desk.autorun.run(ADMIN, budget=None, translate=False, slice_size=2)
    handover = result.task("handover")
    assert handover.done == len(more) and handover.left == 0
    assert all(td.assignee(t) is None for t in more)
