"""Analytics: quality warnings per SKU, and the indexes their order cohorts read.

A warning is stored once per kind, SKU, marketplace and day, so ``crossdesk automate`` run every few
minutes raises its event once; the tickets that make it are kept with it (JSON list of ids).
"""

from __future__ import annotations

import sqlite_utils

from crossdesk.store.migrations.m0001_initial import _statements

SCHEMA = """
CREATE TABLE quality_warnings (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('complaints', 'returns')),
    sku TEXT NOT NULL,
    platform TEXT NOT NULL DEFAULT '',        -- '' for every marketplace together
    day TEXT NOT NULL,                        -- the local day the window ended (one warning per day)
    window_start INTEGER NOT NULL,
    window_end INTEGER NOT NULL,
    count_now INTEGER NOT NULL,               -- complaints (tickets) or returned units in the window
    base_now INTEGER NOT NULL,                -- orders with the SKU, or units sold, in the window
    count_before INTEGER NOT NULL,
    base_before INTEGER NOT NULL,
    rate_now REAL NOT NULL,
    rate_before REAL,
    p_value REAL NOT NULL,
    tickets TEXT NOT NULL DEFAULT '[]',       -- JSON: the ticket ids that make the warning
    created_at INTEGER NOT NULL,
    UNIQUE (kind, sku, platform, day)
);
CREATE INDEX quality_warnings_created ON quality_warnings(created_at);
CREATE INDEX IF NOT EXISTS orders_ordered ON orders(ordered_at);
CREATE INDEX IF NOT EXISTS tickets_order ON tickets(order_id) WHERE order_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS case_lines_line ON case_lines(order_line_id);
"""


def up(db: sqlite_utils.Database) -> None:
    for statement in _statements(SCHEMA):
        db.execute(statement)
