"""Reputation: what a review became on the platform (edited, hidden, deleted) and where it came from."""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    # updated_at: the platform's own time of the last change (0 when it gives none), to tell an edit
    # from an old copy; status: published, hidden, deleted; source: the reviews app ('' for the platform)
    db.execute("ALTER TABLE reviews ADD COLUMN title TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE reviews ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE reviews ADD COLUMN status TEXT NOT NULL DEFAULT 'published'")
    db.execute("ALTER TABLE reviews ADD COLUMN source TEXT NOT NULL DEFAULT ''")
