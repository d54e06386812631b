"""Bulk intake marks the dirty days of its tickets once per batch instead of per row.

The triggers of migration 0180 that mark a ticket's day (``analytics_dirty``) and its order's day
(``sku_days_dirty``) on every insert and update of a ticket cost several times the write itself when a
batch writes and updates thousands of tickets (each run probes both tables and the ticket's order); those
on inserted orders and order lines cost a third to a half of the insert. While ``intake_days_deferred``
has a row (bulk intake inserts one inside its batch's transaction and deletes it before the commit, so it
is never seen outside it) they are skipped, and the batch marks the days of every ticket it touched and
of every order and order line it inserted with one statement per table (``crossdesk.intake.days``).
Deletes, updates of orders and order lines, and cases keep their triggers as they are.
"""

from __future__ import annotations

import sqlite_utils

from crossdesk.store.migrations.m0180_analytics_rollups import TRIGGERS

#: The triggers of 0180 that bulk intake stands in for.
DEFERRED = (
    "tickets_analytics_days_insert",
    "tickets_analytics_days_update",
    "tickets_sku_days_insert",
    "tickets_sku_days_update",
    "orders_sku_days_insert",
    "order_lines_sku_days_insert",
)
_OFF = "NOT EXISTS (SELECT 1 FROM intake_days_deferred)"


def _when(when: str) -> str:
    event, sep, condition = when.partition(" WHEN ")
    return f"{event} WHEN ({condition}) AND {_OFF}" if sep else f"{event} WHEN {_OFF}"


def up(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE intake_days_deferred (batch INTEGER NOT NULL)")
    for name, when, statement in TRIGGERS:
        if name in DEFERRED:
            db.execute(f"DROP TRIGGER {name}")
            db.execute(f"CREATE TRIGGER {name} {_when(when)} BEGIN {statement} END")
