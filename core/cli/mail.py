"""``crossdesk mail``: mail accounts (add, list, test), polling over IMAP, importing raw mail files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from crossdesk.cli.common import with_desk


def register(cli: click.Group) -> None:
    cli.add_command(mail)


@click.group()
def mail() -> None:
    """The e-mail channel: buyer mail in (IMAP, files), replies out (SMTP)."""


@mail.command("import")
@with_desk
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--shop", required=True, help="The shop the mail was sent to (id, external id or name).")
@click.option("-v", "--verbose", is_flag=True, help="One line per mail.")
def import_(desk: Any, actor: Any, path: Path, shop: str, verbose: bool) -> None:
    """Import raw mail: a .eml file, a directory of them, a Maildir or an mbox file.

    Each mail goes through the same intake as polled mail: threaded onto its ticket, the buyer's words
    without quoted history, attachments kept beside the desk, auto-replies and bounces filed apart.
    Importing the same mail again adds nothing.
    """

    def report(name: str, outcome: Any) -> None:
        if isinstance(outcome, Exception):
            click.echo(f"{name}: refused: {outcome}", err=True)
        elif verbose:
            where = f" -> ticket #{outcome.ticket_id}" if outcome.ticket_id else ""
            notes = f" ({'; '.join(outcome.notes)})" if outcome.notes else ""
            click.echo(f"{name}: {outcome.kind}{where}{notes}")

    counts = desk.mail.import_path(actor, path, shop, on_mail=report)
    parts = [f"{n} {k}" for k, n in sorted(counts.items())]
    click.echo("imported: " + (", ".join(parts) if parts else "nothing"))


@mail.command("add")
@with_desk
@click.argument("name")
@click.option("--shop", required=True, help="The shop this mailbox serves (id, external id or name).")
@click.option("--address", required=True, help="The seller's registered address replies are sent from.")
@click.option("--username", default="", help="Login name (default: the address).")
@click.option("--imap-host", default="")
@click.option("--imap-port", type=int, default=993)
@click.option("--imap-security", type=click.Choice(["tls", "starttls", "none"]), default="tls")
@click.option("--smtp-host", default="")
@click.option("--smtp-port", type=int, default=465)
@click.option("--smtp-security", type=click.Choice(["tls", "starttls", "none"]), default="tls")
@click.option("--folder", default="INBOX", help="The folder to read.")
@click.option("--processed-folder", default="", help="Move processed mail here (default: leave it).")
@click.option("--sent-folder", default="Sent", help="Where the server keeps sent mail (reconciliation).")
def add(desk: Any, actor: Any, name: str, shop: str, address: str, **settings: Any) -> None:
    """Add or change the mail account NAME. The password is never stored: set CROSSDESK_MAIL_<NAME>_PASSWORD
    or put it in a [mail."NAME"] table of the credentials file."""
    shop_id = desk.mail.shop(shop)["id"]
    account_id = desk.mail.accounts.add(actor, name=name, shop_id=shop_id, address=address, **settings)
    click.echo(f"mail account #{account_id} {name} ({address}) for shop #{shop_id}")


@mail.command("list")
@with_desk
def list_(desk: Any, actor: Any) -> None:
    """The mail accounts, with their servers and folders (never a password)."""
    accounts = desk.mail.accounts.list(actor)
    if not accounts:
        click.echo("no mail accounts; add one with 'crossdesk mail add'")
    for a in accounts:
        click.echo(
            f"#{a.id} {a.name} <{a.address}> shop #{a.shop_id}  IMAP {a.imap_host or '-'}:{a.imap_port}/"
            f"{a.imap_security} {a.folder}"
            + (f" -> {a.processed_folder}" if a.processed_folder else "")
            + f"  SMTP {a.smtp_host or '-'}:{a.smtp_port}/{a.smtp_security}"
        )


@mail.command("show")
@with_desk
@click.argument("message_id", type=int)
def show(desk: Any, actor: Any, message_id: int) -> None:
    """Print the full original mail behind desk message MESSAGE_ID (quoted history and all)."""
    click.echo(desk.mail.original(actor, message_id).decode("utf-8", errors="replace"))


@mail.command("test")
@with_desk
@click.argument("name")
def test(desk: Any, actor: Any, name: str) -> None:
    """Check account NAME: its password is found, IMAP signs in and opens the folder, SMTP signs in."""
    failed = False
    for what, ok, detail in desk.mail.test(actor, name):
        failed = failed or not ok
        click.echo(f"{what}: {'ok' if ok else 'FAILED'}: {detail}", err=not ok)
    if failed:
        raise SystemExit(1)


@mail.command("poll")
@with_desk
@click.argument("name", required=False)
@click.option(
    "--limit", type=click.IntRange(min=1), default=500, show_default=True, help="Mails per account."
)
def poll(desk: Any, actor: Any, name: str | None, limit: int) -> None:
    """Read new mail over IMAP from account NAME (default: every account), resuming where the last poll
    stopped. 'crossdesk sync' does the same for every account."""
    if not print_polls(desk.mail.poll(actor, name, limit=limit)):
        raise SystemExit(1)


def print_polls(results: list[Any]) -> bool:
    """One line per account; False when one failed."""
    ok = True
    for r in results:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(r.kinds.items()))
        line = f"mail {r.account} {r.folder}: {r.fetched} fetched" + (f" ({kinds})" if kinds else "")
        if r.reset:
            line += "; the folder was rebuilt on the server (new UIDVALIDITY), read again from the start"
        if r.refused:
            line += f", {r.refused} refused (see the audit trail)"
        if r.error:
            ok = False
            line += f"; stopped: {r.error} (the next poll resumes here)"
        click.echo(line, err=bool(r.error))
    return ok
