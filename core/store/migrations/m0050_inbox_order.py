"""The inbox's order as an index: open tickets by priority, oldest first on a tie, then by id.

``Desk.list_tickets`` orders by ``priority DESC, created_at, id``. Without an index in that order SQLite
sorts every open ticket for each page the inbox asks for (about a second at a million tickets); with it,
the first page is an index walk and a page deep in the queue skips index entries only. ``status`` is in
the index so the open-status filter is answered without touching the table rows it skips.
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute("CREATE INDEX IF NOT EXISTS tickets_inbox ON tickets(priority DESC, created_at, id, status)")
