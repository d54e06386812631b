"""Where a shop's credentials were first used: the origins (scheme, host, port) of its endpoint settings.

A sync sends a shop's credentials only to the origins recorded here; a shop record that moves an endpoint
elsewhere (an imported file, a hand edit) makes the sync refuse until an operator with the settings
permission rebinds the shop (``crossdesk sync-rebind``, audited). No secret is stored: only where to.
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute(
        """
CREATE TABLE IF NOT EXISTS credential_hosts (
    shop_id INTEGER PRIMARY KEY REFERENCES shops(id) ON DELETE CASCADE,
    origins TEXT NOT NULL,                 -- JSON {setting: "scheme://host:port"}; {} = the platform's own
    bound_at INTEGER NOT NULL,
    bound_by TEXT NOT NULL
)"""
    )
