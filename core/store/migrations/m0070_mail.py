"""The e-mail channel: accounts, IMAP cursors, every mail seen (raw kept on disk) and its attachments.

``messages.channel`` says how a message travelled ("" for a marketplace API, "email"); the rows of
``mail_messages`` keep, per raw mail, what the desk made of it (a buyer message, an auto-reply or bounce
filed beside its thread, a duplicate), so importing or polling the same mail twice adds nothing.
Passwords are never here: they come from the environment or the credentials file (docs/mail.md).
"""

from __future__ import annotations

import sqlite_utils

SCHEMA = """
CREATE TABLE mail_accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    address TEXT NOT NULL,                    -- the seller's registered address replies are sent from
    username TEXT NOT NULL DEFAULT '',
    imap_host TEXT NOT NULL DEFAULT '',
    imap_port INTEGER NOT NULL DEFAULT 993,
    imap_security TEXT NOT NULL DEFAULT 'tls' CHECK (imap_security IN ('tls', 'starttls', 'none')),
    smtp_host TEXT NOT NULL DEFAULT '',
    smtp_port INTEGER NOT NULL DEFAULT 465,
    smtp_security TEXT NOT NULL DEFAULT 'tls' CHECK (smtp_security IN ('tls', 'starttls', 'none')),
    folder TEXT NOT NULL DEFAULT 'INBOX',
    processed_folder TEXT NOT NULL DEFAULT '',
    sent_folder TEXT NOT NULL DEFAULT 'Sent',
    created_at INTEGER NOT NULL
);

CREATE TABLE mail_cursors (
    account_id INTEGER NOT NULL REFERENCES mail_accounts(id) ON DELETE CASCADE,
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, folder)
);

CREATE TABLE mail_messages (
    id INTEGER PRIMARY KEY,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    account_id INTEGER REFERENCES mail_accounts(id) ON DELETE SET NULL,
    message_id TEXT NOT NULL DEFAULT '',      -- the Message-ID header, without brackets
    sha256 TEXT NOT NULL,                     -- of the raw bytes, kept on disk under this name
    kind TEXT NOT NULL,                       -- buyer, outbound, autoreply, bounce, bulk, delivery_notice,
                                              -- undeliverable
    ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
    desk_message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    sender TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    norm_subject TEXT NOT NULL DEFAULT '',
    order_ref TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',            -- what was wrong with it (malformed MIME, charset)
    created_at INTEGER NOT NULL,
    UNIQUE (shop_id, sha256)
);
CREATE INDEX mail_messages_mid ON mail_messages(message_id) WHERE message_id <> '';
CREATE INDEX mail_messages_sender ON mail_messages(sender, norm_subject, created_at);
CREATE INDEX mail_messages_ticket ON mail_messages(ticket_id);
CREATE INDEX mail_messages_order ON mail_messages(shop_id, order_ref) WHERE order_ref <> '';

CREATE TABLE mail_attachments (
    id INTEGER PRIMARY KEY,
    mail_id INTEGER NOT NULL REFERENCES mail_messages(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,                     -- content address of the file beside the desk
    filename TEXT NOT NULL,
    declared_type TEXT NOT NULL DEFAULT '',
    sniffed_type TEXT NOT NULL DEFAULT '',    -- from the bytes
    size INTEGER NOT NULL,
    stored INTEGER NOT NULL DEFAULT 1,        -- 0: over the size cap, only its metadata kept
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_attachments_mail ON mail_attachments(mail_id);
"""


def up(db: sqlite_utils.Database) -> None:
    for statement in SCHEMA.split(";\n"):
        if statement.strip():
            db.execute(statement)
    db.execute("ALTER TABLE messages ADD COLUMN channel TEXT NOT NULL DEFAULT ''")
