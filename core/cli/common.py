"""Shared pieces of the command line: the group, the ``--db`` option, the acting user, clean errors."""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from crossdesk.errors import DeskError, PermissionDenied
from crossdesk.models import Actor, Role

ENV_ACTOR = "CROSSDESK_ACTOR"
ENV_SESSION = "CROSSDESK_SESSION"
ENV_SERVED = "CROSSDESK_SERVED"  # set by crossdesk serve: nobody is signed in without a password


class UserError(click.ClickException):
    """An error the user caused: printed as one line, exit status 1, no traceback."""


class CleanErrorGroup(click.Group):
    """Turns the service layer's expected errors into one clean line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (DeskError, PermissionDenied, ValueError) as exc:
            raise UserError(str(exc)) from exc
        except OSError as exc:
            raise UserError(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)) from exc
        except sqlite3.Error as exc:
            raise UserError(database_error(exc, ctx)) from exc
        except Exception as exc:  # the plugin manager's and the schema's, looked up only when raised
            if not _expected(exc):
                raise
            raise UserError(str(exc)) from exc


def _expected(exc: BaseException) -> bool:
    """Whether ``exc`` is the plugin manager's or the schema's error (their modules are not imported
    here: a command that never loaded them cannot have raised them)."""
    manager, db = sys.modules.get("crossdesk.plugin_manager"), sys.modules.get("crossdesk.store.db")
    return (manager is not None and isinstance(exc, manager.PluginError)) or (
        db is not None and isinstance(exc, db.SchemaError)
    )


def database_error(exc: BaseException, ctx: click.Context | None = None) -> str:
    """One line for what SQLite says went wrong with the desk file; a failed step changed nothing."""
    text = str(exc)
    path = _db_in(ctx)
    where = f" ({path})" if path else ""
    if "disk is full" in text or "disk I/O error" in text:
        return f"the disk holding the desk{where} is full or failing: nothing of this step was written; free space and run it again"
    if "readonly" in text or "read-only" in text:
        return f"the desk{where} is read-only here: reading commands (cases list, export, doctor) work, this one writes"
    if "locked" in text or "busy" in text:
        return f"the desk{where} is locked by another crossdesk process: nothing was changed; run it again when that one is done"
    if "not a database" in text or "malformed" in text:
        return f"{path or 'the file'} is not a crossdesk desk (not an SQLite database, or damaged)"
    if "unable to open" in text:
        return f"cannot open the desk{where}: check that its folder exists and may be read"
    return f"the desk database{where} failed: {text}"


def _db_in(ctx: click.Context | None) -> str:
    while ctx is not None:
        found = ctx.params.get("db_path")
        if found:
            return str(found)
        ctx = ctx.parent
    return os.environ.get("CROSSDESK_DB", "")


def db_option(fn: Callable) -> Callable:
    """``--db PATH`` (else ``CROSSDESK_DB``, else the default desk in the user data directory)."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Desk database file (default: $CROSSDESK_DB or the user data directory).",
    )(fn)


def name_value_option(help: str) -> Callable:
    """``-o/--option NAME=VALUE`` (repeatable, into ``extra``): the options of a plugin's flow or app."""
    return click.option("-o", "--option", "extra", multiple=True, metavar="NAME=VALUE", help=help)


def name_values(items: tuple[str, ...], base_url: str | None = None) -> dict[str, Any]:
    """The ``-o NAME=VALUE`` options of a plugin's flow or app (dashes in NAME read as underscores), and
    ``--base-url`` as ``base_url`` when given; UserError on an item without ``=``."""
    given: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UserError(f"-o {item!r}: expected NAME=VALUE")
        given[name.strip().replace("-", "_")] = value
    if base_url:
        given["base_url"] = base_url
    return given


def resolve_db(db_path: Path | None) -> Path:
    from crossdesk.store.db import default_path

    return db_path if db_path is not None else default_path()


def open_desk(db_path: Path | None, *, must_exist: bool = True) -> Any:
    """Open the desk at ``db_path``; a missing desk is a user error unless ``must_exist`` is False."""
    from crossdesk.api import Desk

    path = resolve_db(db_path)
    if must_exist and not path.exists():
        raise UserError(f"no desk at {path}; create one with 'crossdesk init' or 'crossdesk demo'")
    return Desk.open(path)


def cli_actor(desk: Any = None) -> Actor:
    """Who the command line acts as (docs/team.md).

    On a personal desk (no agent has a password or an OS user name): ``CROSSDESK_ACTOR`` names an agent
    of the desk (their role applies); unset, it is the desk owner (admin). On a shared desk: the agent of
    this account's session (``crossdesk login``), else the agent mapped to this OS user; nobody else, and
    never silently the admin. ``CROSSDESK_ACTOR`` may then only name that same agent."""
    name = os.environ.get(ENV_ACTOR, "").strip()
    if desk is not None and desk.team.signin.shared():
        who = (
            None
            if os.environ.get(ENV_SERVED)
            else session_actor(desk) or desk.team.signin.os_actor(os_user())
        )
        if who is None:
            raise UserError(
                f"this desk is shared: sign in with 'crossdesk login NAME' (OS user {os_user()} is not mapped "
                "to an agent)"
            )
        if name and name != who.name:
            raise UserError(f"{ENV_ACTOR} names {name!r}, but you are signed in as {who.name!r}")
        return who
    if not name:
        return Actor(name=os.environ.get("USER", "owner") or "owner", role=Role.ADMIN)
    if desk is None:
        raise UserError(f"{ENV_ACTOR} is set but no desk is open")
    return desk.actor_for(name)


def os_user() -> str:
    """The operating-system user running this process."""
    import getpass

    try:
        return getpass.getuser()
    except OSError:
        return ""


def session_file() -> Path:
    """Where this account keeps its session tokens (``CROSSDESK_SESSION`` or the user state directory)."""
    env = os.environ.get(ENV_SESSION)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_state_dir("crossdesk", appauthor=False)) / "sessions.json"


def desk_key(desk: Any) -> str:
    return str(Path(str(desk.path)).resolve()) if desk.path not in (None, ":memory:") else ":memory:"


def read_sessions() -> dict[str, str]:
    import orjson

    path = session_file()
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def write_session(desk: Any, token: str | None) -> Path:
    """Keep (None: forget) this account's token for ``desk``, in a file only the owner can read."""
    import orjson

    sessions = read_sessions()
    if token is None:
        sessions.pop(desk_key(desk), None)
    else:
        sessions[desk_key(desk)] = token
    path = session_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(orjson.dumps(sessions))
    os.chmod(path, 0o600)
    return path


def session_actor(desk: Any) -> Actor | None:
    token = read_sessions().get(desk_key(desk))
    return desk.team.signin.session_actor(token) if token else None


def with_desk(fn: Callable) -> Callable:
    """Decorator: open the desk from ``--db`` and pass ``desk`` and ``actor``; close it afterwards."""

    @db_option
    @functools.wraps(fn)
    def wrapper(db_path: Path | None, **kwargs: Any) -> Any:
        desk = open_desk(db_path)
        try:
            return fn(desk=desk, actor=cli_actor(desk), **kwargs)
        finally:
            desk.close()

    return wrapper


def open_tui(db_path: Path | None, agent: str | None = None, trusted: Actor | None = None) -> None:
    """Open the agent TUI (imported when it opens: the other commands never pay for textual)."""
    try:
        from crossdesk.tui.app import run
    except ImportError as exc:
        raise UserError(f"the TUI is not available in this installation: {exc}") from exc
    if trusted is None:
        run(resolve_db(db_path), agent=agent)
    else:  # a shared desk: the agent the session or the OS user names
        run(resolve_db(db_path), agent=agent, trusted=trusted)
