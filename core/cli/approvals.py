"""``crossdesk approvals list|refund|request-return|approve|decline`` and ``crossdesk escalate``."""

from __future__ import annotations

from typing import Any

import click

from crossdesk.cli.common import UserError, with_desk
from crossdesk.cli.numbers import MinorAmount


def register(cli: click.Group) -> None:
    cli.add_command(approvals)
    cli.add_command(escalate)


@click.group()
def approvals() -> None:
    """Requests waiting for a supervisor: refunds above an agent's limit, returns to approve."""


@approvals.command("list")
@with_desk
@click.option(
    "--state", type=click.Choice(["pending", "approved", "declined"]), default="pending", show_default=True
)
@click.option("--mine", is_flag=True, help="The requests I made (any state).")
def list_(desk: Any, actor: Any, state: str, mine: bool) -> None:
    """The approvers' queue (supervisors), or your own requests."""
    rows = desk.approvals.mine(actor) if mine else desk.approvals.queue(actor, state)
    for r in rows:
        verdict = r["verdict"].get("decision", "") if isinstance(r["verdict"], dict) else ""
        click.echo(
            f"#{r['id']:<5} {r['state']:<8} {r['kind']:<15} case {r['case_id']:<6} {r['amount']:<14} "
            f"by {r['requested_by']}"
            + (f"  verdict: {verdict}" if verdict else "")
            + (f"  ({r['reason']})" if r["reason"] else "")
        )
    click.echo(f"{len(rows)} request(s)")


@approvals.command()
@with_desk
@click.argument("case_id", type=int)
@click.option(
    "--amount", "amount_minor", type=MinorAmount(), default=None, help="Minor units (cents)."
)
@click.option("--reason", default="")
@click.option("--without-return", is_flag=True)
def refund(
    desk: Any, actor: Any, case_id: int, amount_minor: int | None, reason: str, without_return: bool
) -> None:
    """Refund a case now, or, above your limit, ask a supervisor."""
    out = desk.approvals.refund(
        actor, case_id, amount_minor=amount_minor, reason=reason, without_return=without_return
    )
    if out.refund_id:
        click.echo(f"refund {out.refund_id} made and queued to the outbox")
    else:
        click.echo(f"above your limit: approval #{out.approval_id} is in the supervisors' queue")


@approvals.command("request-return")
@with_desk
@click.argument("case_id", type=int)
@click.option("--reason", default="")
def request_return(desk: Any, actor: Any, case_id: int, reason: str) -> None:
    """Ask a supervisor to approve a return you may not approve."""
    click.echo(f"approval #{desk.approvals.request_return(actor, case_id, reason)} requested")


def _decide(desk: Any, actor: Any, approval_id: int, approve: bool, note: str) -> None:
    row = desk.approvals.decide(actor, approval_id, approve, note)
    extra = f", refund {row['result']['refund_id']} queued" if row["result"].get("refund_id") else ""
    click.echo(f"approval #{approval_id} {row['state']}{extra}")


@approvals.command()
@with_desk
@click.argument("approval_id", type=int)
@click.option("--note", default="")
def approve(desk: Any, actor: Any, approval_id: int, note: str) -> None:
    """Approve a request (it is carried out as you, within your own limit)."""
    _decide(desk, actor, approval_id, True, note)


@approvals.command()
@with_desk
@click.argument("approval_id", type=int)
@click.option("--note", default="", help="Why (the requester sees it on the ticket).")
def decline(desk: Any, actor: Any, approval_id: int, note: str) -> None:
    """Decline a request."""
    _decide(desk, actor, approval_id, False, note)


@click.command()
@with_desk
@click.argument("ticket_id", type=int)
@click.option("--to", "to", type=click.Choice(["team", "supervisor"]), required=True)
@click.option("--team", "team_name", default=None, help="The specialist team (with --to team).")
@click.option("--reason", required=True)
def escalate(desk: Any, actor: Any, ticket_id: int, to: str, team_name: str | None, reason: str) -> None:
    """Move a ticket up a tier: to a specialist team's queue, or to a supervisor."""
    team_id = None
    if to == "team":
        if not team_name:
            raise UserError("--to team needs --team NAME")
        found = [t["id"] for t in desk.team.teams(actor) if t["name"] == team_name]
        if not found:
            raise UserError(f"no team named {team_name!r}")
        team_id = found[0]
    desk.approvals.escalate(actor, ticket_id, 1 if to == "team" else 2, reason, team_id=team_id)
    click.echo(f"#{ticket_id} escalated to {team_name or 'a supervisor'}")
