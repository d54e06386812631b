"""Set-based helpers of bulk intake: indexed lookups per shop and batch, id allocation, audit rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson

from crossdesk.models import Actor
from crossdesk.store import Store
from crossdesk.store.behind import later, later_rows
from crossdesk.store.session import JSON_OPTIONS

#: Bound parameters per ``IN (...)`` list, well under SQLite's limit.
CHUNK = 900


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def by_platform_key(
    store: Store,
    table: str,
    columns: str,
    keys: Iterable[tuple[str, int, str]],
    key_column: str = "external_id",
) -> dict[tuple[str, int, str], tuple]:
    """Rows of ``table`` whose (platform, shop_id, ``key_column``) is one of ``keys``: one indexed
    ``IN`` lookup per shop and chunk, never one query per record. Values are ``columns`` as a tuple."""
    per_shop: dict[tuple[str, int], set[str]] = defaultdict(set)
    for platform, shop_id, ext in keys:
        per_shop[platform, shop_id].add(ext)
    found: dict[tuple[str, int, str], tuple] = {}
    for (platform, shop_id), exts in per_shop.items():
        for part in chunks(sorted(exts)):
            marks = ",".join("?" * len(part))
            for row in store.db.execute(
                f"SELECT {key_column}, {columns} FROM {table} WHERE platform = ? AND shop_id = ? "
                f"AND {key_column} IN ({marks})",
                [platform, shop_id, *part],
            ):
                found[platform, shop_id, row[0]] = tuple(row[1:])
    return found


def by_ids(store: Store, table: str, columns: str, ids: Iterable[int]) -> dict[int, tuple]:
    """``columns`` of the rows of ``table`` with these ids, keyed by id."""
    wanted = sorted(set(ids))
    found: dict[int, tuple] = {}
    for part in chunks(wanted):
        marks = ",".join("?" * len(part))
        for row in store.db.execute(f"SELECT id, {columns} FROM {table} WHERE id IN ({marks})", list(part)):
            found[row[0]] = tuple(row[1:])
    return found


def next_id(store: Store, table: str) -> int:
    """The next free rowid of ``table``. Bulk intake writes inside ``store.tx()`` (BEGIN IMMEDIATE: no
    other writer meanwhile), so ids handed out from here are the ones SQLite would have given."""
    return int(store.db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]) + 1


def insert_many(store: Store, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """``executemany`` of rows that all have the same keys."""
    if not rows:
        return
    columns = tuple(rows[0])
    insert_rows(store, table, columns, [tuple(row.values()) for row in rows])


def insert_rows(store: Store, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """``executemany`` of value tuples in the order of ``columns``."""
    if rows:
        store.db.conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows
        )


def audit_many(
    store: Store,
    actor: Actor,
    entries: Sequence[tuple[str, str, int | None, Any, Any]],
    *,
    encoded: bool = False,
) -> None:
    """One audit row per ``(action, object_type, object_id, before, after)``, as :meth:`Store.audit`
    writes them, in one statement: the entries go to SQLite as one JSON array (``json_each``), whose
    ``before`` and ``after`` elements come back as the very text :func:`to_json` makes of them (the array
    is written with its options, and ``->`` returns an element's JSON text as written). Faster than an
    ``executemany`` even in place, and deferred to the commit when the transaction is committed behind
    (:func:`crossdesk.store.behind.later_rows`: a batch's audit rows of the same second are one statement
    there).

    ``encoded``: every ``before`` and ``after`` is that text already (or None), and is stored as it is.
    For large values (an order with its lines): SQLite then copies a string instead of writing the
    element's JSON out again, at the commit, on the writer's thread.

    The rows go in in the array's order, with no ``ORDER BY key``: ``json_each`` yields the elements in
    order, and an ``INSERT ... SELECT`` from it alone inserts them as it yields them, while ``ORDER BY key``
    made SQLite sort every batch's rows again in a temporary b-tree (a sixth of the statement's time).
    tests/intake/test_threads.py holds it to that order."""
    if not entries:
        return
    values = "value ->> 3, value ->> 4" if encoded else "nullif(value -> 3, 'null'), nullif(value -> 4, 'null')"
    later_rows(
        store.db,
        "INSERT INTO audit (at, actor, role, action, object_type, object_id, before, after) "
        f"SELECT ?, ?, ?, value ->> 0, value ->> 1, value ->> 2, {values} FROM json_each(?)",
        [store.now(), actor.name, actor.role_name],
        orjson.dumps(entries, option=JSON_OPTIONS),
    )


def insert_messages(store: Store, groups: Sequence[tuple[Sequence[str], Sequence[Sequence[Any]]]]) -> None:
    """Insert message rows, as ``(columns, value tuples)`` groups whose first column is the id (allocated
    by :func:`next_id`, so the groups together hold consecutive ids), and index their text in one
    statement instead of one trigger run per row (migration 0130). Call inside a transaction."""
    bounds = [(rows[0][0], rows[-1][0]) for _, rows in groups if rows]
    if not bounds:
        return
    with triggers_dropped(store, ("messages_ai",)):
        for columns, rows in groups:
            insert_rows(store, "messages", columns, rows)
    later(  # the batch's text is searched once it is in: indexed at its commit
        store.db,
        "INSERT INTO messages_fts (rowid, body, translation) SELECT id, body, translation FROM messages "
        "WHERE id BETWEEN ? AND ?",
        [min(low for low, _ in bounds), max(high for _, high in bounds)],
    )


@contextmanager
def triggers_dropped(store: Store, names: Sequence[str]) -> Iterator[None]:
    """The triggers ``names`` dropped for the block and made again as they were, in the order they were
    made, inside the current transaction. A trigger whose WHEN is false still runs a sub-program per row:
    about a microsecond, a sixth of inserting a message. SQLite's DDL is transactional, so no other
    connection ever sees them gone, and a rollback or a crash brings them back."""
    conn = store.db.conn
    if not conn.in_transaction:
        raise RuntimeError("triggers are dropped only inside a transaction")
    marks = ",".join("?" * len(names))
    triggers = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks}) ORDER BY rowid",
        list(names),
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        if conn.in_transaction:  # else rolled back, triggers and all
            for _, sql in triggers:
                conn.execute(sql)


def update_many(store: Store, table: str, patches: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """``store.update`` of each ``(id, patch)``, in order, as one ``executemany`` per set of columns.
    Patches of one id must not be reordered across column sets: each id appears once here."""
    groups: dict[tuple[str, ...], list[list[Any]]] = {}
    for pk, patch in patches:
        if patch:
            groups.setdefault(tuple(patch), []).append([*patch.values(), pk])
    for columns, args in groups.items():
        sets = ", ".join(f"{c} = ?" for c in columns)
        store.db.conn.executemany(f"UPDATE {table} SET {sets} WHERE id = ?", args)


def add_tags_many(
    store: Store, actor: Actor, wanted: Sequence[tuple[int, Sequence[str]]], have: dict[int, set[str]]
) -> dict[int, list[str]]:
    """``TicketService.add_tags`` over many tickets: per ``(ticket_id, tags)`` the tags it lacks (``have``
    holds those it has) are added in one ``executemany``, each ticket gets its ``ticket.tag`` audit row and
    its ``ticket_updated`` event, as one by one. Returns the tags added per ticket."""
    added: dict[int, list[str]] = {}
    for ticket_id, tags in wanted:
        present = have.setdefault(ticket_id, set())
        for tag in tags:
            tag = tag.strip().lower()
            if tag and tag not in present:
                present.add(tag)
                added.setdefault(ticket_id, []).append(tag)
    if not added:
        return added
    store.db.conn.executemany(
        "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)",
        [(tid, tag) for tid, tags in added.items() for tag in tags],
    )
    audit_many(
        store, actor, [("ticket.tag", "ticket", tid, None, {"added": tags}) for tid, tags in added.items()]
    )
    for tid, tags in added.items():
        store.emit(actor, "ticket_updated", "ticket", tid, changes={"tags": (None, tags)})
    return added
