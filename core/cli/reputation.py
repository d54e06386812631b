"""``crossdesk reviews pull|list|ratings``: product reviews and seller feedback from the marketplaces."""

from __future__ import annotations

from pathlib import Path

import click

from crossdesk.cli.common import UserError, cli_actor, db_option, open_desk


def register(cli: click.Group) -> None:
    cli.add_command(reviews)


@click.group()
def reviews() -> None:
    """Reviews and seller feedback: pull them (a negative one opens a ticket), list them, ratings per SKU."""


@reviews.command("pull")
@db_option
@click.option("--platform", default=None, help="Only this platform's shops.")
@click.option("--full", is_flag=True, help="Read every page again (each review is still stored once).")
def pull(db_path: Path | None, platform: str | None, full: bool) -> None:
    """Read every shop's new reviews (``crossdesk sync`` does too); a new negative one opens (or joins) a
    ticket tied to buyer, order, SKU."""
    from crossdesk.errors import DeskError

    desk = open_desk(db_path)
    try:
        click.echo(str(desk.reputation.pull(cli_actor(desk), platform=platform, full=full)))
    except DeskError as exc:
        raise UserError(str(exc)) from None
    finally:
        desk.close()


@reviews.command("list")
@db_option
@click.option("--negative", is_flag=True, help="Only the negative ones.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
def list_(db_path: Path | None, negative: bool, limit: int) -> None:
    """The latest reviews, newest first."""
    desk = open_desk(db_path)
    try:
        for r in desk.reputation.list(cli_actor(desk), negative=True if negative else None, limit=limit):
            ticket = f" ticket #{r['ticket_id']}" if r["ticket_id"] else ""
            click.echo(f"{r['platform']:<7} {r['rating']}/5 {r['sku'] or '-':<12} {r['body'][:60]!r}{ticket}")
    finally:
        desk.close()


@reviews.command("ratings")
@db_option
def ratings(db_path: Path | None) -> None:
    """Average rating and negatives per platform, shop and SKU."""
    desk = open_desk(db_path)
    try:
        for r in desk.reputation.ratings(cli_actor(desk)):
            click.echo(
                f"{r['platform']:<7} shop #{r['shop_id']:<3} {r['sku'] or '-':<14} {r['average']:.2f} "
                f"over {r['reviews']}, {r['negative']} negative"
            )
    finally:
        desk.close()
