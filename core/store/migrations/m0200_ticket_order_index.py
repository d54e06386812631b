"""One index on ``tickets.order_id`` instead of two.

``tickets_order`` (migration 0080, partial: ``order_id IS NOT NULL``) finds the tickets of an order;
``tickets_order_intent`` (migration 0180, ``order_id, intent``) begins with the same column and answers the
same lookups. Every ticket written paid for both; the wider one stays.
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute("DROP INDEX IF EXISTS tickets_order")
