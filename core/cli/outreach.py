"""``crossdesk outreach``: plan a campaign (who gets what, who is excluded and why), schedule it, send it,
and record marketing consent or opt-out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from crossdesk.cli.common import with_desk

KINDS = ("holiday_greeting", "delivery_follow_up", "order_status", "win_back")


def register(cli: click.Group) -> None:
    cli.add_command(outreach)


@click.group()
def outreach() -> None:
    """Campaigns to a segment or filter, within each marketplace's messaging rules."""


def _filters(fn: Any) -> Any:
    for opt in (
        click.option("--segment", default=None, help="new, potential, core, high-value, at-risk, lapsed."),
        click.option("--country", default=None),
        click.option("--platform", default=None),
        click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Send day (default today)."),
    ):
        fn = opt(fn)
    return click.argument("kind", type=click.Choice(KINDS))(fn)


def _plan(desk: Any, actor: Any, kind: str, day: Any, **filters: Any) -> list:
    return desk.outreach.plan(actor, kind, day=day.date() if isinstance(day, dt.datetime) else None, **filters)


@outreach.command("plan")
@_filters
@with_desk
def plan(desk: Any, actor: Any, kind: str, day: Any, **filters: Any) -> None:
    """Who would get KIND (when, in their time zone, on which platform) and who is excluded and why.
    Nothing is sent."""
    rows = _plan(desk, actor, kind, day, **filters)
    for r in rows:
        if r.included:
            when = dt.datetime.fromtimestamp(r.send_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            click.echo(f"#{r.customer_id:<8} SEND     {when} ({r.timezone}, {r.language}) {r.reason}")
        else:
            click.echo(f"#{r.customer_id:<8} EXCLUDED {r.reason}")
    n = sum(r.included for r in rows)
    click.echo(f"{n} to send, {len(rows) - n} excluded")


@outreach.command("send")
@_filters
@click.option("--campaign", required=True, help="A name for this campaign (a buyer gets it once).")
@with_desk
def send(desk: Any, actor: Any, kind: str, day: Any, campaign: str, **filters: Any) -> None:
    """Schedule KIND as planned, then queue in the outbox what is due (run again, e.g. from cron, for the rest)."""
    rows = _plan(desk, actor, kind, day, **filters)
    made = desk.outreach.schedule(actor, campaign, kind, rows)
    queued = desk.outreach.send_due(actor)
    click.echo(f"{made} scheduled for campaign {campaign!r}; {queued} queued in the outbox now")


@outreach.command("consent")
@click.argument("customer_id", type=int)
@click.option("--yes/--opt-out", "granted", required=True)
@click.option("--source", default="", help="Where the buyer said so (checkout, reply, phone).")
@with_desk
def consent(desk: Any, actor: Any, customer_id: int, granted: bool, source: str) -> None:
    """Record a buyer's marketing consent (--yes) or opt-out (--opt-out)."""
    desk.outreach.set_consent(actor, customer_id, granted, source=source)
    click.echo(f"#{customer_id}: marketing {'consent' if granted else 'opt-out'} recorded")
