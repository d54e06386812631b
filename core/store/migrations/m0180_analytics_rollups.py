"""Analytics rollups: the tickets of each day as columns, so a report over a million tickets reads a few
hundred rows instead of a million (docs/analytics.md, "Rollups").

``analytics_days`` holds, per UTC day of ticket creation, every ticket of that day as packed numpy columns
(the exact values: percentiles stay exact); ``analytics_codes`` numbers the dimension values those columns
hold; ``analytics_dirty`` lists the days whose tickets changed since their row was built (the facts step of
the event pipeline adds the ticket's day, and triggers on ``tickets`` add it for any write that bypasses
the pipeline: a bulk load, a direct status change, a deletion; the next report rebuilds those rows). A desk
migrated with tickets marks every day dirty.

``sku_days`` counts, per UTC day of ordering, SKU and marketplace, the orders holding the SKU and the units
sold, the orders with a complaint and the units returned (the quality warnings' counts); triggers on
``orders``, ``order_lines``, ``tickets`` (intent, order), ``cases`` and ``case_lines`` mark the days any
change touches (``sku_days_dirty``), bulk loads included, and the quality check rebuilds them first.
"""

from __future__ import annotations

import sqlite_utils

from crossdesk.store.migrations.m0001_initial import _statements

SCHEMA = """
CREATE TABLE analytics_codes (
    code INTEGER PRIMARY KEY,
    dim TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (dim, value)
);
CREATE TABLE analytics_days (
    day INTEGER PRIMARY KEY,                  -- created_at // 86400 (UTC): storage, not a report bucket
    tickets INTEGER NOT NULL,
    nums BLOB NOT NULL,                       -- float64 rows x columns (NaN for none)
    ints BLOB NOT NULL,                       -- int32 rows x columns (flags and dimension codes)
    skus BLOB NOT NULL,                       -- int32 pairs: row of the day, SKU code
    built_at INTEGER NOT NULL
);
CREATE TABLE analytics_dirty (
    day INTEGER PRIMARY KEY
);
CREATE TABLE sku_days (
    day INTEGER NOT NULL,                     -- ordered_at // 86400 (UTC)
    sku TEXT NOT NULL,
    platform TEXT NOT NULL,
    orders INTEGER NOT NULL,                  -- orders holding the SKU
    units INTEGER NOT NULL,                   -- units of the SKU sold
    complaints INTEGER NOT NULL,              -- of those orders, with a ticket of a complaint intent
    returned INTEGER NOT NULL,                -- units of the SKU in return, refund or exchange cases
    PRIMARY KEY (day, sku, platform)
) WITHOUT ROWID;
CREATE TABLE sku_days_dirty (
    day INTEGER PRIMARY KEY
);
CREATE INDEX tickets_order_intent ON tickets(order_id, intent);
CREATE INDEX refunds_created ON refunds(created_at);
"""


def _mark(table: str, days: str) -> str:
    """A trigger statement adding ``days`` (a query of one column ``d``) to a dirty-days table. Written
    without a conflict clause: the outer statement's (an importer's INSERT OR ABORT ...) would override an
    ``OR IGNORE`` here, so days already marked are left out by the query itself."""
    return (
        f"INSERT INTO {table} (day) SELECT DISTINCT d FROM ({days}) "
        f"WHERE d IS NOT NULL AND d NOT IN (SELECT day FROM {table});"
    )


def _both(column: str) -> str:
    return f"SELECT OLD.{column} / 86400 AS d UNION SELECT NEW.{column} / 86400"


def _order_day(ref: str) -> str:
    return f"SELECT ordered_at / 86400 AS d FROM orders WHERE id = {ref}"


def _line_day(ref: str) -> str:
    return f"SELECT o.ordered_at / 86400 AS d FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.id = {ref}"


_TICKET_COLUMNS = (
    "status, solved_at, first_replied_at, next_reply_due, resolution_due, assignee_id, team_id, platform, "
    "shop_id, language, intent, tier, customer_id, order_id, created_at"
)
#: A change a day row can show: a status moving between open (0-3) and solved or closed (4, 5), or another
#: of the columns changing (pending to open, or solved to closed, changes nothing in it).
_CHANGED = " OR ".join(
    ["(OLD.status < 4) IS NOT (NEW.status < 4)"]
    + [f"OLD.{c} IS NOT NEW.{c}" for c in _TICKET_COLUMNS.replace(" ", "").split(",") if c != "status"]
)
#: (name, when, statement): the triggers that mark days dirty.
TRIGGERS = (
    (
        "tickets_analytics_days_insert",
        "AFTER INSERT ON tickets",
        _mark("analytics_dirty", "SELECT NEW.created_at / 86400 AS d"),
    ),
    (
        "tickets_analytics_days_update",
        f"AFTER UPDATE OF {_TICKET_COLUMNS} ON tickets WHEN {_CHANGED}",
        _mark("analytics_dirty", _both("created_at")),
    ),
    (
        "tickets_analytics_days_delete",
        "AFTER DELETE ON tickets",
        _mark("analytics_dirty", "SELECT OLD.created_at / 86400 AS d"),
    ),
    (
        "orders_sku_days_insert",
        "AFTER INSERT ON orders",
        _mark("sku_days_dirty", "SELECT NEW.ordered_at / 86400 AS d"),
    ),
    (
        "orders_sku_days_update",
        "AFTER UPDATE OF ordered_at, platform ON orders",
        _mark("sku_days_dirty", _both("ordered_at")),
    ),
    (
        "orders_sku_days_delete",
        "AFTER DELETE ON orders",
        _mark("sku_days_dirty", "SELECT OLD.ordered_at / 86400 AS d"),
    ),
    (
        "order_lines_sku_days_insert",
        "AFTER INSERT ON order_lines",
        _mark("sku_days_dirty", _order_day("NEW.order_id")),
    ),
    (
        "order_lines_sku_days_update",
        "AFTER UPDATE OF order_id, sku, quantity ON order_lines",
        _mark("sku_days_dirty", _order_day("OLD.order_id") + " UNION " + _order_day("NEW.order_id")),
    ),
    (
        "order_lines_sku_days_delete",
        "AFTER DELETE ON order_lines",
        _mark("sku_days_dirty", _order_day("OLD.order_id")),
    ),
    (
        "tickets_sku_days_insert",
        "AFTER INSERT ON tickets WHEN NEW.order_id IS NOT NULL",
        _mark("sku_days_dirty", _order_day("NEW.order_id")),
    ),
    (
        "tickets_sku_days_update",
        "AFTER UPDATE OF intent, order_id ON tickets",
        _mark("sku_days_dirty", _order_day("OLD.order_id") + " UNION " + _order_day("NEW.order_id")),
    ),
    (
        "tickets_sku_days_delete",
        "AFTER DELETE ON tickets WHEN OLD.order_id IS NOT NULL",
        _mark("sku_days_dirty", _order_day("OLD.order_id")),
    ),
    (
        "case_lines_sku_days_insert",
        "AFTER INSERT ON case_lines",
        _mark("sku_days_dirty", _line_day("NEW.order_line_id")),
    ),
    (
        "case_lines_sku_days_update",
        "AFTER UPDATE ON case_lines",
        _mark("sku_days_dirty", _line_day("OLD.order_line_id") + " UNION " + _line_day("NEW.order_line_id")),
    ),
    (
        "case_lines_sku_days_delete",
        "AFTER DELETE ON case_lines",
        _mark("sku_days_dirty", _line_day("OLD.order_line_id")),
    ),
    (
        "cases_sku_days_update",
        "AFTER UPDATE OF type ON cases",
        _mark(
            "sku_days_dirty",
            "SELECT o.ordered_at / 86400 AS d FROM case_lines cl JOIN order_lines l ON l.id = cl.order_line_id "
            "JOIN orders o ON o.id = l.order_id WHERE cl.case_id = NEW.id",
        ),
    ),
)


def up(db: sqlite_utils.Database) -> None:
    for statement in _statements(SCHEMA):
        db.execute(statement)
    for name, when, statement in TRIGGERS:
        db.execute(f"CREATE TRIGGER {name} {when} BEGIN {statement} END")
    db.execute("INSERT OR IGNORE INTO analytics_dirty (day) SELECT DISTINCT created_at / 86400 FROM tickets")
    db.execute("INSERT OR IGNORE INTO sku_days_dirty (day) SELECT DISTINCT ordered_at / 86400 FROM orders")
