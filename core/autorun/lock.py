"""A lock row in the desk: two overlapping ``crossdesk automate`` runs never work the same desk.

The row names its holder and an expiry; taking it is one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE``
the held row has expired, in a write transaction, so exactly one of two racing runs gets it. A run that
dies holding it (killed, power cut) blocks the next runs only until the expiry, which is the run's budget
plus a grace period. The lock lives in the database, so it holds across machines sharing nothing but the
desk file, and for in-memory desks too.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

from crossdesk.store import Store


@dataclass(frozen=True)
class Holder:
    """Who holds the lock and until when (epoch seconds)."""

    owner: str
    acquired_at: int
    expires_at: int


class Busy(Exception):
    """The desk is being worked by another run."""

    def __init__(self, holder: Holder) -> None:
        super().__init__(f"another run ({holder.owner}) holds this desk until {holder.expires_at}")
        self.holder = holder


class DeskLock:
    """``with DeskLock(store, "automate", ttl=...):`` or :meth:`acquire` / :meth:`release`."""

    def __init__(self, store: Store, name: str, *, ttl: int, owner: str | None = None) -> None:
        self.store = store
        self.name = name
        self.ttl = int(ttl)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def acquire(self) -> None:
        """Take the lock or raise :class:`Busy` naming its holder."""
        now = self.store.now()
        with self.store.tx():
            self.store.db.execute(
                "INSERT INTO automate_lock (name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at, "
                "expires_at = excluded.expires_at WHERE automate_lock.expires_at <= ? OR automate_lock.owner = ?",
                [self.name, self.owner, now, now + self.ttl, now, self.owner],
            )
            holder = self.holder()
        if holder is None or holder.owner != self.owner:
            raise Busy(holder or Holder("?", now, now))

    def release(self) -> None:
        with self.store.tx():
            self.store.db.execute(
                "DELETE FROM automate_lock WHERE name = ? AND owner = ?", [self.name, self.owner]
            )

    def holder(self) -> Holder | None:
        row = self.store.db.execute(
            "SELECT owner, acquired_at, expires_at FROM automate_lock WHERE name = ?", [self.name]
        ).fetchone()
        return None if row is None else Holder(*row)

    def __enter__(self) -> DeskLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
