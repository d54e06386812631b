"""``crossdesk csat``: send the due surveys, list them, and CSAT/NPS per agent, team, platform, market or segment."""

from __future__ import annotations

from typing import Any

import click

from crossdesk.cli.common import with_desk


def register(cli: click.Group) -> None:
    cli.add_command(csat)


@click.group()
def csat() -> None:
    """CSAT and NPS surveys after solved tickets, read from the buyers' replies."""


@csat.command("send")
@with_desk
def send(desk: Any, actor: Any) -> None:
    """Send the surveys that are due, in each buyer's language, through the outbox."""
    click.echo(f"{desk.surveys.send_due(actor)} survey(s) queued in the outbox")


@csat.command("list")
@click.option("--status", type=click.Choice(["pending", "sent", "answered", "restricted"]), default=None)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@with_desk
def list_(desk: Any, actor: Any, status: str | None, limit: int) -> None:
    """Surveys, newest first: ticket, platform, status (and why restricted), score and comment."""
    for s in desk.surveys.list(actor, status=status, limit=limit):
        score = "" if s["score"] is None else f"{s['kind']}={s['score']}"
        why = s["reason"] or s["comment"]
        click.echo(f"#{s['id']:<6} ticket #{s['ticket_id']:<7} {s['platform']:<8} {s['status']:<10} {score:<8} {why}")


@csat.command("report")
@click.option(
    "--by",
    type=click.Choice(["desk", "agent", "team", "platform", "market", "segment"]),
    default="desk",
    show_default=True,
)
@with_desk
def report(desk: Any, actor: Any, by: str) -> None:
    """CSAT (share of 4-5 on 1-5) and NPS (promoters 9-10 minus detractors 0-6) per group."""
    click.echo(f"{by:<14} {'csat n':>7} {'CSAT %':>7} {'nps n':>6} {'NPS':>7}")
    for f in desk.surveys.figures(actor, by):
        c = "-" if f.csat is None else f"{f.csat:.1f}"
        n = "-" if f.nps is None else f"{f.nps:+.1f}"
        click.echo(f"{f.key:<14} {f.csat_answers:>7} {c:>7} {f.nps_answers:>6} {n:>7}")
