"""Marketplace commands: ``sync`` (pull, then push the outbox) and ``outbox list|send|resolve``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from crossdesk.cli.common import UserError, cli_actor, db_option, open_desk


def register(cli: click.Group) -> None:
    cli.add_command(sync)
    cli.add_command(outbox)
    cli.add_command(sync_rebind)


def _print_report(report: object) -> None:
    counts = report.counts()  # type: ignore[attr-defined]
    click.echo("outbox: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    for shop_id, why in report.skipped.items():  # type: ignore[attr-defined]
        click.echo(f"outbox: shop #{shop_id} waits: {why}", err=True)


@click.command()
@db_option
@click.option(
    "--platform", "platform_name", default=None, help="Only shops of this platform (amazon, ebay...)."
)
@click.option("--shop", default=None, help="Only this shop (its id, external id or name).")
@click.option("--pull-only", is_flag=True, help="Fetch from the marketplaces but do not send the outbox.")
def sync(db_path: Path | None, platform_name: str | None, shop: str | None, pull_only: bool) -> None:
    """Pull orders, buyer messages and returns from the marketplaces, then send the outbox."""
    desk = open_desk(db_path)
    try:
        actor = cli_actor(desk)
        failed = False
        with desk.sync.connections() as conn:
            shops = conn.shops(platform_name, shop)
            if not shops:
                what = " ".join(x for x in (platform_name, shop) if x) or "any"
                raise UserError(f"no shop matches {what}; add shops first (crossdesk import or the TUI)")
            mark = desk.translation.newest_message()  # translate what this run brings in, not the backlog
            synced = []
            for result in desk.sync.engine(conn, actor=actor).run(platform=platform_name, shop=shop):
                label = f"{result.platform} {result.shop}"
                synced.append(not (result.skipped or result.error))
                if result.skipped:
                    click.echo(f"{label}: skipped, {result.skipped}")
                    continue
                if result.error:
                    failed = True
                    click.echo(f"{label}: {result.error}", err=True)
                    continue
                for name, res in result.resources.items():
                    line = f"{label} {name}: {res.fetched} fetched, {res.new} new, {res.updated} updated"
                    if res.rejected:
                        line += f", {res.rejected} refused (see the audit trail)"
                    if res.error:
                        failed = True
                        line += f"; stopped: {res.error} (the next sync resumes here)"
                    click.echo(line, err=bool(res.error))
                if result.unsupported:
                    click.echo(
                        f"{label}: {result.platform} offers no API for {', '.join(result.unsupported)}"
                    )
            for row, ok in zip(shops, synced, strict=False):  # reviews after orders, so they find theirs
                for name, pull_shop in desk.sync.shop_pullers.items() if ok else ():
                    pulled = pull_shop(actor, conn, row)
                    if getattr(pulled, "shops", 1) or getattr(pulled, "errors", None):  # offered there
                        line = f"{row['platform']} {row['external_id']} {name}: {pulled}"
                        click.echo(line, err=bool(getattr(pulled, "errors", None)))
            if not platform_name and not shop:  # every mail account too (crossdesk mail poll)
                from crossdesk.cli.mail import print_polls

                failed = not print_polls(desk.mail.poll(actor)) or failed
            _translate_new_messages(desk, actor, mark)
            if not pull_only:
                _print_report(desk.sync.dispatcher(conn, actor=actor).run(platform=platform_name, shop=shop))
    finally:
        desk.close()
    if failed:
        raise SystemExit(1)


@click.group()
def outbox() -> None:
    """What crossdesk sends to the marketplaces: list, send, resolve."""


@outbox.command("list")
@db_option
@click.option(
    "--status",
    type=click.Choice(["pending", "sending", "sent", "failed", "manual"]),
    default=None,
    help="Only items in this state.",
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
def outbox_list(db_path: Path | None, status: str | None, limit: int) -> None:
    """List outbox items, oldest first, with what is wrong or what to do by hand."""
    from rich.console import Console
    from rich.table import Table

    desk = open_desk(db_path)
    try:
        items = desk.outbox.items(cli_actor(desk), status, limit)
    finally:
        desk.close()
    if not items:
        click.echo("outbox: nothing" + (f" {status}" if status else ""))
        return
    table = Table("id", "kind", "platform", "status", "tries", "note")
    for item in items:
        table.add_row(
            str(item["id"]),
            item["kind"],
            item["platform"],
            item["status"],
            str(item["attempts"]),
            item["last_error"],
        )
    Console().print(table)


@outbox.command("send")
@db_option
@click.option("--platform", "platform_name", default=None)
@click.option("--shop", default=None)
def outbox_send(db_path: Path | None, platform_name: str | None, shop: str | None) -> None:
    """Send what is due now (and check on interrupted sends)."""
    desk = open_desk(db_path)
    try:
        with desk.sync.connections() as conn:
            report = desk.sync.dispatcher(conn, actor=cli_actor(desk)).run(platform=platform_name, shop=shop)
        _print_report(report)
    finally:
        desk.close()


@outbox.command("resolve")
@db_option
@click.argument("item_id", type=int)
@click.option("--sent", "outcome", flag_value="sent", help="It was done on the platform by hand.")
@click.option("--retry", "outcome", flag_value="retry", help="Send it again.")
def outbox_resolve(db_path: Path | None, item_id: int, outcome: str | None) -> None:
    """Settle a manual or failed item: --sent (done by hand) or --retry."""
    if outcome is None:
        raise UserError("say how it ended: --sent or --retry")
    desk = open_desk(db_path)
    try:
        desk.outbox.resolve(cli_actor(desk), item_id, sent=outcome == "sent")
    finally:
        desk.close()
    click.echo(f"outbox #{item_id}: {'sent' if outcome == 'sent' else 'queued again'}")


def _translate_new_messages(desk: Any, actor: Any, mark: int) -> None:
    """Messages that just arrived (ids above ``mark``) get their translation into the agent's language
    (cached, batched); an older backlog is ``crossdesk translate-incoming``'s work, not every sync's."""
    report = desk.translation.translate_incoming(actor, after_message=mark)
    if report.messages:
        click.echo(
            f"translation: {report.translated} of {report.messages} new buyer messages translated"
            + (f", {report.queued} queued for a retry" if report.queued else "")
        )


@click.command("sync-rebind")
@db_option
@click.argument("shop")
def sync_rebind(db_path: Path | None, shop: str) -> None:
    """Send SHOP's credentials to the endpoints its config names now (after moving it to a sandbox or a
    new host on purpose). Until then a sync refuses a shop whose base_url moved. Needs the settings
    permission; audited."""
    desk = open_desk(db_path)
    try:
        with desk.sync.connections() as conn:
            rows = conn.shops(None, shop)
        if len(rows) != 1:
            raise UserError(f"{shop!r} names {len(rows)} shops; give its id or external id")
        origins = desk.sync.rebind(cli_actor(desk), rows[0]["id"])
        where = ", ".join(f"{k} {v}" for k, v in origins.items()) or "the platform's own endpoints"
        click.echo(f"{rows[0]['platform']} shop {rows[0]['external_id']}: credentials bound to {where}")
    finally:
        desk.close()
