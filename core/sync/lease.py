"""Keeping a claimed outbox item's lease while its send is in flight.

A ``sending`` item whose ``next_attempt_at`` (its lease) has passed is taken for abandoned: the next
dispatcher reconciles it and may send it again. A connector waiting out a platform's rate limits can hold
one send for longer than any fixed lease, so while the call runs a thread renews the lease every third of
its length. On a desk file the thread writes through a connection of its own (the dispatcher's may be
held by whoever called it); in memory it shares the session's connection under the store's lock, and
skips a beat when the lock is busy.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
from types import TracebackType

from crossdesk.store import Store
from crossdesk.store import db as storage

log = logging.getLogger(__name__)

RENEW = "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND status = 'sending'"


class LeaseKeeper:
    """``with LeaseKeeper(store, item_id, lease): send()``: the item stays claimed until the block ends."""

    def __init__(self, store: Store, item_id: int, lease: float) -> None:
        self.store = store
        self.item_id = item_id
        self.lease = lease
        self.renewals = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"outbox-lease-{item_id}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        interval = interval_of(self.lease)
        conn: sqlite3.Connection | None = None
        try:
            while not self._stop.wait(interval):  # a quick send ends before the first beat: no connection
                if conn is None and not self.store.in_memory:
                    conn = storage.connect(self.store.path, migrate=False).conn
                self._renew(conn)
        except sqlite3.Error as exc:  # the send goes on; at worst the lease runs out as before
            log.warning("cannot renew the lease of outbox item #%s: %s", self.item_id, exc)
        finally:
            if conn is not None:
                conn.close()

    def _renew(self, conn: sqlite3.Connection | None) -> None:
        # Rounded up: the desk keeps whole seconds and calls a lease stale once ``now`` reaches it, so a
        # lease rounded down would lapse for a moment after every second boundary.
        until = math.ceil(self.store.clock() + self.lease)
        if conn is not None:
            conn.execute(RENEW, [until, self.item_id])
        elif self.store.lock.acquire(timeout=interval_of(self.lease)):
            try:
                self.store.db.execute(RENEW, [until, self.item_id])
            finally:
                self.store.lock.release()
        else:
            return
        self.renewals += 1


def interval_of(lease: float) -> float:
    return max(0.05, lease / 3)
