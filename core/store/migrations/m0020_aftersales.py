"""After-sales: case workflow columns, case events, refunds (per line), inventory and reservations.

Money stays integer minor units beside an ISO 4217 code. Guards the services check are also constraints
here, so a bug elsewhere cannot write what the rules forbid: a line is refunded at most once (unique
``refund_lines.order_line_id``), stock is never reserved beyond what is on hand.
"""

from __future__ import annotations

import sqlite_utils

from crossdesk.store.migrations.m0001_initial import _statements

SCHEMA = """
ALTER TABLE cases ADD COLUMN next_step TEXT NOT NULL DEFAULT '';     -- what the agent must do by hand
ALTER TABLE cases ADD COLUMN request TEXT NOT NULL DEFAULT '{}';     -- JSON: items and buyer as asked
ALTER TABLE cases ADD COLUMN exception_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN return_tracking TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN decided_at INTEGER;
ALTER TABLE cases ADD COLUMN label_at INTEGER;
ALTER TABLE cases ADD COLUMN received_at INTEGER;
ALTER TABLE cases ADD COLUMN closed_at INTEGER;
CREATE INDEX cases_refund_due ON cases(refund_due) WHERE refund_due IS NOT NULL;

CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,                     -- open, approve, decline, label, ship_back, receive, refund...
    from_state TEXT NOT NULL DEFAULT '',
    to_state TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'           -- JSON
);
CREATE INDEX case_events_case ON case_events(case_id, at);

CREATE TABLE refunds (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    order_id INTEGER NOT NULL REFERENCES orders(id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    external_id TEXT                          -- the platform's refund id once the connector sent it
);
CREATE INDEX refunds_order ON refunds(order_id);
CREATE INDEX refunds_case ON refunds(case_id);

CREATE TABLE refund_lines (
    refund_id INTEGER NOT NULL REFERENCES refunds(id) ON DELETE CASCADE,
    order_line_id INTEGER NOT NULL UNIQUE REFERENCES order_lines(id),  -- never a second refund of a line
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0)
);

CREATE TABLE inventory (
    sku TEXT PRIMARY KEY,
    on_hand INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    updated_at INTEGER NOT NULL,
    CHECK (reserved <= on_hand)
);

CREATE TABLE reservations (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    sku TEXT NOT NULL REFERENCES inventory(sku),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    status TEXT NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'shipped', 'released')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (case_id, sku)
);
"""


def up(db: sqlite_utils.Database) -> None:
    for statement in _statements(SCHEMA):
        db.execute(statement)
