"""``crossdesk reviews pull|list|ratings``: product reviews and seller feedback from the marketplaces."""

from __future__ import annotations

from pathlib import Path

import click

from crossdesk.cli.common import UserError, cli_actor, db_option, name_value_option, name_values, open_desk


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


@reviews.command("app")
@db_option
@click.argument("shop", required=False)
@click.argument("app", required=False)
@name_value_option("An option of the app (judgeme: api_token).")
@click.option("--base-url", default=None, help="The app's API base URL (a local fake).")
@click.option(
    "--detach", is_flag=True, help="Stop reading SHOP's reviews from its app; its token leaves the vault."
)
def app_(
    db_path: Path | None,
    shop: str | None,
    app: str | None,
    extra: tuple[str, ...],
    base_url: str | None,
    detach: bool,
) -> None:
    """Attach SHOP to the reviews app APP (judgeme for Shopify): a first read checks the options, the token
    goes to the vault. Without arguments: the shops an app can serve, and the app each has."""
    from crossdesk.errors import DeskError
    from crossdesk.vault import VaultError

    desk = open_desk(db_path)
    try:
        actor = cli_actor(desk)
        if shop is None:
            for row in desk.reputation.apps.list(actor):
                app_name = row["app"] or "-"
                click.echo(f"#{row['shop_id']:<3} {row['platform']:<8} {row['external_id']:<28} {app_name}")
            return
        if detach:
            done = desk.reputation.apps.detach(actor, shop)
            click.echo(f"{shop}: reviews app detached" if done else f"{shop}: no reviews app attached")
            return
        if app is None:
            names = ", ".join(sorted(desk.reputation.apps.specs())) or "none installed"
            raise UserError(f"name the reviews app to attach ({names})")
        done = desk.reputation.apps.attach(actor, shop, app, name_values(extra, base_url))
        click.echo(f"{done['name']}: reviews from {app} ({done['shop_domain']}); token in the vault")
    except (DeskError, VaultError) as exc:
        raise UserError(str(exc)) from None
    finally:
        desk.close()
