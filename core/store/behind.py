"""Committing behind: a transaction's last statements and its COMMIT run on a thread of their own while
the caller goes on with work that does not touch the database.

A bulk load alternates Python (reading and checking the next batch of lines) with SQLite (writing the
last). SQLite releases the GIL while a statement runs, so a statement that writes many rows in one step
can run beside the Python of the next batch on the other core. Only such statements gain: an
``executemany`` takes the GIL back for every row, and while the caller runs Python a thread waiting for
the GIL gets it once per switch interval (5 ms), one row at a time. The rows of a deferred write are
therefore handed over whole, as one JSON array read back by ``json_each``.

What may be deferred (:func:`later`) is what nothing in the transaction reads again: its audit rows and
the full-text index of its messages. A write that must keep its place among the deferred ones (an audit
row written one at a time) runs them first (:meth:`WriteBehind.catch_up`).

Guarantees are those of a transaction committed in place: the deferred statements and the COMMIT are the
transaction's own, so a failure among them rolls the whole transaction back, and a crash before the COMMIT
loses it whole. The caller learns the outcome from :meth:`WriteBehind.wait`, which it must call before it
uses the connection again (the next transaction waits for it anyway).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlite_utils

from crossdesk.store.db import all_or_nothing, checkpoint_if_large


class CommitFailed(sqlite3.DatabaseError):
    """A transaction committed behind failed in its deferred statements or its COMMIT and was rolled back
    whole; the cause is ``__cause__``."""


class WriteBehind:
    """One transaction at a time of ``db``, committed on a thread while the caller goes on."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._deferred: list[tuple[str, Sequence[Any]]] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._on_commit: list[Callable[[], None]] = []

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """``BEGIN IMMEDIATE``, then the block, which may defer statements (:func:`later`) and runs as one
        unit (:func:`~crossdesk.store.db.all_or_nothing`: no savepoint within). When the block ends without
        an error the deferred statements and the COMMIT go to the thread, and this returns at once; on an
        error the transaction is rolled back here. Waits first for the one before."""
        self.wait()
        conn = self.db.conn
        if conn.in_transaction:
            raise RuntimeError("a transaction committed behind must be the outermost one")
        conn.execute("BEGIN IMMEDIATE")
        self._deferred = []
        self.db.write_behind = self  # type: ignore[attr-defined]
        try:
            # No savepoint within: a statement deferred by a unit of work that a savepoint took back
            # would still run at the commit. The block is one unit, rolled back whole on any error.
            with all_or_nothing(self.db):
                yield self.db
        except BaseException:
            self._end_collecting()
            if conn.in_transaction:  # SQLite may have rolled back itself (a full disk, an I/O error)
                conn.execute("ROLLBACK")
            self._on_commit.clear()
            raise
        deferred = self._end_collecting()
        self._thread = threading.Thread(target=self._commit, args=(deferred,), name="crossdesk-commit-behind")
        self._thread.start()

    def _end_collecting(self) -> list[tuple[str, Sequence[Any]]]:
        deferred, self._deferred = self._deferred or [], None
        self.db.write_behind = None  # type: ignore[attr-defined]
        return deferred

    def _commit(self, deferred: list[tuple[str, Sequence[Any]]]) -> None:
        conn = self.db.conn
        try:
            self._run(deferred)
            conn.execute("COMMIT")
        except BaseException as exc:  # handed to wait(), on the caller's thread
            self._error = exc
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def defer(self, sql: str, args: Sequence[Any] = ()) -> None:
        """Run ``sql`` at the end of the open transaction, before its COMMIT, in the order deferred."""
        if self._deferred is None:
            raise RuntimeError("no transaction of this writer is open")
        self._deferred.append((sql, args))

    def defer_rows(self, sql: str, head: Sequence[Any], rows: bytes) -> None:
        """:meth:`defer` of ``sql`` with the parameters ``head`` and then ``rows``, a JSON array (of rows
        read back by ``json_each``). Following the same statement with the same ``head``, it joins it:
        the arrays are run as one, in order, so a batch's many small writes of one kind cost one
        statement at the commit."""
        if self._deferred is None:
            raise RuntimeError("no transaction of this writer is open")
        if self._deferred:
            last_sql, last_args = self._deferred[-1]
            if last_sql == sql and isinstance(last_args[-1], _Arrays) and list(last_args[:-1]) == list(head):
                last_args[-1].append(rows)
                return
        self._deferred.append((sql, [*head, _Arrays([rows])]))

    def catch_up(self) -> None:
        """Run the statements deferred so far, now, on the caller's thread (inside the transaction)."""
        if not self._deferred:
            return
        deferred, self._deferred = self._deferred, []
        self._run(deferred)

    def _run(self, deferred: list[tuple[str, Sequence[Any]]]) -> None:
        for sql, args in deferred:
            if args and isinstance(args[-1], _Arrays):
                args = [*args[:-1], args[-1].joined()]
            self.db.conn.execute(sql, args)

    def on_commit(self, call: Callable[[], None]) -> None:
        """Call ``call`` on the caller's thread once :meth:`wait` has seen the open transaction commit
        (never if it is rolled back)."""
        self._on_commit.append(call)

    @property
    def busy(self) -> bool:
        """Whether a transaction is being committed on the thread (:meth:`wait` has not yet seen it)."""
        return self._thread is not None

    def wait(self) -> None:
        """Return once the transaction handed to the thread has committed (at once if there is none), and
        run its :meth:`on_commit` calls; raise :class:`CommitFailed` if it was rolled back instead."""
        thread = self._thread
        if thread is None:
            return
        thread.join()  # an interrupt here leaves it to be waited for again
        self._thread = None
        error, self._error = self._error, None
        calls, self._on_commit = self._on_commit, []
        if error is not None:
            raise CommitFailed(f"the transaction was rolled back: {error}") from error
        checkpoint_if_large(self.db)
        for call in calls:
            call()


class _Arrays(list):
    """JSON arrays deferred by :meth:`WriteBehind.defer_rows`, to be run as one."""

    def joined(self) -> bytes:
        items = [array[1:-1] for array in self if array != b"[]"]
        return b"[" + b",".join(items) + b"]"


def later(db: sqlite_utils.Database, sql: str, args: Sequence[Any] = ()) -> None:
    """Run ``sql`` now, or, inside a transaction committed behind, at its end on the writer's thread: for a
    write that nothing in the transaction reads again."""
    behind: WriteBehind | None = getattr(db, "write_behind", None)
    if behind is None:
        db.conn.execute(sql, args)
    else:
        behind.defer(sql, args)


def later_rows(db: sqlite_utils.Database, sql: str, head: Sequence[Any], rows: bytes) -> None:
    """:func:`later` of ``sql`` with the parameters ``head`` and then ``rows``, a JSON array; deferred, it
    joins the same statement deferred just before it (:meth:`WriteBehind.defer_rows`)."""
    behind: WriteBehind | None = getattr(db, "write_behind", None)
    if behind is None:
        db.conn.execute(sql, [*head, rows])
    else:
        behind.defer_rows(sql, head, rows)


def catch_up(db: sqlite_utils.Database) -> None:
    """Run what the open transaction committed behind has deferred (if any), now: before a write that must
    come after it."""
    behind: WriteBehind | None = getattr(db, "write_behind", None)
    if behind is not None:
        behind.catch_up()


__all__ = ["CommitFailed", "WriteBehind", "catch_up", "later", "later_rows"]
