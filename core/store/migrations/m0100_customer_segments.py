"""Customer segments, the merge journal and decisions on merge suggestions.

- ``customer_segments``: one row per buyer profile with its RFM figures over the window, the 1-5 scores
  against the desk's distribution, the segment and the reason (:mod:`crossdesk.customers.segments`).
- ``customer_merges``: what each merge moved (identity, order, ticket and case ids, the absorbed profile
  as it was), so an un-merge restores both profiles exactly (:mod:`crossdesk.customers.merges`).
- ``customer_merge_decisions``: a pair of profiles a person said are not the same buyer; never suggested
  again.
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS customer_segments (
            customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
            segment TEXT NOT NULL,
            last_order_at INTEGER,             -- the last order (NULL: no order yet); recency is read from it
            frequency INTEGER NOT NULL,        -- orders in the window
            monetary_usd REAL NOT NULL,        -- their value in USD in the window
            orders_total INTEGER NOT NULL,     -- orders ever
            r INTEGER NOT NULL, f INTEGER NOT NULL, m INTEGER NOT NULL,   -- 1-5, 0 without orders
            reason TEXT NOT NULL,              -- why, without the recency (added when read)
            computed_at INTEGER NOT NULL       -- when these values last changed
        );
        CREATE INDEX IF NOT EXISTS customer_segments_segment ON customer_segments(segment);

        CREATE TABLE IF NOT EXISTS customer_merges (
            id INTEGER PRIMARY KEY,
            keep_id INTEGER NOT NULL REFERENCES customers(id),
            other_id INTEGER NOT NULL REFERENCES customers(id),
            moved TEXT NOT NULL,               -- JSON: {table: [row ids moved from other to keep]}
            kept_before TEXT NOT NULL,         -- JSON: the kept profile's row before the merge
            other_before TEXT NOT NULL,        -- JSON: the absorbed profile's row before the merge
            evidence TEXT NOT NULL DEFAULT '',
            actor TEXT NOT NULL,
            merged_at INTEGER NOT NULL,
            unmerged_at INTEGER,
            unmerged_by TEXT
        );
        CREATE INDEX IF NOT EXISTS customer_merges_other ON customer_merges(other_id);

        CREATE TABLE IF NOT EXISTS customer_merge_decisions (
            low_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            high_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            decision TEXT NOT NULL,            -- 'rejected'
            actor TEXT NOT NULL,
            decided_at INTEGER NOT NULL,
            PRIMARY KEY (low_id, high_id)
        );
        """
    )
