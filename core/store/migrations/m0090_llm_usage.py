"""LLM calls: one row per call to a language model, for the cost report and the daily budget.

A row holds what was spent (tokens, USD, seconds) and why (``purpose``: translate, draft, summary), never
what the model was asked or answered: that text is the buyer's and stays in ``messages``.
"""

from __future__ import annotations

import sqlite_utils

SCHEMA = (
    """
    CREATE TABLE llm_calls (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,                      -- unix seconds
        day TEXT NOT NULL,                        -- UTC date, YYYY-MM-DD: the budget's unit
        purpose TEXT NOT NULL,                    -- translate | draft | summary | ...
        model TEXT NOT NULL DEFAULT '',
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        seconds REAL NOT NULL DEFAULT 0,
        status TEXT NOT NULL,                     -- ok, or the error class (LlmRateLimited, BudgetExceeded...)
        estimated INTEGER NOT NULL DEFAULT 0,     -- 1: the server reported no usage, tokens are estimates
        ticket_id INTEGER                         -- the ticket a draft or summary was for, when any
    )
    """,
    "CREATE INDEX llm_calls_day ON llm_calls(day)",
)


def up(db: sqlite_utils.Database) -> None:
    for statement in SCHEMA:
        db.execute(statement)
