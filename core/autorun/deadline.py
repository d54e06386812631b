"""A hard deadline inside a run: the SQLite statement running when the budget ends is interrupted.

Slices are only checked between one another, so a single long statement (a first build over a million
tickets) could overrun any budget. :class:`Deadline` installs a progress handler on the desk's connection
(``set_progress_handler``, asked every :data:`PROGRESS_OPS` virtual-machine steps) that interrupts the
running statement once the deadline has passed. SQLite then fails that statement (``interrupted``) and,
when it was writing, rolls the transaction back itself.

Work that catches errors and goes on could then write outside any transaction, a half of its slice. So
once the deadline has passed an authorizer refuses every new statement but a rollback, savepoints and
pragmas (a ``COMMIT`` too): whatever the task does with the error, nothing more is written and the slice
in progress is never committed. The run reports the task as cut at its deadline
(:attr:`Deadline.hit`), rolls back what is still open, and the next run resumes the slice.

A statement shorter than :data:`PROGRESS_OPS` steps is never interrupted (the handler is asked every so
many steps), which is what lets ``COMMIT`` and ``ROLLBACK`` through; Python work between statements is not
interrupted either: the tasks cut it into slices.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Virtual-machine steps between two calls of the handler: about a millisecond of SQLite work, so the
#: overshoot past the deadline is that small and the handler's cost is lost in the noise.
PROGRESS_OPS = 20_000
#: What may still run once the deadline has passed: savepoints (their release only nests them in the
#: transaction, which cannot commit), a rollback, and pragmas (the busy timeout a checkpoint resets).
_ALLOWED = frozenset({sqlite3.SQLITE_SAVEPOINT, sqlite3.SQLITE_PRAGMA})


class Deadline:
    """``with deadline.armed():`` interrupts the connection's statements once ``clock() >= at``."""

    def __init__(self, conn: sqlite3.Connection, clock: Callable[[], float], at: float) -> None:
        self.conn = conn
        self.clock = clock
        self.at = float(at)
        self.hit = False  # the deadline interrupted (or refused) a statement while armed

    def passed(self) -> bool:
        return self.clock() >= self.at

    def _progress(self) -> int:
        if self.hit or self.clock() >= self.at:
            self.hit = True
            return 1
        return 0

    def _authorize(self, action: int, arg1: str | None, *_: object) -> int:
        if not self.hit or action in _ALLOWED:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_TRANSACTION and arg1 == "ROLLBACK":
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY  # a COMMIT too: a slice the deadline cut is never committed

    @contextmanager
    def armed(self) -> Iterator[Deadline]:
        """Interrupt statements past the deadline inside the block; afterwards the connection is as before
        (no handler, no authorizer) and any transaction the interrupted work left open is rolled back."""
        self.hit = False
        self.conn.set_progress_handler(self._progress, PROGRESS_OPS)
        # Setting an authorizer expires the prepared statements, so cached ones are checked again too.
        self.conn.set_authorizer(self._authorize)
        try:
            yield self
        finally:
            self.conn.set_progress_handler(None, 0)
            self.conn.set_authorizer(None)
            if self.hit and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
