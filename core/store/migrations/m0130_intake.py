"""Bulk intake writes the full-text index of a batch's messages in one statement.

The ``messages_ai`` trigger indexes each inserted message on its own; for a batch of thousands that costs
several times one ``INSERT INTO messages_fts ... SELECT`` over the batch. The trigger now stands aside
while ``intake_fts_deferred`` holds a row: bulk intake adds that row, inserts its messages, indexes them
in one statement and deletes the row again, all in the batch's transaction (so no other connection ever
sees it, and a rolled-back batch leaves nothing behind). Every other insert is indexed as before.
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS intake_fts_deferred (batch INTEGER PRIMARY KEY)")
    db.execute("DROP TRIGGER IF EXISTS messages_ai")
    db.execute(
        "CREATE TRIGGER messages_ai AFTER INSERT ON messages "
        "WHEN NOT EXISTS (SELECT 1 FROM intake_fts_deferred) BEGIN "
        "INSERT INTO messages_fts(rowid, body, translation) VALUES (new.id, new.body, new.translation); "
        "END"
    )
