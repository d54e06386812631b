"""The initial desk schema.

Conventions: times are UTC epoch seconds (INTEGER); money is INTEGER minor units beside a TEXT ISO 4217
code; everything that comes from a platform is UNIQUE on (platform, shop_id, external_id) so sync and
import are upserts; JSON columns hold orjson text.
"""

from __future__ import annotations

import sqlite_utils

SCHEMA = """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL                       -- JSON
);

CREATE TABLE rates (                          -- currency conversion for scoring and analytics
    currency TEXT PRIMARY KEY,                -- ISO 4217
    usd_per_unit REAL NOT NULL,               -- 1 unit of currency in USD
    minor_digits INTEGER NOT NULL DEFAULT 2,  -- 0 for JPY and KRW, 2 for most
    updated_at INTEGER NOT NULL
);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    languages TEXT NOT NULL DEFAULT '[]',
    skills TEXT NOT NULL DEFAULT '[]',
    timezone TEXT NOT NULL DEFAULT 'UTC',
    calendar TEXT NOT NULL DEFAULT '{}'       -- JSON: weekly hours and holiday country for SLA clocks
);

CREATE TABLE agents (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
    team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    languages TEXT NOT NULL DEFAULT '[]',
    skills TEXT NOT NULL DEFAULT '[]',
    capacity INTEGER NOT NULL DEFAULT 20,
    active INTEGER NOT NULL DEFAULT 1,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    created_at INTEGER NOT NULL
);

CREATE TABLE shops (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL DEFAULT 'USD',
    marketplace TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL DEFAULT '{}',        -- JSON, never secrets: those stay in the environment
    created_at INTEGER NOT NULL,
    UNIQUE (platform, external_id)
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',           -- E.164 when it parsed
    country TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    tier INTEGER NOT NULL DEFAULT 0,          -- models.Tier
    notes TEXT NOT NULL DEFAULT '',
    merged_into INTEGER REFERENCES customers(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX customers_email ON customers(email) WHERE email <> '';
CREATE INDEX customers_phone ON customers(phone) WHERE phone <> '';

CREATE TABLE customer_identities (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    platform TEXT NOT NULL,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    external_id TEXT NOT NULL,
    handle TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    UNIQUE (platform, shop_id, external_id)
);
CREATE INDEX customer_identities_customer ON customer_identities(customer_id);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    external_id TEXT NOT NULL,
    customer_id INTEGER REFERENCES customers(id),
    status TEXT NOT NULL DEFAULT 'paid',
    currency TEXT NOT NULL,
    total_minor INTEGER NOT NULL,
    ordered_at INTEGER NOT NULL,
    shipped_at INTEGER,
    delivered_at INTEGER,
    tracking_number TEXT NOT NULL DEFAULT '',
    carrier TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    UNIQUE (platform, shop_id, external_id)
);
CREATE INDEX orders_customer ON orders(customer_id);

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    currency TEXT NOT NULL,
    delivered_at INTEGER,                     -- per parcel or lot, for return-law periods
    UNIQUE (order_id, external_id)
);
CREATE INDEX order_lines_sku ON order_lines(sku);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    external_id TEXT NOT NULL,                -- the platform's conversation or thread id
    customer_id INTEGER REFERENCES customers(id),
    order_id INTEGER REFERENCES orders(id),
    subject TEXT NOT NULL DEFAULT '',
    status INTEGER NOT NULL DEFAULT 0,        -- models.TicketStatus
    priority REAL NOT NULL DEFAULT 0,         -- the queue score, written by rescore
    type TEXT NOT NULL DEFAULT 'question',
    assignee_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    language TEXT NOT NULL DEFAULT '',
    intent TEXT NOT NULL DEFAULT '',          -- the strongest intent of the buyer's messages
    sentiment REAL NOT NULL DEFAULT 0,        -- [-1, 1]
    flags INTEGER NOT NULL DEFAULT 0,         -- bit set: chargeback, legal, bad review threats
    tier INTEGER NOT NULL DEFAULT 0,          -- the customer's tier, copied for the queue
    order_value_usd REAL NOT NULL DEFAULT 0,  -- for the queue score
    escalated INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_customer_msg_at INTEGER,
    last_agent_msg_at INTEGER,
    first_replied_at INTEGER,
    solved_at INTEGER,
    first_reply_due INTEGER,
    next_reply_due INTEGER,
    resolution_due INTEGER,
    sla_due INTEGER,                          -- the nearest of the three, NULL when no SLA applies
    UNIQUE (platform, shop_id, external_id)
);
CREATE INDEX tickets_queue ON tickets(status, priority DESC);
CREATE INDEX tickets_assignee ON tickets(assignee_id, status);
CREATE INDEX tickets_customer ON tickets(customer_id);
CREATE INDEX tickets_platform ON tickets(platform, shop_id, status);
CREATE INDEX tickets_language ON tickets(language, status);
CREATE INDEX tickets_intent ON tickets(intent, status);
CREATE INDEX tickets_sla ON tickets(sla_due) WHERE status < 4;

CREATE TABLE ticket_tags (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag)
) WITHOUT ROWID;
CREATE INDEX ticket_tags_tag ON ticket_tags(tag);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    platform TEXT NOT NULL,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    external_id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out', 'note')),
    author TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT '',
    translation TEXT NOT NULL DEFAULT '',
    translated_to TEXT NOT NULL DEFAULT '',
    intents TEXT NOT NULL DEFAULT '[]',       -- JSON list of intent names
    sentiment REAL NOT NULL DEFAULT 0,
    flags INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (platform, shop_id, external_id)
);
CREATE INDEX messages_ticket ON messages(ticket_id, created_at);

CREATE VIRTUAL TABLE messages_fts USING fts5(
    body, translation, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, body, translation) VALUES (new.id, new.body, new.translation);
END;
CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body, translation)
    VALUES ('delete', old.id, old.body, old.translation);
END;
CREATE TRIGGER messages_au AFTER UPDATE OF body, translation ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body, translation)
    VALUES ('delete', old.id, old.body, old.translation);
    INSERT INTO messages_fts(rowid, body, translation) VALUES (new.id, new.body, new.translation);
END;

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('return', 'exchange', 'refund', 'cancellation', 'complaint')),
    state TEXT NOT NULL DEFAULT 'requested',
    ticket_id INTEGER REFERENCES tickets(id),
    order_id INTEGER REFERENCES orders(id),
    customer_id INTEGER REFERENCES customers(id),
    platform TEXT NOT NULL DEFAULT '',
    shop_id INTEGER REFERENCES shops(id),
    external_id TEXT,                         -- the platform's return or dispute id, when it has one
    reason TEXT NOT NULL DEFAULT '',
    decline_reason TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL DEFAULT '',
    requested_minor INTEGER NOT NULL DEFAULT 0,
    refunded_minor INTEGER NOT NULL DEFAULT 0,
    verdict TEXT NOT NULL DEFAULT '{}',       -- JSON: the return-policy verdict when evaluated
    refund_due INTEGER,
    requested_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (platform, shop_id, external_id)
);
CREATE INDEX cases_state ON cases(state, type);
CREATE INDEX cases_order ON cases(order_id);

CREATE TABLE case_lines (
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    order_line_id INTEGER NOT NULL REFERENCES order_lines(id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    replacement_sku TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, order_line_id)
);

CREATE TABLE templates (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,                       -- the default text, used when no variant fits
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE template_variants (
    id INTEGER PRIMARY KEY,
    template_id INTEGER NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
    language TEXT NOT NULL,                   -- BCP 47: "de", "pt-BR"
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    UNIQUE (template_id, language)
);

CREATE TABLE rules (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    conditions TEXT NOT NULL DEFAULT '{}',    -- JSON: {"all": [...], "any": [...]}
    actions TEXT NOT NULL DEFAULT '[]',       -- JSON list
    position INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    once_per_ticket INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id INTEGER,
    before TEXT,                              -- JSON
    after TEXT                                -- JSON
);
CREATE INDEX audit_object ON audit(object_type, object_id);
CREATE INDEX audit_at ON audit(at);

CREATE TABLE sync_cursors (
    platform TEXT NOT NULL,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    resource TEXT NOT NULL,                   -- messages, orders, returns...
    cursor TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (platform, shop_id, resource)
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                       -- message, return_decision, refund, cancellation...
    platform TEXT NOT NULL,
    shop_id INTEGER REFERENCES shops(id),
    ticket_id INTEGER REFERENCES tickets(id),
    case_id INTEGER REFERENCES cases(id),
    payload TEXT NOT NULL,                    -- JSON
    idempotency_key TEXT NOT NULL UNIQUE,     -- so a retry never sends twice
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'manual')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX outbox_pending ON outbox(status, next_attempt_at);

CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'en',
    tags TEXT NOT NULL DEFAULT '[]',
    updated_at INTEGER NOT NULL
);
CREATE VIRTUAL TABLE kb_fts USING fts5(
    title, body, content='kb_articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER kb_ai AFTER INSERT ON kb_articles BEGIN
    INSERT INTO kb_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER kb_ad AFTER DELETE ON kb_articles BEGIN
    INSERT INTO kb_fts(kb_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER kb_au AFTER UPDATE ON kb_articles BEGIN
    INSERT INTO kb_fts(kb_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO kb_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
"""

# Reference rates (USD per unit), used for scoring until a real rates feed updates them. Order values
# only need to be comparable across currencies for ranking, not exact to the cent.
RATES = {
    "USD": (1.0, 2),
    "EUR": (1.08, 2),
    "GBP": (1.27, 2),
    "JPY": (0.0067, 0),
    "CNY": (0.14, 2),
    "KRW": (0.00073, 0),
    "BRL": (0.18, 2),
    "TRY": (0.029, 2),
    "PLN": (0.25, 2),
    "SGD": (0.74, 2),
    "MYR": (0.21, 2),
    "THB": (0.028, 2),
    "PHP": (0.017, 2),
    "IDR": (0.000062, 2),
    "VND": (0.00004, 0),
    "TWD": (0.031, 2),
    "MXN": (0.055, 2),
    "CAD": (0.73, 2),
    "AUD": (0.66, 2),
    "SEK": (0.095, 2),
    "CHF": (1.12, 2),
    "SAR": (0.27, 2),
    "AED": (0.27, 2),
    "RUB": (0.011, 2),
    "INR": (0.012, 2),
    "HKD": (0.13, 2),
    "NOK": (0.093, 2),
    "DKK": (0.145, 2),
    "CZK": (0.043, 2),
    "HUF": (0.0027, 2),
}


def up(db: sqlite_utils.Database) -> None:
    for statement in _statements(SCHEMA):
        db.execute(statement)
    db.conn.executemany(
        "INSERT INTO rates (currency, usd_per_unit, minor_digits, updated_at) VALUES (?, ?, ?, 0)",
        [(code, rate, digits) for code, (rate, digits) in RATES.items()],
    )


def _statements(script: str) -> list[str]:
    """Split on semicolons that end a statement; trigger bodies hold semicolons of their own."""
    out, buf, depth = [], [], 0
    for line in script.splitlines():
        stripped = line.split("--", 1)[0].strip()
        buf.append(line)
        upper = stripped.upper()
        if upper.startswith("CREATE TRIGGER"):
            depth = 1
        if depth and upper == "END;":
            depth = 0
            out.append("\n".join(buf))
            buf = []
        elif not depth and stripped.endswith(";"):
            out.append("\n".join(buf))
            buf = []
    if "".join(buf).strip():
        out.append("\n".join(buf))
    return [s for s in out if s.strip()]
