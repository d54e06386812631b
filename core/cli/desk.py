"""Desk commands: ``init``, ``doctor``, ``plugins``."""

from __future__ import annotations

import dataclasses
import platform
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from crossdesk import __version__
from crossdesk.cli.common import db_option, resolve_db


def register(cli: click.Group) -> None:
    cli.add_command(init)
    cli.add_command(doctor)
    cli.add_command(plugins)


@click.command()
@db_option
@click.option("--owner", default=None, help="Name of the first admin agent (default: your user name).")
def init(db_path: Path | None, owner: str | None) -> None:
    """Create a desk database (or bring an existing one up to date)."""
    import os

    from crossdesk.api import Desk
    from crossdesk.models import Actor, Role
    from crossdesk.store.db import schema_version

    path = resolve_db(db_path)
    existed = path.exists()
    desk = Desk.open(path)
    try:
        name = owner or os.environ.get("USER") or "owner"
        if not existed and not desk.db.execute("SELECT 1 FROM agents LIMIT 1").fetchone():
            desk.create_agent(Actor(name=name, role=Role.ADMIN), name, role=Role.ADMIN)
        version = schema_version(desk.db)
    finally:
        desk.close()
    verb = "updated" if existed else "created"
    click.echo(f"desk {verb}: {path} (schema {version})")


@click.command()
@db_option
def doctor(db_path: Path | None) -> None:
    """Versions, native backend, database path and schema version, plugins (broken ones too: exit 1)."""
    import numpy

    from crossdesk import native
    from crossdesk.plugin_manager import describe, plugins_manager
    from crossdesk.store.db import connect, known_migrations, schema_version

    console = Console()
    table = Table(show_header=False, box=None)
    table.add_row("crossdesk", __version__)
    table.add_row("python", f"{platform.python_version()} ({sys.executable})")
    table.add_row("numpy", numpy.__version__)
    table.add_row("native backend", native.BACKEND)
    path = resolve_db(db_path)
    table.add_row("database", str(path))
    newest = known_migrations()[-1][0]
    if path.exists():
        db = connect(path, migrate=False)
        version = schema_version(db)
        db.conn.close()
        state = (
            "up to date" if version == newest else f"behind: crossdesk knows {newest}, run 'crossdesk init'"
        )
        table.add_row("schema", f"{version} ({state})")
    else:
        table.add_row("schema", "no desk yet: run 'crossdesk init' or 'crossdesk demo'")
    pm = plugins_manager(strict=False)
    loaded = describe(pm)
    ok = [p.name for p in loaded if p.status == "ok"]
    table.add_row("plugins", f"{len(ok)} loaded: " + ", ".join(ok))
    if pm.unknown:
        table.add_row("not installed", _unknown_line(pm.unknown))
    broken = [p for p in loaded if p.status != "ok"]
    if broken:
        table.add_row("broken plugins", ", ".join(p.name for p in broken) + " (below)")
    console.print(table)
    _fail_on_broken(broken)


def _unknown_line(names: tuple[str, ...]) -> str:
    from crossdesk.plugin_manager import ENV_LOAD

    return f"{ENV_LOAD} names {', '.join(names)}, which no installed plugin has: check the spelling"


def _fail_on_broken(broken: list) -> None:
    """Everything was shown; now give each broken plugin's one line on stderr, unwrapped, and exit 1."""
    if broken:
        for p in broken:
            click.echo(p.error, err=True)
        raise click.exceptions.Exit(1)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plugins(as_json: bool) -> None:
    """Plugins: name, kind (core, default, third-party), version, hooks, where from, and the broken ones.

    Every plugin that loaded is listed even when another is broken; a broken plugin is listed as such,
    its one-line reason goes to stderr, and the exit status is 1."""
    import orjson

    from crossdesk.plugin_manager import describe, plugins_manager

    pm = plugins_manager(strict=False)
    loaded = describe(pm)
    broken = [p for p in loaded if p.status != "ok"]
    if pm.unknown:
        click.echo(_unknown_line(pm.unknown), err=True)
    if as_json:
        click.echo(orjson.dumps([dataclasses.asdict(p) for p in loaded], option=orjson.OPT_INDENT_2).decode())
        _fail_on_broken(broken)
        return
    table = Table("name", "kind", "version", "hooks", "from")
    for p in loaded:
        hooks = ", ".join(h.removeprefix("crossdesk_") for h in p.hooks) if p.status == "ok" else "BROKEN"
        table.add_row(p.name, p.kind, p.version, hooks, p.source)
    Console().print(table)
    _fail_on_broken(broken)
