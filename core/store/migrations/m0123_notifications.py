"""Notifications: what each agent was told (a ticket assigned, an SLA about to breach, an approval decided),
kept so the TUI can show what arrived while the agent was away (docs/team.md)."""

from __future__ import annotations

import sqlite_utils

SCHEMA = (
    """CREATE TABLE notifications (
        id INTEGER PRIMARY KEY,
        agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
        at INTEGER NOT NULL,
        read_at INTEGER
    )""",
    "CREATE INDEX notifications_unread ON notifications(agent_id, read_at)",
)


def up(db: sqlite_utils.Database) -> None:
    for statement in SCHEMA:
        db.execute(statement)
