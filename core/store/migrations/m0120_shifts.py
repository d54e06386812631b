"""Shifts, skills timeouts, sign-in: what the team needs beyond agents and teams (docs/team.md).

- ``agents.country``: the ISO 3166 country whose public holidays the agent does not work (``holidays``);
  ``agents.os_user``: the operating-system user name mapped to the agent on a shared server;
  ``agents.password_hash``: a scrypt hash (never the password: ``crossdesk.team.signin``).
- ``teams.skills_timeout``: seconds a ticket of the team waits before its skill requirement relaxes
  (NULL: never).
- ``shifts``: the weekly pattern, per agent, in the agent's own time zone: a weekday (0 Monday) and the
  minutes of the day it starts and ends; an end at or before the start runs past midnight.
- ``shift_exceptions``: leave (or extra days off) per agent, by local date, both ends included.
- ``sessions``: sign-in sessions, by the SHA-256 of their token (the token itself is only in the
  session file of the agent's own account), with their expiry.
"""

from __future__ import annotations

import sqlite_utils

SCHEMA = (
    "ALTER TABLE agents ADD COLUMN country TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE agents ADD COLUMN os_user TEXT",
    "ALTER TABLE agents ADD COLUMN password_hash TEXT",
    "CREATE UNIQUE INDEX agents_os_user ON agents(os_user) WHERE os_user IS NOT NULL",
    "ALTER TABLE teams ADD COLUMN skills_timeout INTEGER",
    """CREATE TABLE shifts (
        id INTEGER PRIMARY KEY,
        agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
        start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
        end_min INTEGER NOT NULL CHECK (end_min BETWEEN 0 AND 1440)
    )""",
    "CREATE INDEX shifts_agent ON shifts(agent_id)",
    """CREATE TABLE shift_exceptions (
        id INTEGER PRIMARY KEY,
        agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        first_day TEXT NOT NULL,
        last_day TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'leave',
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX shift_exceptions_agent ON shift_exceptions(agent_id)",
    """CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    )""",
)


def up(db: sqlite_utils.Database) -> None:
    for statement in SCHEMA:
        db.execute(statement)
