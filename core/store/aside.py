"""Secondary indexes set aside while a bulk load fills empty tables, and made again once it ends.

SQLite keeps every index of a table in step with each row written: a ticket's insert is thirteen b-tree
inserts, ten of them into indexes that only the desk's views read (the queue, the inbox, the reports).
An import into tables that are still empty (a seller bringing their history to a new desk) reads none of
them, and making an index once over the whole table, by a sort, costs far less than keeping it in step row
by row: on a 20k-ticket import, setting aside those of tickets, messages, orders and order lines took
about 4% off its time, their rebuild included (docs/scale.md).

:func:`set_aside` drops the explicit indexes of the named tables that hold no row and records each
statement in ``indexes_aside`` (migration 0250), in one transaction; :func:`restore` makes them again from
the records and deletes them, in one transaction. The unique constraints (SQLite's automatic indexes), by
which the intake finds the records it has, are never dropped, nor is an index of a table that has rows.

A load that is killed leaves its records: the next open of the desk (:func:`crossdesk.store.db.connect`)
restores the indexes before anything else runs. Meanwhile another connection's queries are right, only
slower (a scan where an index would have served).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlite_utils


@contextmanager
def aside(db: sqlite_utils.Database, tables: Sequence[str]) -> Iterator[list[str]]:
    """:func:`set_aside` of ``tables`` for the block (yields the names), :func:`restore` after it, whether
    it ends well or not (unless it left a transaction open: the next open of the desk restores them)."""
    names = set_aside(db, tables)
    try:
        yield names
    finally:
        if names and not db.conn.in_transaction:
            restore(db)


def set_aside(db: sqlite_utils.Database, tables: Sequence[str]) -> list[str]:
    """Drop the explicit indexes of those of ``tables`` that are empty (call outside a transaction);
    return their names."""
    with _immediate(db.conn, "set aside") as conn:
        empty = [t for t in tables if conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is None]
        marks = ",".join("?" * len(empty))
        found = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY rowid",
            empty,
        ).fetchall()
        (last,) = conn.execute("SELECT coalesce(max(position), 0) FROM indexes_aside").fetchone()
        for position, (name, sql) in enumerate(found, last + 1):
            conn.execute("INSERT INTO indexes_aside (name, sql, position) VALUES (?, ?, ?)", [name, sql, position])
            conn.execute(f'DROP INDEX "{name}"')
    return [name for name, _ in found]


def restore(db: sqlite_utils.Database) -> list[str]:
    """Make again every index set aside, in the order they were first made (call outside a transaction);
    return their names. A desk with none set aside costs one lookup; one without the table (its schema
    not yet migrated to 0250) has none."""
    try:
        if db.conn.execute("SELECT 1 FROM indexes_aside LIMIT 1").fetchone() is None:
            return []
    except sqlite3.OperationalError:  # no such table: before migration 0250
        return []
    with _immediate(db.conn, "restored") as conn:
        # read again inside the transaction: another connection may have restored them meanwhile
        found = conn.execute("SELECT name, sql FROM indexes_aside ORDER BY position").fetchall()
        for name, sql in found:
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [name]
            ).fetchone()
            if exists is None:
                conn.execute(sql)
        conn.execute("DELETE FROM indexes_aside")
    return [name for name, _ in found]


@contextmanager
def _immediate(conn: sqlite3.Connection, what: str) -> Iterator[sqlite3.Connection]:
    """A transaction of its own (BEGIN IMMEDIATE: no other writer meanwhile), rolled back on any error.
    Not :func:`crossdesk.store.db.transaction`, which imports this module."""
    if conn.in_transaction:
        raise RuntimeError(f"indexes are {what} in a transaction of their own")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
