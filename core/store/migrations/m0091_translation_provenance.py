"""Which translator translated each buyer message, and how much of it: the agent is told plainly when a
"translation" is mostly the phrasebook's ``⟦ ⟧`` marks (the conversation shows both)."""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE messages ADD COLUMN translated_by TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE messages ADD COLUMN translation_coverage REAL")  # NULL: not known (older rows)
