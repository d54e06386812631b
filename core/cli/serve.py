"""``crossdesk serve``: the same Textual app in a browser (textual-serve), behind the same sign-in.

Each browser tab gets its own ``crossdesk tui`` process on the desk, started with ``CROSSDESK_SERVED=1``:
in it nobody is signed in by their session or OS user name (the server's account is not the person at the
browser), so everyone types their password on the sign-in screen. A desk without passwords is refused:
serving it would hand it to anyone who reaches the port. It binds 127.0.0.1 unless ``--host`` says
otherwise (put it behind a TLS proxy to serve it further).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from crossdesk.cli.common import ENV_SERVED, UserError, db_option, open_desk, resolve_db


def register(cli: click.Group) -> None:
    cli.add_command(serve)


@click.command()
@db_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback unless told)."
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
def serve(db_path: Path | None, host: str, port: int) -> None:
    """Serve the agent TUI to browsers; every agent signs in with their password."""
    desk = open_desk(db_path)
    try:
        if not desk.team.signin.has_passwords():
            raise UserError(
                "no agent of this desk has a password: set them first ('crossdesk team password NAME'), "
                "since anyone reaching the port gets the sign-in screen"
            )
    finally:
        desk.close()
    try:
        from textual_serve.server import Server
    except ImportError as exc:  # pragma: no cover - a dependency
        raise UserError(f"serving needs textual-serve: {exc}") from exc
    path = resolve_db(db_path).resolve()
    command = (
        f"env {ENV_SERVED}=1 {shlex.quote(sys.executable)} -m crossdesk tui --db {shlex.quote(str(path))}"
    )
    click.echo(f"crossdesk on http://{host}:{port} (desk {path.name}); Ctrl+C stops it", err=True)
    Server(command, host=host, port=port, title="crossdesk").serve()
