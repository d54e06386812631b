"""``crossdesk tickets list|show|explain|reply``: the inbox from the command line (docs/explain.md).

The same filter line as the TUI's inbox (``platform:amazon lang:de mine breaching words``), the same
services and the same permissions: the acting agent is the one every other command uses."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import click
import orjson

from crossdesk.cli.common import UserError, with_desk


def register(cli: click.Group) -> None:
    cli.add_command(tickets)


@click.group()
def tickets() -> None:
    """List, show, explain and answer tickets."""


def _when(epoch: int | None) -> str:
    if epoch is None:
        return "-"
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%d %H:%M")


def _num(x: Any) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else round(float(x), 4)


def filters_for(desk: Any, actor: Any, text: str, search: str | None) -> dict[str, Any]:
    """The inbox's filter line (and ``--search``) as ticket filters, exactly as the TUI reads them."""
    from crossdesk.tickets.filters import breaching_before
    from crossdesk.tui import query

    try:
        parsed = query.parse(text)
        if search:
            parsed.words.extend(search.split())
        return query.to_filters(
            parsed,
            me=actor.agent_id,
            breaching_before=breaching_before(desk.now()),
            **query.read_names(desk, actor),
        )
    except query.QueryError as exc:
        raise UserError(str(exc)) from None


@tickets.command("list")
@click.argument("query", nargs=-1)
@click.option("--search", default=None, help="Find tickets by message text, #number, buyer, order, SKU...")
@click.option("--limit", type=click.IntRange(min=1, max=100_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
@with_desk
def list_(
    desk: Any, actor: Any, query: tuple[str, ...], search: str | None, limit: int, as_json: bool
) -> None:
    """Tickets matching the inbox's filter line, best first (e.g. ``platform:amazon mine breaching``)."""
    from crossdesk.tui.query import every_status

    filters = filters_for(desk, actor, " ".join(query), search)
    rows = desk.queue.page(actor, limit=limit, **filters).rows
    wider = every_status(filters) if not rows else None
    if wider:  # a search that finds nothing open: what it finds in the other statuses, said so
        rows = desk.queue.page(actor, limit=limit, **wider).rows
        if rows and not as_json:
            click.echo("no open ticket matches; in the other statuses:", err=True)
    if as_json:
        keep = ("id", "platform", "shop_name", "status", "language", "intent", "buyer", "assignee", "subject")
        out = [{k: r.get(k) for k in keep} | {"priority": _num(r.get("priority"))} for r in rows]
        click.echo(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
        return
    from crossdesk.models import TicketStatus

    if not rows:
        click.echo("no ticket matches")
        return
    for r in rows:
        status = TicketStatus(int(r["status"])).label
        pri = _num(r.get("priority"))
        click.echo(
            f"#{r['id']:<7} {'-' if pri is None else f'{pri:6.2f}':>6}  {status:<8} {r['platform']:<8} "
            f"{r.get('language') or '?':<3} {r.get('intent') or '-':<18} {r.get('buyer') or '?':<20} "
            f"{r.get('subject') or ''}"
        )


@tickets.command()
@click.argument("ticket_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_desk
def show(desk: Any, actor: Any, ticket_id: int, as_json: bool) -> None:
    """A ticket with its messages, oldest first."""
    from crossdesk.models import TicketStatus

    t = desk.tickets.get(actor, ticket_id)
    desk.tickets.add_names(actor, [t])
    if as_json:
        t = dict(t)
        t["priority"] = _num(t.get("priority"))
        click.echo(orjson.dumps(t, option=orjson.OPT_INDENT_2, default=str).decode())
        return
    click.echo(f"#{t['id']} {t['subject']}")
    click.echo(
        f"  {TicketStatus(int(t['status'])).label} · {t['platform']} · {t.get('shop_name')} · "
        f"buyer {t.get('buyer') or '?'} · assignee {t.get('assignee') or 'nobody'}"
    )
    click.echo(
        f"  language {t['language'] or '?'} · intent {t['intent'] or '-'} · tags {', '.join(t['tags']) or '-'}"
    )
    for m in t["messages"]:
        click.echo(f"\n[{_when(m['created_at'])}] {m['direction']}")
        click.echo(m["body"])


@tickets.command()
@click.argument("ticket_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_desk
def explain(desk: Any, actor: Any, ticket_id: int, as_json: bool) -> None:
    """Why the ticket sits where it does: its score as parts, with points and the facts behind each."""
    e = desk.explain.explain(actor, ticket_id)
    if as_json:
        click.echo(orjson.dumps(e.as_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(e.text())


@tickets.command()
@click.argument("ticket_id", type=int)
@click.option(
    "--template", "template", default=None, help="Reply with this template, in the buyer's language."
)
@click.option("--text", "text", default=None, help="Reply with this text ('-' reads it from standard input).")
@click.option(
    "--status",
    type=click.Choice(["new", "open", "pending", "on_hold", "solved", "closed"]),
    default="pending",
    show_default=True,
    help="The ticket's status after the reply.",
)
@with_desk
def reply(desk: Any, actor: Any, ticket_id: int, template: str | None, text: str | None, status: str) -> None:
    """Answer the buyer: a template rendered for them, or your own text (through the outbox)."""
    if (template is None) == (text is None):
        raise UserError("give --template NAME or --text TEXT (one of them)")
    if template is not None:
        message_id = desk.templates.send(actor, template, ticket_id, status=status)
    else:
        body = click.get_text_stream("stdin").read() if text == "-" else text
        message_id = desk.reply(actor, ticket_id, body or "", status=status)
    click.echo(f"reply {message_id} queued on ticket #{ticket_id}")
