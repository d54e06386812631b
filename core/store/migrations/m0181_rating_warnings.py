"""Analytics: quality warnings of a third kind, ``ratings`` (a SKU's share of negative reviews rose beyond
chance, docs/analytics.md). SQLite cannot change a CHECK constraint, so the small ``quality_warnings``
table is copied into one that allows the new kind."""

from __future__ import annotations

import sqlite_utils

from crossdesk.store.migrations.m0001_initial import _statements

SCHEMA = """
CREATE TABLE quality_warnings_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('complaints', 'returns', 'ratings')),
    sku TEXT NOT NULL,
    platform TEXT NOT NULL DEFAULT '',
    day TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    window_end INTEGER NOT NULL,
    count_now INTEGER NOT NULL,               -- complaints, returned units or negative reviews now
    base_now INTEGER NOT NULL,                -- orders, units sold or reviews now
    count_before INTEGER NOT NULL,
    base_before INTEGER NOT NULL,
    rate_now REAL NOT NULL,
    rate_before REAL,
    p_value REAL NOT NULL,
    tickets TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    UNIQUE (kind, sku, platform, day)
);
INSERT INTO quality_warnings_new SELECT id, kind, sku, platform, day, window_start, window_end, count_now,
    base_now, count_before, base_before, rate_now, rate_before, p_value, tickets, created_at
    FROM quality_warnings;
DROP TABLE quality_warnings;
ALTER TABLE quality_warnings_new RENAME TO quality_warnings;
CREATE INDEX quality_warnings_created ON quality_warnings(created_at);
CREATE INDEX IF NOT EXISTS reviews_created ON reviews(created_at);
"""


def up(db: sqlite_utils.Database) -> None:
    for statement in _statements(SCHEMA):
        db.execute(statement)
