"""``crossdesk tui``: open the agent TUI on a desk.

The TUI package is imported when the command runs (``open_tui``), never when the command line starts, so
the other commands never pay for textual.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from crossdesk.cli.common import (
    ENV_SERVED,
    UserError,
    db_option,
    open_tui,
    os_user,
    resolve_db,
    session_actor,
)


def register(cli: click.Group) -> None:
    cli.add_command(tui)


@click.command()
@db_option
@click.option("--agent", "agent", default=None, metavar="NAME", help="Sign in as this agent of the desk.")
def tui(db_path: Path | None, agent: str | None) -> None:
    """Open the agent TUI (inbox, conversation, customer, after-sales, dashboard)."""
    path = resolve_db(db_path)
    if not path.exists():
        raise UserError(f"no desk at {path}; create one with 'crossdesk init' or 'crossdesk demo'")
    from crossdesk.plugin_manager import plugins_manager

    # A broken plugin refuses here, in one line, rather than inside the full-screen app.
    plugins_manager()
    from crossdesk.api import Desk

    desk = Desk.open(path)
    trusted = None
    try:
        if os.environ.get(ENV_SERVED):
            agent = None  # served to a browser: everyone signs in with their password
        elif desk.team.signin.shared():
            # A shared desk: the agent of this account's session or OS user is signed in; anyone else
            # signs in with a password on the first screen.
            trusted = session_actor(desk) or desk.team.signin.os_actor(os_user())
            agent = agent or (trusted.name if trusted else None)
        if agent is not None:
            desk.actor_for(agent)  # a wrong name is a one-line error here, not a TUI that opens on nothing
    finally:
        desk.close()
    open_tui(path, agent=agent, trusted=trusted)
