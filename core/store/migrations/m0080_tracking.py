"""Carrier tracking: shipments per order (outbound parcels and return parcels of a case), their scans,
and the fired once-only shipment events.

A shipment is unique on (tracking number, carrier): the same parcel seen in an order's data, typed by an
agent and reported by a webhook is one row. ``provider`` is the tracking provider it is registered with
(17track, aftership ...), ``registered_at`` when that was accepted; ``next_check_at`` orders the polling.
``stalled_at`` is set when no scan came for the carrier's stall window, and cleared by the next scan.
The index ``tickets_order`` finds the tickets of a parcel's order when its events are raised.
"""

from __future__ import annotations

import sqlite_utils

from crossdesk.store.migrations.m0001_initial import _statements

SCHEMA = """
CREATE TABLE shipments (
    id INTEGER PRIMARY KEY,
    order_id INTEGER REFERENCES orders(id) ON DELETE CASCADE,
    case_id INTEGER REFERENCES cases(id) ON DELETE SET NULL,
    kind TEXT NOT NULL DEFAULT 'outbound' CHECK (kind IN ('outbound', 'return')),
    tracking_number TEXT NOT NULL CHECK (tracking_number != ''),
    carrier TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'agent',     -- order, agent, mail, label, webhook, demo
    provider TEXT NOT NULL DEFAULT '',
    registered_at INTEGER,
    register_error TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'info_received',
    substate TEXT NOT NULL DEFAULT '',
    last_scan_at INTEGER,
    last_scan TEXT NOT NULL DEFAULT '',
    last_place TEXT NOT NULL DEFAULT '',
    eta INTEGER,
    shipped_at INTEGER,
    delivered_at INTEGER,
    stalled_at INTEGER,
    checked_at INTEGER,
    next_check_at INTEGER,
    label_url TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tracking_number, carrier)
);
CREATE INDEX shipments_order ON shipments(order_id);
CREATE INDEX shipments_case ON shipments(case_id) WHERE case_id IS NOT NULL;
CREATE INDEX shipments_due ON shipments(next_check_at) WHERE next_check_at IS NOT NULL;

CREATE TABLE shipment_events (
    id INTEGER PRIMARY KEY,
    shipment_id INTEGER NOT NULL REFERENCES shipments(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    UNIQUE (shipment_id, at, description)
);
CREATE INDEX shipment_events_shipment ON shipment_events(shipment_id, at);

-- a parcel's events go to the tickets of its order: found by index, not by a scan of every ticket
CREATE INDEX IF NOT EXISTS tickets_order ON tickets(order_id) WHERE order_id IS NOT NULL;
"""


def up(db: sqlite_utils.Database) -> None:
    for statement in _statements(SCHEMA):
        db.execute(statement)
