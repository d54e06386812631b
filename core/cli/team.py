"""``crossdesk team``: load, coverage, shifts, leave, take, release, move, hand-over (docs/team.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from crossdesk.cli.common import UserError, with_desk


def register(cli: click.Group) -> None:
    cli.add_command(team)


@click.group()
def team() -> None:
    """Agents' shifts, load and coverage; taking, releasing and moving tickets."""


def _agent_id(desk: Any, actor: Any, name: str) -> int:
    for agent in desk.team.agents(actor):
        if agent["name"] == name:
            return int(agent["id"])
    raise UserError(f"no agent named {name!r} on this desk")


def _team_id(desk: Any, actor: Any, name: str) -> int:
    for row in desk.team.teams(actor):
        if row["name"] == name:
            return int(row["id"])
    raise UserError(f"no team named {name!r} on this desk")


@team.command()
@with_desk
def load(desk: Any, actor: Any) -> None:
    """Each active agent's open tickets against their capacity, fullest first."""
    for x in desk.routing.loads(actor):
        bar = "#" * min(20, round(20 * x.ratio)) if x.capacity else ""
        shift = "on shift " if x.on_shift else "off shift"
        click.echo(f"{x.name:<16} {x.role:<10} {shift} {x.open:>4} / {x.capacity:<4} {bar}")


@team.command()
@with_desk
@click.option("--week", "week", is_flag=True, help="The 24x7 grid of the week (the default view).")
@click.option("--day", "day", default=None, help="Any day of the week to show (YYYY-MM-DD; default today).")
@click.option("--tz", default="UTC", show_default=True, help="The time zone the hours are shown in.")
def coverage(desk: Any, actor: Any, week: bool, day: str | None, tz: str) -> None:
    """Per language and skill, how many agents are on shift each hour of the week; the uncovered hours."""
    from crossdesk.team.coverage import coverage as compute
    from crossdesk.team.coverage import span
    from crossdesk.team.shifts import DAYS

    try:
        when = date.fromisoformat(day) if day else None
    except ValueError as exc:
        raise UserError(f"--day must be a date like 2026-03-02: {exc}") from exc
    cov = compute(desk.store, desk.shifts, actor, week=when, tz=tz)
    click.echo(f"Coverage, week of {cov.week} (hours in {cov.tz}; a digit: agents on shift, '.': nobody)")
    for kind, table in (("language", cov.languages), ("skill", cov.skills)):
        for name, counts in sorted(table.items()):
            click.echo(f"\n{kind} {name}")
            click.echo("     " + "".join(f"{h:<3d}" for h in range(0, 24, 3)).rstrip())
            for d in range(7):
                row = counts[d * 24 : d * 24 + 24]
                click.echo(f"{DAYS[d].title()}  " + "".join("." if not n else str(min(n, 9)) for n in row))
            gaps = cov.gaps(counts)
            if gaps:
                hours = sum(end - first for first, end in gaps)
                click.echo(f"uncovered {hours} h: " + ", ".join(span(a, b) for a, b in gaps))
            else:
                click.echo("covered around the clock")


@team.command()
@with_desk
@click.argument("agent")
@click.argument("pattern", required=False)
def shifts(desk: Any, actor: Any, agent: str, pattern: str | None) -> None:
    """Show an agent's weekly shifts, or set them: PATTERN like "mon-fri 09:00-17:00; sat 10:00-14:00"
    in the agent's own time zone."""
    agent_id = _agent_id(desk, actor, agent)
    if pattern is not None:
        desk.shifts.set_pattern(actor, agent_id, pattern)
    shown = desk.shifts.pattern(agent_id)
    click.echo(f"{agent}: " + ("; ".join(str(s) for s in shown) if shown else "no shifts (always on shift)"))


@team.command()
@with_desk
@click.argument("agent")
@click.argument("first_day")
@click.argument("last_day", required=False)
@click.option("--note", default="", help="Why (shown to supervisors).")
def leave(desk: Any, actor: Any, agent: str, first_day: str, last_day: str | None, note: str) -> None:
    """Days off for AGENT, FIRST_DAY to LAST_DAY (local dates, both included)."""
    desk.shifts.add_leave(actor, _agent_id(desk, actor, agent), first_day, last_day, note)
    click.echo(f"{agent}: leave {first_day}" + (f" to {last_day}" if last_day else ""))


@team.command()
@with_desk
@click.argument("ticket_id", type=int)
def take(desk: Any, actor: Any, ticket_id: int) -> None:
    """Take an open, unassigned ticket (as the signed-in agent)."""
    desk.routing.take(actor, ticket_id)
    click.echo(f"#{ticket_id} is yours")


@team.command()
@with_desk
@click.argument("ticket_id", type=int)
@click.option("--note", default="", help="A note for whoever takes it next.")
def release(desk: Any, actor: Any, ticket_id: int, note: str) -> None:
    """Give a ticket back to its team's queue."""
    desk.routing.release(actor, ticket_id, note)
    click.echo(f"#{ticket_id} is back in the queue")


@team.command()
@with_desk
@click.argument("ticket_id", type=int)
@click.option("--to", "to_agent", default=None, help="The agent to give it to.")
@click.option("--team", "to_team", default=None, help="The team whose queue it goes to.")
@click.option("--reason", required=True, help="Why (kept in the audit trail and as a note).")
def move(
    desk: Any, actor: Any, ticket_id: int, to_agent: str | None, to_team: str | None, reason: str
) -> None:
    """Move a ticket to another agent or team (supervisors)."""
    desk.routing.move(
        actor,
        ticket_id,
        agent_id=_agent_id(desk, actor, to_agent) if to_agent else None,
        team_id=_team_id(desk, actor, to_team) if to_team else None,
        reason=reason,
    )
    click.echo(f"#{ticket_id} moved to {to_agent or to_team}")


@team.command()
@with_desk
@click.option("--to", "to_agent", default=None, help="Give the tickets to this agent instead of the queue.")
def handover(desk: Any, actor: Any, to_agent: str | None) -> None:
    """Hand over the due tickets of agents whose shift has ended (crossdesk automate runs it too)."""
    done = desk.routing.handover(actor, to_agent=_agent_id(desk, actor, to_agent) if to_agent else None)
    for h in done:
        click.echo(f"#{h.ticket_id} -> {h.to}")
    click.echo(f"{len(done)} ticket(s) handed over")


@team.command("skills-timeout")
@with_desk
@click.argument("team_name")
@click.argument("minutes", type=click.IntRange(min=0), required=False)
def skills_timeout(desk: Any, actor: Any, team_name: str, minutes: int | None) -> None:
    """After MINUTES of waiting, the team's tickets may go to agents without the skills (omit: never)."""
    desk.team.set_skills_timeout(
        actor, _team_id(desk, actor, team_name), None if minutes is None else minutes * 60
    )
    click.echo(f"{team_name}: skills timeout " + ("off" if minutes is None else f"{minutes} min"))


@team.command()
@with_desk
@click.argument("agent")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def password(desk: Any, actor: Any, agent: str, password_stdin: bool) -> None:
    """Set AGENT's password (yourself, or an admin); stored as a scrypt hash only."""
    import sys

    if password_stdin:
        secret = sys.stdin.readline().rstrip("\n")
    else:
        secret = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    desk.team.signin.set_password(actor, _agent_id(desk, actor, agent), secret)
    click.echo(f"{agent}: password set")


@team.command("map-user")
@with_desk
@click.argument("agent")
@click.argument("os_user", required=False)
def map_user(desk: Any, actor: Any, agent: str, os_user: str | None) -> None:
    """Map an operating-system user name to AGENT on a shared server (omit OS_USER: unmap)."""
    desk.team.update_agent(actor, _agent_id(desk, actor, agent), os_user=os_user or "")
    click.echo(f"{agent}: " + (f"OS user {os_user}" if os_user else "no OS user"))
