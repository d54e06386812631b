"""Approvals: what an agent may not do alone waits here for a supervisor (docs/team.md).

One row per request: its kind (``refund``, ``approve_return``), the case and ticket, who asked and why,
the amount (in the order's currency and in USD cents, as the refund limit counts it), the case's verdict
when it was asked, the parameters to carry out, and the decision (who, when, a note, the refund it made).
"""

from __future__ import annotations

import sqlite_utils

SCHEMA = (
    """CREATE TABLE approvals (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        case_id INTEGER REFERENCES cases(id) ON DELETE CASCADE,
        ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
        requested_by TEXT NOT NULL,
        requester_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
        reason TEXT NOT NULL DEFAULT '',
        amount_minor INTEGER,
        currency TEXT NOT NULL DEFAULT '',
        amount_usd_minor INTEGER,
        verdict TEXT NOT NULL DEFAULT '{}',
        params TEXT NOT NULL DEFAULT '{}',
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'declined', 'failed')),
        decided_by TEXT,
        decided_at INTEGER,
        note TEXT NOT NULL DEFAULT '',
        result TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL
    )""",
    "CREATE INDEX approvals_state ON approvals(state, created_at)",
    "CREATE INDEX approvals_requester ON approvals(requester_id, state)",
)


def up(db: sqlite_utils.Database) -> None:
    for statement in SCHEMA:
        db.execute(statement)
