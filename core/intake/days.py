"""The dirty days of a batch's tickets, marked once per batch (migration 0205).

Analytics rollups rebuild the days whose tickets or orders changed (``analytics_dirty``,
``sku_days_dirty``, migration 0180); triggers mark them row by row. Inside :func:`deferred_days` the
triggers of ticket writes and of order and order-line inserts are off (dropped within the batch's
transaction and made again at its end; off by migration 0205's flag too), and the caller names every ticket
its batch inserted or updated; at the end of the block (still inside the batch's transaction) their
creation days and the days of their orders are marked, and the days of the orders and order lines the
block inserted, a statement or two each: what the block inserted is read as a range of ids (theirs are
above the largest before it: rowids grow), the tickets it changed that the desk had by their ids. The set
marked holds every day the triggers would have marked for those writes: bulk intake never changes a
ticket's ``created_at`` nor replaces an order it has (it only fills one that was missing), so a ticket's
days before and after the batch are its days now.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import orjson

from crossdesk.intake.sql import triggers_dropped
from crossdesk.store import Store
from crossdesk.store.behind import later
from crossdesk.store.migrations.m0205_intake_days_deferred import DEFERRED


@contextmanager
def deferred_days(store: Store) -> Iterator[set[int]]:
    """Turn the day triggers of ticket writes and order and order-line inserts off for the block (call
    inside a transaction); yields the set the block fills with the ids of the tickets it writes. Their
    days, and those of the orders and lines inserted meanwhile, are marked when the block ends without an
    error; on an error the transaction is to be rolled back anyway."""
    conn = store.db.conn
    if not conn.in_transaction:
        raise RuntimeError("deferred_days must run inside the batch's transaction")
    conn.execute("INSERT INTO intake_days_deferred (batch) VALUES (1)")
    # Off is not enough: a trigger whose WHEN is false still runs a sub-program per row, which made the
    # insert of a batch's tickets cost about three times the insert itself. They are dropped for the block.
    tickets, orders, lines = (
        conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
        for table in ("tickets", "orders", "order_lines")
    )
    touched: set[int] = set()
    try:
        with triggers_dropped(store, DEFERRED):
            yield touched
    finally:
        conn.execute("DELETE FROM intake_days_deferred")
    mark_days(store, touched, tickets)
    later(
        store.db,
        "INSERT OR IGNORE INTO sku_days_dirty (day) SELECT DISTINCT ordered_at / 86400 FROM orders "
        "WHERE id > ? AND ordered_at IS NOT NULL",
        [orders],
    )
    later(  # the new lines of orders the desk had: those of new orders are on their orders' days, above
        store.db,
        "INSERT OR IGNORE INTO sku_days_dirty (day) SELECT DISTINCT o.ordered_at / 86400 FROM order_lines l "
        "JOIN orders o ON o.id = l.order_id WHERE l.id > ? AND l.order_id <= ? AND o.ordered_at IS NOT NULL",
        [lines, orders],
    )


def mark_days(store: Store, ticket_ids: set[int], above: int) -> None:
    """Mark the creation days of these tickets and the order days of their orders dirty. Every ticket with
    an id past ``above`` is among them (those the block inserted: rowids grow) and is read as a range; the
    others by their ids."""
    if not ticket_ids:
        return
    old = sorted(t for t in ticket_ids if t <= above)
    wheres = [("id > ?", above)]
    if old:
        wheres.append(("id IN (SELECT value FROM json_each(?))", orjson.dumps(old).decode()))
    for where, arg in wheres:
        later(
            store.db,
            "INSERT OR IGNORE INTO analytics_dirty (day) SELECT DISTINCT created_at / 86400 FROM tickets "
            f"WHERE {where} AND created_at IS NOT NULL",
            [arg],
        )
        later(
            store.db,
            "INSERT OR IGNORE INTO sku_days_dirty (day) SELECT DISTINCT o.ordered_at / 86400 FROM orders o "
            f"WHERE o.id IN (SELECT order_id FROM tickets WHERE {where}) AND o.ordered_at IS NOT NULL",
            [arg],
        )
