"""``crossdesk route``: plan (and with --apply, carry out) the assignment of the open, unassigned tickets."""

from __future__ import annotations

from pathlib import Path

import click

from crossdesk.cli.common import UserError, cli_actor, db_option, open_desk


def register(cli: click.Group) -> None:
    cli.add_command(route)


@click.command()
@db_option
@click.option("--apply", "do_apply", is_flag=True, help="Assign the tickets (default: only print the plan).")
@click.option(
    "--limit", type=click.IntRange(min=0), default=None, help="Route only the N best tickets of the queue."
)
@click.option(
    "--at",
    "at",
    default=None,
    help="Plan as at this moment (ISO time, e.g. 2026-03-02T09:00+01:00): who would be on shift then.",
)
def route(db_path: Path | None, do_apply: bool, limit: int | None, at: str | None) -> None:
    """Route the open, unassigned tickets, best first, to the agents who can take them.

    Each ticket goes to an active agent who speaks its language and has the skills it needs, the one
    with the most spare capacity first. Prints the plan: who gets which ticket, why the others stay
    unassigned, and each agent's load. --apply assigns them (the "bulk" permission for more than one).
    Only agents on shift now are offered tickets (docs/team.md).
    """
    moment = _moment(at) if at else None
    if moment is not None and do_apply:
        raise UserError("--at plans for another moment; it cannot be applied now")
    desk = open_desk(db_path)
    if moment is not None:
        desk.store.clock = lambda: moment
    try:
        actor = cli_actor(desk)
        plan = desk.routing.plan(actor, limit=limit)
        for a in plan.assignments:
            needs = f" [{', '.join(a.skills)}]" if a.skills else ""
            click.echo(f"#{a.ticket_id:<8} {a.priority:7.2f}  {a.language or '?':<3} -> {a.agent}{needs}")
        for u in plan.unrouted:
            click.echo(f"#{u.ticket_id:<8} {u.priority:7.2f}  stays unassigned: {u.detail}")
        if plan.agents:
            click.echo("")
            for agent in plan.agents:
                click.echo(
                    f"{agent.name}: {agent.load} open + {agent.planned} planned of capacity {agent.capacity}"
                    + ("" if agent.on_shift else " (off shift)")
                )
        click.echo(str(plan))
        if do_apply:
            click.echo(str(desk.routing.apply(actor, plan)))
    finally:
        desk.close()


def _moment(text: str) -> float:
    from datetime import UTC, datetime

    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UserError(f"--at must be an ISO time like 2026-03-02T09:00+01:00: {exc}") from exc
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
