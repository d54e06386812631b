"""Reputation: seller feedback and product reviews pulled from the marketplaces (docs/reputation.md)."""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute(
        """
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    external_id TEXT NOT NULL,             -- the platform's id of the comment or feedback
    kind TEXT NOT NULL,                    -- product_review, seller_feedback
    rating INTEGER NOT NULL,               -- stars 1..5 (feedback: 5 positive, 3 neutral, 1 negative)
    negative INTEGER NOT NULL DEFAULT 0,   -- as the platform's rating says
    body TEXT NOT NULL DEFAULT '',
    customer_id INTEGER REFERENCES customers(id),
    order_id INTEGER REFERENCES orders(id),
    sku TEXT NOT NULL DEFAULT '',
    reply TEXT NOT NULL DEFAULT '',        -- the seller's reply, as the platform shows it
    ticket_id INTEGER REFERENCES tickets(id),
    created_at INTEGER NOT NULL,
    pulled_at INTEGER NOT NULL,
    UNIQUE (platform, shop_id, external_id)
)"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS reviews_sku ON reviews(shop_id, sku, created_at)")
