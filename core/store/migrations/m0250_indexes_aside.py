"""``indexes_aside``: the secondary indexes a bulk load has set aside (``crossdesk.store.aside``).

A row per index dropped while an import fills empty tables, with the statement that makes it again, in
the order they were made. The load restores them when it ends, and any open of the desk restores what a
killed load left here.
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE TABLE indexes_aside (name TEXT PRIMARY KEY, sql TEXT NOT NULL, position INTEGER NOT NULL)"
    )
