"""An index on the tickets' creation time: a day of the analytics rollups (docs/analytics.md, "Rollups")
reads the tickets created that day, and ``crossdesk automate`` builds a large desk's rollups a few days
per slice. Without the index each day read every ticket of the desk (seconds a day at a million tickets)."""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute("CREATE INDEX IF NOT EXISTS tickets_created ON tickets(created_at)")
