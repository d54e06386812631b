"""Roles beyond the three built in: ``viewer`` and the desk's custom roles (docs/team.md).

``agents.role`` was checked against ('agent', 'supervisor', 'admin'). The check becomes "not empty": the
team service validates a role against the built-in roles and the ``roles`` setting. SQLite cannot alter a
CHECK constraint; rebuilding ``agents`` would fire the ``ON DELETE SET NULL`` of every ticket's assignee
(foreign keys are on and cannot be turned off inside the migration's transaction), so the table's stored
definition is edited in place, as SQLite documents for CHECK constraints (``PRAGMA writable_schema``),
with the schema version bumped so every connection reloads it, and the result checked.
"""

from __future__ import annotations

import sqlite_utils

OLD = "CHECK (role IN ('agent', 'supervisor', 'admin'))"
NEW = "CHECK (role != '')"


def up(db: sqlite_utils.Database) -> None:
    conn = db.conn
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'agents'").fetchone()
    if OLD not in sql:
        raise RuntimeError("agents.role is not defined as this migration expects; refusing to edit it")
    (version,) = conn.execute("PRAGMA schema_version").fetchone()
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'agents'",
            [sql.replace(OLD, NEW)],
        )
        conn.execute(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")
    (check,) = conn.execute("PRAGMA quick_check").fetchone()
    if check != "ok":
        raise RuntimeError(f"the desk failed its check after the roles migration: {check}")
