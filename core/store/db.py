"""The desk database: SQLite through sqlite-utils, WAL, foreign keys, numbered migrations.

Migrations are modules ``crossdesk.store.migrations.mNNNN_<name>`` with ``up(db)``, listed in
:data:`crossdesk.store.migrations.MODULES`; each runs once, in number order, inside a transaction, and is
recorded in ``schema_migrations``. Number ranges per area keep
parallel work apart: 1-9 foundation, 10-19 native core and queue, 20-29 after-sales, 30-39 automation,
40-49 language, 50-59 TUI.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs
import sqlite_utils

from crossdesk.store.migrations import MODULES

ENV_DB = "CROSSDESK_DB"
_MIGRATION = re.compile(r"^m(\d{4})_(\w+)$")


class SchemaError(Exception):
    """The database is newer than this crossdesk, or is not a desk database."""


def default_path() -> Path:
    """``CROSSDESK_DB`` if set, else ``desk.db`` in the user data directory."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("crossdesk", appauthor=False)) / "desk.db"


def connect(path: str | Path | None = None, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) a desk database and bring its schema up to date.

    ``":memory:"`` gives an in-memory desk. The connection is in autocommit mode; group writes with
    :func:`transaction`.
    """
    if path is None:
        path = default_path()
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    else:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    db = sqlite_utils.Database(conn)
    if migrate:
        apply_migrations(db)
    return db


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One atomic unit of work. Nested calls become savepoints, so an inner failure rolls back only itself
    when the caller catches it, and the outer failure rolls back everything."""
    conn = db.conn
    if conn.in_transaction:
        name = f"sp_{id(object())}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def known_migrations() -> list[tuple[int, str, object]]:
    """All known migrations as (number, name, module), in order."""
    found = []
    for module in MODULES:
        m = _MIGRATION.match(module.__name__.rpartition(".")[2])
        if m is None:
            raise SchemaError(f"migration module {module.__name__} is not named mNNNN_<name>")
        found.append((int(m.group(1)), m.group(2), module))
    found.sort(key=lambda item: item[0])
    numbers = [n for n, _, _ in found]
    if len(set(numbers)) != len(numbers):
        raise SchemaError(f"two migrations share a number: {numbers}")
    return found


def schema_version(db: sqlite_utils.Database) -> int:
    if "schema_migrations" not in db.table_names():
        return 0
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def apply_migrations(db: sqlite_utils.Database) -> list[int]:
    """Run every migration not yet applied; return the numbers applied."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
    )
    done = {row[0] for row in db.execute("SELECT version FROM schema_migrations").fetchall()}
    known = known_migrations()
    newest = max((n for n, _, _ in known), default=0)
    if done and max(done) > newest:
        raise SchemaError(
            f"this desk has schema version {max(done)} but this crossdesk knows only up to {newest}; "
            "upgrade crossdesk"
        )
    applied = []
    for number, name, module in known:
        if number in done:
            continue
        with transaction(db):
            module.up(db)  # type: ignore[attr-defined]
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [number, name, int(time.time())],
            )
        applied.append(number)
    return applied
