"""Outreach: marketing consent per buyer (granted and withdrawn, each recorded) and the campaign messages
planned and queued (:mod:`crossdesk.outreach`)."""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS customer_consents (
            id INTEGER PRIMARY KEY,
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            purpose TEXT NOT NULL,             -- 'marketing'
            granted INTEGER NOT NULL,          -- 1 consent, 0 opt-out; the latest row counts
            source TEXT NOT NULL DEFAULT '',   -- checkout checkbox, reply "stop", an agent...
            actor TEXT NOT NULL,
            at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS customer_consents_customer ON customer_consents(customer_id, purpose, id);

        CREATE TABLE IF NOT EXISTS outreach_messages (
            id INTEGER PRIMARY KEY,
            campaign TEXT NOT NULL,            -- the campaign's name (one per run)
            kind TEXT NOT NULL,                -- holiday_greeting | delivery_follow_up | order_status | win_back
            customer_id INTEGER NOT NULL REFERENCES customers(id),
            platform TEXT NOT NULL,
            shop_id INTEGER NOT NULL REFERENCES shops(id),
            order_id INTEGER REFERENCES orders(id),
            language TEXT NOT NULL,
            timezone TEXT NOT NULL,
            send_at INTEGER NOT NULL,          -- epoch: the buyer's local send hour, spaced by platform rate
            body TEXT NOT NULL,
            message_type TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,              -- scheduled | queued
            outbox_id INTEGER,
            created_at INTEGER NOT NULL,
            UNIQUE (campaign, customer_id)
        );
        CREATE INDEX IF NOT EXISTS outreach_due ON outreach_messages(status, send_at);
        """
    )
