"""Analytics: one row of facts per ticket, so a report never reads the messages.

``ticket_facts`` is kept up to date by the analytics step of the event pipeline
(:class:`crossdesk.analytics.facts.TicketFacts`), which recomputes a ticket's row from its messages,
audit rows and SLA policy after every event that can change it; this migration only creates the table and
its indexes. Existing desks fill it with ``crossdesk report --rebuild`` (the same code, for every ticket).
"""

from __future__ import annotations

import sqlite_utils

from crossdesk.store.migrations.m0001_initial import _statements

SCHEMA = """
CREATE TABLE ticket_facts (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,              -- the ticket's, copied so the period filter is one index
    first_in_at INTEGER,                      -- the buyer's first message
    first_human_at INTEGER,                   -- the first public reply written by a person
    first_human_author TEXT NOT NULL DEFAULT '',
    first_auto_at INTEGER,                    -- the first public reply sent by a rule or the system
    human_replies INTEGER NOT NULL DEFAULT 0, -- public replies by people
    auto_replies INTEGER NOT NULL DEFAULT 0,  -- public replies by rules and the system
    reopens INTEGER NOT NULL DEFAULT 0,       -- times a solved or closed ticket went back to work
    first_reply_bh INTEGER,                   -- business seconds to the first human reply (calendar SLA only)
    first_reply_due INTEGER,                  -- the SLA's first-reply deadline, kept after the reply
    resolution_due INTEGER,                   -- the SLA's resolution deadline at the last solve
    next_due INTEGER NOT NULL DEFAULT 0,      -- next-reply deadlines that came due (closed episodes)
    next_met INTEGER NOT NULL DEFAULT 0,      -- of those, met
    updated_at INTEGER NOT NULL
);
CREATE INDEX ticket_facts_created ON ticket_facts(created_at);
"""


def up(db: sqlite_utils.Database) -> None:
    for statement in _statements(SCHEMA):
        db.execute(statement)
    # A desk that already has tickets has no facts for them yet: the analytics service rebuilds them once
    # (the SLA calendars it needs live above the store), and this setting tells it to.
    if db.execute("SELECT 1 FROM tickets LIMIT 1").fetchone():
        db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('analytics_facts_stale', 'true')")
