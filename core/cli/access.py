"""``crossdesk login|logout|whoami|audit``: who acts on this desk, and what everyone did (docs/team.md)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from crossdesk.cli.common import (
    UserError,
    cli_actor,
    db_option,
    desk_key,
    open_desk,
    read_sessions,
    session_actor,
    with_desk,
    write_session,
)
from crossdesk.cli.numbers import FiniteFloat


def register(cli: click.Group) -> None:
    for command in (login, logout, whoami, audit):
        cli.add_command(command)


@click.command()
@db_option
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--hours", type=FiniteFloat(min=0.1, max=24 * 30), default=12, show_default=True)
def login(db_path: Path | None, name: str, password_stdin: bool, hours: float) -> None:
    """Sign in as agent NAME: the CLI (and the TUI) then act as them until the session expires."""
    password = (
        sys.stdin.readline().rstrip("\n") if password_stdin else click.prompt("Password", hide_input=True)
    )
    desk = open_desk(db_path)
    try:
        actor = desk.team.signin.authenticate(name, password)
        token = desk.team.signin.open_session(actor, ttl=int(hours * 3600))
        path = write_session(desk, token)
        click.echo(
            f"signed in as {actor}; session for {hours:g} h (kept in {path.name}, readable by you only)"
        )
    finally:
        desk.close()


@click.command()
@db_option
def logout(db_path: Path | None) -> None:
    """End this account's session on the desk."""
    desk = open_desk(db_path)
    try:
        token = read_sessions().get(desk_key(desk))
        if token:
            desk.team.signin.close_session(token)
        write_session(desk, None)
        click.echo("signed out")
    finally:
        desk.close()


@click.command()
@db_option
def whoami(db_path: Path | None) -> None:
    """Who the command line acts as on this desk, and why."""
    desk = open_desk(db_path)
    try:
        actor = cli_actor(desk)
        how = (
            "session"
            if session_actor(desk)
            else ("shared desk, OS user" if desk.team.signin.shared() else "personal desk")
        )
        click.echo(f"{actor} ({how})")
    finally:
        desk.close()


def _since(text: str) -> int:
    units = {"m": 60, "h": 3600, "d": 86400}
    if text and text[-1] in units and text[:-1].isdigit():
        return -int(text[:-1]) * units[text[-1]]
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UserError(
            f"--since takes a time like 2026-03-02T09:00Z or an age like 30m, 12h, 7d: {exc}"
        ) from exc
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())


@click.command()
@with_desk
@click.option("--actor", "who", default=None, help="Only what this actor did.")
@click.option("--object", "obj", default=None, help="Only this object: TYPE or TYPE:ID (ticket:42).")
@click.option("--since", default=None, help="From this time (ISO) or age (30m, 12h, 7d).")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
def audit(desk: Any, actor: Any, who: str | None, obj: str | None, since: str | None, limit: int) -> None:
    """The audit trail, newest first."""
    object_type, object_id = None, None
    if obj:
        object_type, _, ident = obj.partition(":")
        if ident:
            if not ident.isdigit():
                raise UserError("--object takes TYPE or TYPE:ID, e.g. ticket:42")
            object_id = int(ident)
    start = None
    if since:
        start = _since(since)
        if start < 0:
            start = desk.now() + start
    rows = desk.team.audit(
        actor, actor_name=who, object_type=object_type, object_id=object_id, since=start, limit=limit
    )
    for r in rows:
        at = datetime.fromtimestamp(r["at"], UTC).strftime("%Y-%m-%d %H:%M:%S")
        what = f"{r['object_type']}" + (f":{r['object_id']}" if r["object_id"] is not None else "")
        after = "" if r["after"] is None else f" {r['after']}"
        click.echo(f"{at}  {r['actor']} ({r['role']})  {r['action']}  {what}{after}")
    click.echo(f"{len(rows)} row(s)")
