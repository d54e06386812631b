"""Automation: the rule firing log, time-rule windows, SLA policies, pause accounting and SLA events."""

from __future__ import annotations

import sqlite_utils

from crossdesk.store.migrations.m0001_initial import _statements

SCHEMA = """
CREATE TABLE rule_firings (
    id INTEGER PRIMARY KEY,
    rule_id INTEGER REFERENCES rules(id) ON DELETE SET NULL,
    rule_name TEXT NOT NULL,                  -- kept when the rule is deleted, so the log still reads
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    event TEXT NOT NULL,                      -- the event the rule answered (ticket_created, time...)
    depth INTEGER NOT NULL DEFAULT 0,         -- 0 for a rule answering an outside event; +1 per chained event
    outcome TEXT NOT NULL CHECK (outcome IN ('fired', 'error', 'capped')),
    changes TEXT NOT NULL DEFAULT '[]',       -- JSON: one entry per action (what it changed or why it failed)
    at INTEGER NOT NULL
);
CREATE INDEX rule_firings_ticket ON rule_firings(ticket_id, at);
CREATE INDEX rule_firings_rule ON rule_firings(rule_id, ticket_id);

-- Time rules fire once per condition window: a row here means the rule fired for the ticket and its
-- conditions have held since. The row goes when they stop holding, re-arming the rule.
CREATE TABLE rule_windows (
    rule_id INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    opened_at INTEGER NOT NULL,
    PRIMARY KEY (rule_id, ticket_id)
) WITHOUT ROWID;

CREATE TABLE sla_policies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL DEFAULT 0,
    conditions TEXT NOT NULL DEFAULT '{}',    -- JSON: the same {"all": [...], "any": [...]} as rules
    clock TEXT NOT NULL DEFAULT 'business' CHECK (clock IN ('business', 'wall', 'marketplace')),
    team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,  -- whose calendar; NULL: the ticket's team
    targets TEXT NOT NULL DEFAULT '{}',       -- JSON: {priority: {first_reply, next_reply, resolution}} minutes
    warn_before INTEGER NOT NULL DEFAULT 3600, -- seconds before a deadline that count as a near-breach
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- One row per pause of a ticket's resolution clock (pending, on hold); ended_at NULL while it lasts.
CREATE TABLE sla_pauses (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    seconds INTEGER NOT NULL DEFAULT 0        -- paused time in the policy's clock (business or wall seconds)
);
CREATE INDEX sla_pauses_ticket ON sla_pauses(ticket_id, started_at);

-- Breaches and near-breaches, once per ticket, target and deadline.
CREATE TABLE sla_events (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('near_breach', 'breach')),
    target TEXT NOT NULL CHECK (target IN ('first_reply', 'next_reply', 'resolution')),
    due INTEGER NOT NULL,
    at INTEGER NOT NULL,
    UNIQUE (ticket_id, kind, target, due)
);
CREATE INDEX sla_events_at ON sla_events(at);

ALTER TABLE tickets ADD COLUMN priority_level TEXT NOT NULL DEFAULT 'normal';  -- low, normal, high, urgent
ALTER TABLE tickets ADD COLUMN sla_policy_id INTEGER REFERENCES sla_policies(id) ON DELETE SET NULL;
ALTER TABLE tickets ADD COLUMN sla_paused_at INTEGER;          -- set while the resolution clock is paused
ALTER TABLE tickets ADD COLUMN sla_paused_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN sla_breached INTEGER NOT NULL DEFAULT 0;  -- bits: 1 first, 2 next, 4 resolution
"""


def up(db: sqlite_utils.Database) -> None:
    for statement in _statements(SCHEMA):
        db.execute(statement)
