"""Translation: the cache, glossary terms per shop, the retry queue of incoming messages, provider stops.

The cache never holds the source text, only its hash: the text itself is in ``messages`` already, and a
cache row must not become a second copy of what a buyer wrote.
"""

from __future__ import annotations

import sqlite_utils

SCHEMA = (
    """
    CREATE TABLE translation_cache (
        text_hash TEXT NOT NULL,                  -- sha256 of the source text, hex
        source TEXT NOT NULL,                     -- ISO 639-1, '' when the provider detected it
        target TEXT NOT NULL,
        glossary_key TEXT NOT NULL DEFAULT '',    -- hash of the glossary terms that applied, '' for none
        provider TEXT NOT NULL,
        translation TEXT NOT NULL,
        coverage REAL NOT NULL DEFAULT 1,         -- share of the text translated (the phrasebook may miss parts)
        created_at INTEGER NOT NULL,
        PRIMARY KEY (text_hash, source, target, glossary_key, provider)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE glossary_terms (
        id INTEGER PRIMARY KEY,
        shop_id INTEGER NOT NULL DEFAULT 0,       -- 0: every shop
        term TEXT NOT NULL,
        language TEXT NOT NULL DEFAULT '',        -- source language of the term, '' for any
        translations TEXT NOT NULL DEFAULT '{}',  -- JSON {target: text}; {} means never translate
        case_sensitive INTEGER NOT NULL DEFAULT 1,
        note TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (shop_id, term, language)
    )
    """,
    "CREATE INDEX glossary_terms_shop ON glossary_terms(shop_id)",
    """
    CREATE TABLE translation_queue (              -- incoming messages no provider could translate yet
        message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        target TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT NOT NULL DEFAULT '',
        updated_at INTEGER NOT NULL
    )
    """,
    "CREATE INDEX translation_queue_due ON translation_queue(next_attempt_at)",
    """
    CREATE TABLE translation_providers (          -- providers stopped for a while (quota used up)
        name TEXT PRIMARY KEY,
        stopped_until INTEGER NOT NULL,
        reason TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    )
    """,
    # The background translator looks for incoming messages not yet in the agent's language.
    "CREATE INDEX messages_untranslated ON messages(direction, translated_to)",
)


def up(db: sqlite_utils.Database) -> None:
    for statement in SCHEMA:
        db.execute(statement)
