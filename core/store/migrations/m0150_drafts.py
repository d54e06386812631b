"""Unsent replies kept per agent and ticket, so a half-written reply survives quitting and a restart."""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute(
        """
CREATE TABLE IF NOT EXISTS drafts (
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (agent_id, ticket_id)
)"""
    )
