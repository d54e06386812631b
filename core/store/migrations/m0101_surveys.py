"""CSAT and NPS surveys: one row per survey, with who and what it is about and the answer.

The ticket's agent, team, platform, market (the buyer's country) and the buyer's segment are copied
when the survey is created, so the figures per agent or segment describe the service the buyer rated.
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS surveys (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
            customer_id INTEGER REFERENCES customers(id),
            agent_id INTEGER REFERENCES agents(id),
            team_id INTEGER REFERENCES teams(id),
            platform TEXT NOT NULL,
            market TEXT NOT NULL DEFAULT '',
            segment TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,                 -- csat | nps
            language TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,               -- pending | sent | answered | restricted
            reason TEXT NOT NULL DEFAULT '',    -- why restricted
            created_at INTEGER NOT NULL,
            due_at INTEGER NOT NULL,
            sent_at INTEGER,
            message_id INTEGER,                 -- the question sent
            answered_at INTEGER,
            answer_message_id INTEGER,
            score INTEGER,
            comment TEXT NOT NULL DEFAULT '',
            UNIQUE (ticket_id, kind)
        );
        CREATE INDEX IF NOT EXISTS surveys_status ON surveys(status, due_at);
        """
    )
