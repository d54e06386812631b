"""The judged checks on a demo desk: `crossdesk route` gives no ticket to an agent who lacks its language or
a required skill or is off shift, nobody goes over capacity; with every German speaker off shift German
tickets wait, and are offered when a shift starts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from crossdesk.cli import cli
from crossdesk.demo.build import build_demo
from crossdesk.models import Actor
from crossdesk.routing import OFF_SHIFT
from crossdesk.routing.skills import norm_language, norm_skills
from crossdesk.testing import FixedClock, make_desk

ADMIN = Actor.system("test")
# Monday 2025-12-15 02:00 UTC: night in Berlin and Dubai, day in Tokyo, Taipei and Seoul.
NIGHT = int(datetime(2025, 12, 15, 2, tzinfo=UTC).timestamp())


@pytest.fixture(scope="module")
def demo():
    clock = FixedClock(NIGHT)
    desk = make_desk(builtins=False, clock=clock)
    build_demo(desk, size=600, seed=5, now=NIGHT - 3600)
    # Room for everyone, so that only language, skills and shifts decide.
    for agent in desk.team.agents(ADMIN):
        desk.team.update_agent(ADMIN, agent["id"], capacity=1000)
    yield desk, clock
    desk.close()


def _check(desk, plan):
    agents = {a["id"]: a for a in desk.team.agents(ADMIN)}
    on = desk.shifts.on_shift()
    assert plan.assignments
    for a in plan.assignments:
        agent = agents[a.agent_id]
        langs = {norm_language(x) for x in agent["languages"]}
        assert not a.language or a.language in langs, (a, agent["languages"])
        assert set(a.skills) <= norm_skills(agent["skills"]), (a, agent["skills"])
        assert on[a.agent_id], agent["name"]
    for load in plan.agents:
        assert load.load + load.planned <= max(load.capacity, load.load)
        if load.planned:
            assert load.load + load.planned <= load.capacity


def test_route_respects_language_skills_shift_and_capacity(demo):
    desk, _clock = demo
    german_speakers = [a["id"] for a in desk.team.agents(ADMIN) if "de" in a["languages"]]
    on = desk.shifts.on_shift()
    assert german_speakers and not any(on[a] for a in german_speakers)
    plan = desk.routing.plan(ADMIN)
    _check(desk, plan)
    german = [u for u in plan.unrouted if desk.db.execute(
        "SELECT language FROM tickets WHERE id = ?", [u.ticket_id]).fetchone()[0].startswith("de")]  # fmt: skip
    assert german and {u.reason for u in german} == {OFF_SHIFT}
    assert not [a for a in plan.assignments if a.language == "de"]


def test_german_tickets_are_offered_when_the_shift_starts(demo):
    desk, clock = demo
    before = desk.routing.plan(ADMIN)
    waiting = {u.ticket_id for u in before.unrouted if u.reason == OFF_SHIFT}
    clock.now = NIGHT + 4 * 3600 + 60  # 06:01 UTC: Jonas (07:00 Berlin) and Elif (09:00 Dubai) start
    plan = desk.routing.plan(ADMIN)
    _check(desk, plan)
    offered = [a for a in plan.assignments if a.ticket_id in waiting and a.language == "de"]
    assert offered
    result = desk.routing.apply(ADMIN, plan)
    assert result.assigned == len(plan.assignments)
    clock.now = NIGHT


def test_cli_route_at_and_team_commands(tmp_path):
    path = tmp_path / "demo.db"
    build_demo(path, size=300, seed=5, now=NIGHT)
    runner = CliRunner()
    night = runner.invoke(cli, ["route", "--db", str(path), "--at", "2025-12-15T02:00Z"])
    assert night.exit_code == 0, night.output
    assert "off shift" in night.output
    bad = runner.invoke(cli, ["route", "--db", str(path), "--at", "soon"])
    assert bad.exit_code == 1 and "ISO time" in bad.output
    bad = runner.invoke(cli, ["route", "--db", str(path), "--at", "2025-12-15T02:00Z", "--apply"])
    assert bad.exit_code == 1
    load = runner.invoke(cli, ["team", "load", "--db", str(path)])
    assert load.exit_code == 0 and "Jonas Weber" in load.output
    cov = runner.invoke(cli, ["team", "coverage", "--week", "--day", "2025-12-15", "--db", str(path)])
    assert cov.exit_code == 0, cov.output
    block = cov.output.split("language de\n")[1].split("\n\n")[0]
    lines = block.splitlines()
    assert lines[1].startswith("Mon") and lines[1][5:10] == "....."  # 00-05 UTC: no German speaker
    assert lines[6].startswith("Sat") and lines[7].startswith("Sun") and set(lines[7][5:]) == {"."}
    assert "uncovered" in block
    shifts = runner.invoke(cli, ["team", "shifts", "Jonas Weber", "--db", str(path)])
    assert "mon 07:00-15:00" in shifts.output
    bad = runner.invoke(cli, ["team", "shifts", "Jonas Weber", "mon 7-15", "--db", str(path)])
    assert bad.exit_code == 1 and "not like" in bad.output


def test_demo_has_shifts_in_three_time_zones_and_an_approval_queue(demo):
    desk, _clock = demo
    zones = {a["timezone"] for a in desk.team.agents(ADMIN) if desk.shifts.pattern(a["id"])}
    assert {"Europe/Berlin", "America/New_York", "Asia/Tokyo"} <= zones
    waiting = desk.approvals.queue(ADMIN)
    assert waiting and all(r["kind"] == "refund" and r["amount_usd_minor"] > 50_00 for r in waiting)
