"""The queue follows changes by ``tickets.updated_at``: index it so a refresh reads only what changed."""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute("CREATE INDEX IF NOT EXISTS tickets_updated ON tickets(updated_at)")
