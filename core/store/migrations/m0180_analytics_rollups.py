"""Analytics rollups: the tickets of each day as columns, so a report over a million tickets reads a few
hundred rows instead of a million (docs/analytics.md, "Rollups").

``analytics_days`` holds, per UTC day of ticket creation, every ticket of that day as packed numpy columns
(the exact values: percentiles stay exact); ``analytics_codes`` numbers the dimension values those columns
hold; ``analytics_dirty`` lists the days whose tickets changed since their row was built (the facts step of
the event pipeline adds the ticket's day; the next report rebuilds those rows). A desk migrated with
tickets marks every day dirty.
"""

from __future__ import annotations

import sqlite_utils

from crossdesk.store.migrations.m0001_initial import _statements

SCHEMA = """
CREATE TABLE analytics_codes (
    code INTEGER PRIMARY KEY,
    dim TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (dim, value)
);
CREATE TABLE analytics_days (
    day INTEGER PRIMARY KEY,                  -- created_at // 86400 (UTC): storage, not a report bucket
    tickets INTEGER NOT NULL,
    nums BLOB NOT NULL,                       -- float64 rows x columns (NaN for none)
    ints BLOB NOT NULL,                       -- int32 rows x columns (flags and dimension codes)
    skus BLOB NOT NULL,                       -- int32 pairs: row of the day, SKU code
    built_at INTEGER NOT NULL
);
CREATE TABLE analytics_dirty (
    day INTEGER PRIMARY KEY
);
CREATE TABLE sku_days (
    day INTEGER NOT NULL,                     -- ordered_at // 86400 (UTC)
    sku TEXT NOT NULL,
    platform TEXT NOT NULL,
    orders INTEGER NOT NULL,                  -- orders holding the SKU
    units INTEGER NOT NULL,                   -- units of the SKU sold
    PRIMARY KEY (day, sku, platform)
) WITHOUT ROWID;
CREATE INDEX tickets_order_intent ON tickets(order_id, intent);
"""


def up(db: sqlite_utils.Database) -> None:
    for statement in _statements(SCHEMA):
        db.execute(statement)
    db.execute("INSERT OR IGNORE INTO analytics_dirty (day) SELECT DISTINCT created_at / 86400 FROM tickets")
    if db.execute("SELECT 1 FROM orders LIMIT 1").fetchone():
        db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('analytics_sku_days_stale', 'true')")
