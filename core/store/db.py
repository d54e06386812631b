"""The desk database: SQLite through sqlite-utils, WAL, foreign keys, numbered migrations.

Migrations are modules ``crossdesk.store.migrations.mNNNN_<name>`` with ``up(db)``, listed in
:data:`crossdesk.store.migrations.MODULES`; each runs once, in number order, inside a transaction, and is
recorded in ``schema_migrations``. Number ranges per area keep
parallel work apart: 1-9 foundation, 10-19 native core and queue, 20-29 after-sales, 30-39 automation,
40-49 language, 50-59 TUI.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs
import sqlite_utils

from crossdesk.store import aside
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


#: How long a write waits for another process's lock before "database is locked" (milliseconds).
BUSY_TIMEOUT_MS = 30000
#: The WAL is truncated when a commit finds it larger than this (bytes); SQLite's own checkpoints run every
#: 1000 pages but cannot shrink a WAL that readers held open while writers went on.
WAL_LIMIT = 64 * 1024 * 1024
#: The same during a bulk load (:func:`bulk_writes`), whose batches rewrite the same index pages: large
#: enough that a desk of tens of thousands of tickets imports with one checkpoint at the end, small enough
#: that a million-ticket import does not grow the WAL to gigabytes.
BULK_WAL_LIMIT = 512 * 1024 * 1024


def writable(path: Path) -> bool:
    """Whether this process may write the desk file and the folder its WAL lives in."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _create_private(path: Path) -> None:
    """A new desk file (and a new folder for it) readable by its owner only; SQLite gives the WAL and
    shared-memory files the database file's own mode."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
        path.parent.chmod(0o700)
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process created it first: theirs, as it is
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection (read-only media, a file this user may not write): ``mode=ro``, or
    ``immutable`` when not even the shared-memory file can be made beside it."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(
        f"{uri}?mode=ro", uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)
    return conn


def connect(
    path: str | Path | None = None, *, migrate: bool = True, read_only: bool | None = None
) -> sqlite_utils.Database:
    """Open (creating if needed) a desk database and bring its schema up to date.

    ``":memory:"`` gives an in-memory desk. The connection is in autocommit mode; group writes with
    :func:`transaction`. A desk file this process cannot write is opened read-only (``read_only=None``
    decides so; True or False forces it): reading commands work on it, a write fails with SQLite's
    "readonly database" error, and a schema that is behind is a :class:`SchemaError`.
    """
    if path is None:
        path = default_path()
    wal = None
    if str(path) != ":memory:":
        file = Path(path)
        if read_only is None:
            read_only = file.exists() and not writable(file)
        if read_only:
            conn = _open_read_only(file)
        else:
            _create_private(file)
            conn = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
            wal = f"{path}-wal"
    else:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    conn.isolation_level = None
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
    if wal is not None:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA journal_size_limit = {int(WAL_LIMIT)}")
    if read_only:
        conn.execute("PRAGMA query_only = 1")
    db = sqlite_utils.Database(conn)
    db.read_only = bool(read_only)  # type: ignore[attr-defined]
    db.wal_path = wal  # type: ignore[attr-defined]
    if migrate and read_only:
        behind = known_migrations()[-1][0]
        if schema_version(db) < behind:
            raise SchemaError(
                f"the desk at {path} is read-only and its schema is behind: open it writable once"
            )
    elif migrate:
        # indexes a killed bulk load set aside come back first: a migration may rely on them
        aside.restore(db)
        apply_migrations(db)
    return db


def checkpoint_if_large(db: sqlite_utils.Database) -> None:
    """Truncate the WAL when it has grown past :data:`WAL_LIMIT` (called after each outermost commit):
    a TRUNCATE checkpoint that never waits for readers; while one holds an old snapshot it is tried again
    each time the WAL has grown by another quarter of the limit."""
    wal = getattr(db, "wal_path", None)
    if wal is None:
        return
    try:
        size = os.stat(wal).st_size
    except OSError:
        return
    limit = BULK_WAL_LIMIT if getattr(db, "checkpoint_deferred", False) else WAL_LIMIT
    if size <= max(limit, getattr(db, "wal_retry_at", 0)):
        behind: Checkpointer | None = getattr(db, "checkpointer", None)
        if behind is not None:  # a bulk load: what this commit wrote is copied on the side
            behind.ask(size)
        return
    conn = db.conn
    conn.execute("PRAGMA busy_timeout = 0")  # never make a commit wait for a reader
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error:  # the transaction is committed: a checkpoint that cannot run now waits
        busy = 1
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
    # A reader still holds an old snapshot: try again once the WAL has grown by another quarter limit.
    db.wal_retry_at = size + limit // 4 if busy else 0  # type: ignore[attr-defined]


#: The WAL size (bytes) from which a :class:`Checkpointer` starts: less is copied at the end in moments.
ASIDE_FROM = 8 * 1024 * 1024


class Checkpointer:
    """Passive checkpoints of the desk at ``path`` on a thread of its own, through a connection of its own,
    while the writer goes on: during a bulk load (:func:`bulk_writes`), the frames each commit appended to
    the WAL are copied into the database file on the other core instead of all at the end on the writer's.

    A passive checkpoint never waits for, and never blocks, the writer or a reader: it copies the frames
    no reader still needs, and the writer starts the WAL again from its beginning once all were copied.
    Asked after each commit (:meth:`ask`); asks that come while one runs make one more. The thread and its
    connection start once the WAL has grown past :data:`ASIDE_FROM`: a small load (a sync's page, a few
    shops) never starts them, and the importer's phone worker, started by its first buyers, is forked from
    a process with one thread. Any failure (the connection cannot open, a checkpoint fails) leaves the work
    to the checkpoint that ends the bulk load."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.runs = 0  # checkpoints run (tests)
        self._asked = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None

    def ask(self, wal_size: int) -> None:
        """Copy what is committed, soon (``wal_size``: the WAL file's size now)."""
        if self._stop:
            return
        if self._thread is None:
            if wal_size < ASIDE_FROM:
                return
            self._thread = threading.Thread(target=self._loop, name="crossdesk-checkpoint", daemon=True)
            self._thread.start()
        self._asked.set()

    def _loop(self) -> None:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            return
        try:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA busy_timeout = 0")
            while True:
                self._asked.wait()
                self._asked.clear()
                if self._stop:
                    return
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.runs += 1
        finally:
            conn.close()

    def close(self) -> None:
        """Stop, once the checkpoint under way (if any) has ended."""
        self._stop = True
        self._asked.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


class PartlyWritten(sqlite3.DatabaseError):
    """A block of :func:`all_or_nothing` in which a nested unit of work failed and was caught: with no
    savepoint to roll it back, what it wrote before failing is still there, so the whole block fails."""


@contextmanager
def all_or_nothing(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Mark the block (inside a transaction whose caller rolls it back whole on any error) as one unit:
    nested :func:`transaction` calls open no savepoint within it.

    Each open savepoint makes SQLite copy every page it touches to a sub-journal, and each statement that
    may abort (a foreign key, a trigger, an upsert) ends with a release that walks that sub-journal from its
    start: inside a savepoint around a batch's writes, the cost of every statement grows with the pages
    written before it. Importing into a desk of a million tickets, the order lines of a batch of ten
    thousand orders took 4 s inside the intake's savepoint and a tenth of that without it.

    Should a nested unit fail and its caller catch the error and go on, the block raises
    :class:`PartlyWritten` as it ends, so the transaction is rolled back as a savepoint would have rolled
    back that unit, and more."""
    conn = db.conn
    if not conn.in_transaction:
        raise RuntimeError("all_or_nothing must run inside a transaction")
    outer = getattr(db, "savepoints_off", None)
    state = db.savepoints_off = {"failed": False}  # type: ignore[attr-defined]
    try:
        yield db
    finally:
        db.savepoints_off = outer  # type: ignore[attr-defined]
    if state["failed"]:
        raise PartlyWritten("a nested write failed inside an all-or-nothing block; roll the block back")


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One atomic unit of work. Nested calls become savepoints, so an inner failure rolls back only itself
    when the caller catches it, and the outer failure rolls back everything (inside
    :func:`all_or_nothing`, no savepoint: the block as a whole is the unit)."""
    conn = db.conn
    flat = getattr(db, "savepoints_off", None)
    if conn.in_transaction and flat is not None:
        try:
            yield db
        except BaseException:
            flat["failed"] = True
            raise
        return
    if conn.in_transaction:
        name = f"sp_{id(object())}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back the whole of it (a full disk, an interrupt)
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
        if conn.in_transaction:  # SQLite may have rolled back itself (a full disk, an I/O error)
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
    checkpoint_if_large(db)


#: Page cache of a bulk load, in KiB (SQLite's negative ``cache_size``): a batch of ten thousand records
#: dirties more pages of the ticket indexes than the default 2 MiB holds, and a spilled page is written
#: to the WAL twice.
BULK_CACHE_KIB = 256 * 1024


@contextmanager
def bulk_writes(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A bulk load's connection settings for the duration of the block, restored after: a page cache that
    holds a batch (:data:`BULK_CACHE_KIB`), temporary b-trees in memory, and no WAL checkpoint per commit
    (SQLite's automatic one every 1000 pages; :func:`checkpoint_if_large` only past
    :data:`BULK_WAL_LIMIT`): each would stop the writer to copy the pages of the ticket and message indexes
    that every batch touches again into the database file. They are copied on the side instead, by a
    :class:`Checkpointer` asked after each commit, so the block ends with a checkpoint of the last commit
    only (copying a whole 20k-ticket import's WAL there took 0.2 s of its 5-6). ``synchronous`` is left
    as it is: a batch that committed is in the WAL and survives a crash of the process (the next open
    replays it)."""
    conn = db.conn
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    temp = conn.execute("PRAGMA temp_store").fetchone()[0]
    autocheckpoint = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    deferred = getattr(db, "checkpoint_deferred", False)
    conn.execute(f"PRAGMA cache_size = {-int(BULK_CACHE_KIB)}")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    db.checkpoint_deferred = True  # type: ignore[attr-defined]
    wal = getattr(db, "wal_path", None)
    outermost = not deferred and wal is not None
    if outermost:
        db.checkpointer = Checkpointer(wal.removesuffix("-wal"))  # type: ignore[attr-defined]
    try:
        yield db
    finally:
        if outermost:
            db.checkpointer.close()  # type: ignore[attr-defined]
            db.checkpointer = None  # type: ignore[attr-defined]
        db.checkpoint_deferred = deferred  # type: ignore[attr-defined]
        conn.execute(f"PRAGMA cache_size = {int(cache)}")
        conn.execute(f"PRAGMA temp_store = {int(temp)}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {int(autocheckpoint)}")
        if not deferred and not conn.in_transaction:
            checkpoint_now(db)


def checkpoint_now(db: sqlite_utils.Database) -> None:
    """Copy the WAL into the database file and truncate it when no reader holds an old snapshot (else a
    passive checkpoint of what it can, and :func:`checkpoint_if_large` tries again after a later commit).
    Never waits for a reader."""
    if getattr(db, "wal_path", None) is None:
        return
    conn = db.conn
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    except sqlite3.Error:  # everything is committed: a checkpoint that cannot run now runs later
        pass
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")


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
