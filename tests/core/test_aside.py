"""Secondary indexes set aside while a bulk load fills empty tables (crossdesk.store.aside): only those of
empty tables, never a unique constraint, made again exactly as they were, by the load or by the next open
after a load that was killed."""

from __future__ import annotations

import sqlite3

import pytest

from crossdesk.store import aside
from crossdesk.store import db as storage


def _indexes(db, table: str | None = None) -> list[tuple[str, str | None]]:
    where = "AND tbl_name = ?" if table else ""
    return sorted(
        db.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' {where}", [table] if table else []
        ).fetchall()
    )


def _shop(db) -> None:
    db.execute("INSERT INTO shops (platform, external_id, name, created_at) VALUES ('ebay', 'S', 'S', 0)")


def test_only_the_explicit_indexes_of_empty_tables_are_set_aside_and_come_back_as_they_were(tmp_path):
    db = storage.connect(tmp_path / "desk.db")
    _shop(db)
    db.execute(
        "INSERT INTO orders (platform, shop_id, external_id, currency, total_minor, ordered_at) "
        "VALUES ('ebay', 1, 'O-1', 'EUR', 100, 0)"
    )
    before = _indexes(db)
    tickets = _indexes(db, "tickets")
    orders = _indexes(db, "orders")
    assert len([sql for _, sql in tickets if sql]) >= 10

    names = aside.set_aside(db, ("tickets", "orders"))

    assert sorted(names) == sorted(name for name, sql in tickets if sql)
    # the unique constraint the intake finds tickets by stays; the orders table has a row: all stay
    assert _indexes(db, "tickets") == [(n, s) for n, s in tickets if s is None]
    assert _indexes(db, "orders") == orders
    assert db.execute("SELECT count(*) FROM indexes_aside").fetchone()[0] == len(names)

    assert sorted(aside.restore(db)) == sorted(names)
    assert _indexes(db) == before
    assert db.execute("SELECT count(*) FROM indexes_aside").fetchone()[0] == 0
    assert aside.restore(db) == []  # nothing left to do


def test_a_killed_load_leaves_them_to_the_next_open(tmp_path):
    path = tmp_path / "desk.db"
    db = storage.connect(path)
    before = _indexes(db)
    names = aside.set_aside(db, ("tickets", "messages"))
    db.conn.close()  # killed: no restore

    raw = sqlite3.connect(path)
    assert {n for n, _ in _indexes(raw)} == {n for n, _ in before} - set(names)
    raw.close()

    db = storage.connect(path)
    assert _indexes(db) == before
    assert db.execute("SELECT count(*) FROM indexes_aside").fetchone()[0] == 0


def test_the_block_restores_them_even_when_it_fails():
    db = storage.connect(":memory:")
    before = _indexes(db)
    with pytest.raises(RuntimeError, match="the load failed"), aside.aside(db, ("tickets",)) as names:
        assert names and "tickets_queue" in names
        assert "tickets_queue" not in {n for n, _ in _indexes(db)}
        raise RuntimeError("the load failed")
    assert _indexes(db) == before


def test_a_desk_restored_by_another_connection_meanwhile_is_left_as_it_is(tmp_path):
    path = tmp_path / "desk.db"
    db = storage.connect(path)
    before = _indexes(db)
    with aside.aside(db, ("tickets",)) as names:
        assert names
        storage.connect(path).conn.close()  # another process opens the desk: it restores them
        assert _indexes(db) == before
    assert _indexes(db) == before
    assert db.execute("SELECT count(*) FROM indexes_aside").fetchone()[0] == 0


def test_set_aside_refuses_to_run_inside_a_transaction():
    db = storage.connect(":memory:")
    db.conn.execute("BEGIN")
    with pytest.raises(RuntimeError, match="transaction of their own"):
        aside.set_aside(db, ("tickets",))
    db.conn.execute("ROLLBACK")
    assert "tickets_queue" in {n for n, _ in _indexes(db)}
