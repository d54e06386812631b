"""Reputation: the review a ticket came from, found by ticket (the SLA and rule field ``review``)."""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute("CREATE INDEX IF NOT EXISTS reviews_ticket ON reviews(ticket_id) WHERE ticket_id IS NOT NULL")
