"""Committing behind (crossdesk.store.behind): a transaction's deferred statements and its COMMIT run on a
thread while the caller goes on, with the guarantees of a transaction committed in place."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from crossdesk import hookimpl
from crossdesk.api import Desk
from crossdesk.models import Actor
from crossdesk.store import db as storage
from crossdesk.store.behind import CommitFailed, WriteBehind, catch_up, later, later_rows

ADMIN = Actor.system("test")


@pytest.fixture
def db(tmp_path):
    db = storage.connect(tmp_path / "desk.db")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    yield db
    db.conn.close()


def _values(conn: sqlite3.Connection) -> list[str]:
    return [v for (v,) in conn.execute("SELECT v FROM t ORDER BY id")]


def _reader(tmp_path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{tmp_path / 'desk.db'}?mode=ro", uri=True)


def test_deferred_statements_run_at_the_commit_in_their_order(db):
    behind = WriteBehind(db)
    with behind.transaction():
        db.execute("INSERT INTO t (v) VALUES ('now')")
        later(db, "INSERT INTO t (v) VALUES (?)", ["deferred 1"])
        assert _values(db.conn) == ["now"]  # not yet
        later(db, "INSERT INTO t (v) VALUES (?)", ["deferred 2"])
    behind.wait()
    assert _values(db.conn) == ["now", "deferred 1", "deferred 2"]
    assert not db.conn.in_transaction
    later(db, "INSERT INTO t (v) VALUES ('in place')")  # no transaction committed behind: runs now
    assert _values(db.conn)[-1] == "in place"


_ROWS = "INSERT INTO t (v) SELECT ? || ':' || (value ->> 0) FROM json_each(?) ORDER BY key"


def test_deferred_arrays_of_one_statement_run_as_one_in_their_order(db):
    """Rows deferred by the same statement with the same other parameters, one after the other, are one
    statement at the commit; a different parameter, or another statement between, starts a new one."""
    seen: list[str] = []
    behind = WriteBehind(db)
    with behind.transaction():
        later_rows(db, _ROWS, ["a"], b'[["1"],["2"]]')
        later_rows(db, _ROWS, ["a"], b"[]")
        later_rows(db, _ROWS, ["a"], b'[["3"]]')
        later_rows(db, _ROWS, ["b"], b'[["4"]]')  # another head
        later(db, "INSERT INTO t (v) VALUES ('between')")
        later_rows(db, _ROWS, ["b"], b'[["5"]]')  # not next to the one before: its own statement
        db.conn.set_trace_callback(seen.append)
    behind.wait()
    db.conn.set_trace_callback(None)
    assert _values(db.conn) == ["a:1", "a:2", "a:3", "b:4", "between", "b:5"]
    assert sum(sql.startswith("INSERT INTO t (v) SELECT") for sql in seen) == 3
    later_rows(db, _ROWS, ["c"], b'[["6"]]')  # no transaction committed behind: runs now
    assert _values(db.conn)[-1] == "c:6"


def test_the_caller_goes_on_while_the_commit_runs(db, tmp_path):
    held = threading.Event()
    db.conn.create_function("held", 0, lambda: held.wait(30) and 1)
    behind = WriteBehind(db)
    with behind.transaction():
        db.execute("INSERT INTO t (v) VALUES ('a')")
        later(db, "INSERT INTO t (v) SELECT 'b' WHERE held()")
    assert behind.busy  # returned while the deferred statement waits
    reader = _reader(tmp_path)
    assert _values(reader) == []  # nothing committed yet
    held.set()
    behind.wait()
    assert not behind.busy
    assert _values(reader) == ["a", "b"]
    reader.close()


def test_a_failing_deferred_statement_rolls_the_whole_transaction_back(db, tmp_path):
    behind = WriteBehind(db)
    committed: list[str] = []
    with behind.transaction():
        db.execute("INSERT INTO t (v) VALUES ('written in place')")
        later(db, "INSERT INTO t (v) VALUES (NULL)")  # NOT NULL: fails on the thread
        behind.on_commit(lambda: committed.append("yes"))
    with pytest.raises(CommitFailed, match="NOT NULL") as failed:
        behind.wait()
    assert isinstance(failed.value.__cause__, sqlite3.IntegrityError)
    assert committed == []
    assert not db.conn.in_transaction
    assert _values(db.conn) == [] and _values(_reader(tmp_path)) == []
    behind.wait()  # reported once
    with behind.transaction():  # the connection is usable again
        db.execute("INSERT INTO t (v) VALUES ('next')")
    behind.wait()
    assert _values(db.conn) == ["next"]


def test_an_error_in_the_block_rolls_back_here_and_nothing_deferred_runs(db):
    behind = WriteBehind(db)
    with pytest.raises(ValueError), behind.transaction():
        db.execute("INSERT INTO t (v) VALUES ('a')")
        later(db, "INSERT INTO t (v) VALUES ('b')")
        raise ValueError("broken record")
    assert not behind.busy and not db.conn.in_transaction
    assert _values(db.conn) == []
    assert getattr(db, "write_behind", None) is None
    later(db, "INSERT INTO t (v) VALUES ('c')")  # in place again
    assert _values(db.conn) == ["c"]


def test_the_block_is_one_unit_without_savepoints(db):
    """A unit of work inside that fails and is caught cannot be taken back alone (what it deferred would
    still run at the commit): the whole transaction fails."""
    behind = WriteBehind(db)
    with pytest.raises(storage.PartlyWritten), behind.transaction():
        try:
            with storage.transaction(db):
                later(db, "INSERT INTO t (v) VALUES ('from the failed unit')")
                raise ValueError("inner")
        except ValueError:
            pass
    behind.wait()
    assert _values(db.conn) == []


def test_it_is_the_outermost_transaction_and_waits_for_the_one_before(db):
    behind = WriteBehind(db)
    db.execute("BEGIN")
    with pytest.raises(RuntimeError, match="outermost"), behind.transaction():
        pass
    db.execute("ROLLBACK")
    with behind.transaction():
        later(db, "INSERT INTO t (v) VALUES ('first')")
    with behind.transaction():  # waits for the first commit before it begins
        db.execute("INSERT INTO t (v) VALUES ('second')")
    behind.wait()
    assert _values(db.conn) == ["first", "second"]


def test_catch_up_runs_the_deferred_statements_now(db):
    behind = WriteBehind(db)
    with behind.transaction():
        later(db, "INSERT INTO t (v) VALUES ('deferred')")
        catch_up(db)
        assert _values(db.conn) == ["deferred"]
        db.execute("INSERT INTO t (v) VALUES ('after it')")
    behind.wait()
    assert _values(db.conn) == ["deferred", "after it"]


def test_store_audit_keeps_its_place_after_deferred_audit_rows(tmp_path):
    from crossdesk.intake.sql import audit_many

    desk = Desk.open(tmp_path / "desk.db")
    try:
        store = desk.store
        behind = WriteBehind(store.db)
        with store.tx_behind(behind):
            audit_many(store, ADMIN, [("first", "ticket", 1, None, {"n": 1})])
            store.audit(ADMIN, "second", "ticket", 1, None, {"n": 2})
            audit_many(store, ADMIN, [("third", "ticket", 1, None, {"n": 3})])
        behind.wait()
        actions = [a for (a,) in store.db.execute("SELECT action FROM audit ORDER BY id")]
        assert actions[-3:] == ["first", "second", "third"]
    finally:
        desk.close()


def test_events_reach_observers_once_the_commit_is_seen(tmp_path):
    desk = Desk.open(tmp_path / "desk.db")
    heard: list[str] = []

    class Observer:
        @hookimpl
        def crossdesk_event(self, event):
            heard.append(event.name)

    try:
        store = desk.store
        store.pm.register(Observer())
        behind = WriteBehind(store.db)
        with store.tx_behind(behind):
            store.emit(ADMIN, "ticket_updated", "ticket", 1)
        assert heard == []
        behind.wait()
        assert heard == ["ticket_updated"]
        with store.tx_behind(behind):
            store.emit(ADMIN, "ticket_updated", "ticket", 2)
            later(store.db, "INSERT INTO audit (at) VALUES (NULL)")  # fails at the commit
        with pytest.raises(CommitFailed):
            behind.wait()
        assert heard == ["ticket_updated"]  # never for a transaction rolled back
    finally:
        desk.close()
