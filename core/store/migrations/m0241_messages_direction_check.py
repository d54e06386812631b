"""``messages.direction`` checked by comparisons instead of an ``IN`` list.

SQLite evaluates ``CHECK (direction IN ('in', 'out', 'note'))`` by building a temporary b-tree of the
three values each time a statement runs, and a bulk insert runs its statement once per message: an
import of 45,000 messages built and dropped 45,000 of them (about a twentieth of the importing thread's
instructions). The same check written as three comparisons builds none. SQLite cannot alter a CHECK
constraint, and rebuilding the largest table of the desk for it would copy every message, so the table's
stored definition is edited in place, as SQLite documents for CHECK constraints and as migration 0122
does (``PRAGMA writable_schema``), with the schema version bumped so every connection reloads it. The
new definition accepts and refuses exactly what the old one did; the data is not touched.
"""

from __future__ import annotations

import sqlite_utils

OLD = "CHECK (direction IN ('in', 'out', 'note'))"
NEW = "CHECK (direction = 'in' OR direction = 'out' OR direction = 'note')"


def up(db: sqlite_utils.Database) -> None:
    conn = db.conn
    (sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'messages'"
    ).fetchone()
    if sql.count(OLD) != 1:
        raise RuntimeError("messages.direction is not defined as this migration expects; refusing to edit it")
    (version,) = conn.execute("PRAGMA schema_version").fetchone()
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'messages'",
            [sql.replace(OLD, NEW)],
        )
        conn.execute(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")
    # The schema is read again here: a definition SQLite could not parse fails the migration, whose
    # transaction then leaves the old one in place.
    conn.execute("SELECT direction FROM messages LIMIT 0").fetchall()
