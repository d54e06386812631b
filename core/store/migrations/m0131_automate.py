"""``crossdesk automate`` keeps its lock and its progress in the desk.

``automate_lock``: one row per locked desk task, with the run that holds it and when the hold expires (a
run that died leaves a row that expires on its own). ``automate_state``: what each task has done and
where the next run resumes (the SLA pass's window and cursor), as JSON.
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS automate_lock "
        "(name TEXT PRIMARY KEY, owner TEXT NOT NULL, acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)"
    )
    db.execute("CREATE TABLE IF NOT EXISTS automate_state (task TEXT PRIMARY KEY, value TEXT NOT NULL)")
