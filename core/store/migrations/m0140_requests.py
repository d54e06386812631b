"""Requests already done: the idempotency keys of commands that change money or write to a platform.

A command that queues an outbox action (a refund, a return decision, a cancellation, a reply) may carry a
request id: generated per call by the API, derived from the command line, or given with ``--request-id``.
The first run records it here with what it produced; a second run with the same id (a rerun after the
first one died right after its commit) finds it and does nothing again.
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute(
        """
CREATE TABLE IF NOT EXISTS requests (
    request_id TEXT PRIMARY KEY,
    action TEXT NOT NULL,                  -- refund, approve, decline, reply ...
    object_type TEXT NOT NULL,             -- what it acted on: case, ticket
    object_id INTEGER NOT NULL,
    result_id INTEGER,                     -- what it produced: the refund id, the message id
    actor TEXT NOT NULL,
    created_at INTEGER NOT NULL
)"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS requests_object ON requests(object_type, object_id, created_at)")
