import os
import sqlite3
import threading
import time

import pytest

from crossdesk.store import db as storage


def test_fresh_desk_is_migrated_with_wal_and_foreign_keys(tmp_path):
    db = storage.connect(tmp_path / "desk.db")
    assert storage.schema_version(db) == storage.known_migrations()[-1][0]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    for table in ("tickets", "messages", "messages_fts", "kb_fts", "outbox", "audit", "sync_cursors"):
        assert table in db.table_names()


def test_migrations_run_once(tmp_path):
    path = tmp_path / "desk.db"
    storage.connect(path).conn.close()
    db = storage.connect(path)
    assert storage.apply_migrations(db) == []


def test_newer_schema_is_refused(tmp_path):
    db = storage.connect(tmp_path / "desk.db")
    db.execute("INSERT INTO schema_migrations VALUES (9999, 'future', 0)")
    with pytest.raises(storage.SchemaError, match="upgrade crossdesk"):
        storage.apply_migrations(db)


def test_platform_records_are_unique_per_shop():
    db = storage.connect(":memory:")
    db.execute("INSERT INTO shops (platform, external_id, name, created_at) VALUES ('ebay', 'S', 'S', 0)")
    row = ("ebay", 1, "O-1", "EUR", 100, 0)
    sql = "INSERT INTO orders (platform, shop_id, external_id, currency, total_minor, ordered_at) VALUES (?,?,?,?,?,?)"
    db.execute(sql, row)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(sql, row)


def test_transaction_rolls_back_everything_and_savepoints_roll_back_alone():
    db = storage.connect(":memory:")
    with pytest.raises(RuntimeError), storage.transaction(db):
        db.execute("INSERT INTO settings VALUES ('a', '1')")
        raise RuntimeError
    assert db.execute("SELECT count(*) FROM settings").fetchone()[0] == 0
    with storage.transaction(db):
        db.execute("INSERT INTO settings VALUES ('a', '1')")
        with pytest.raises(RuntimeError), storage.transaction(db):
            db.execute("INSERT INTO settings VALUES ('b', '1')")
            raise RuntimeError
    assert [r[0] for r in db.execute("SELECT key FROM settings")] == ["a"]


def _statements(db) -> list[str]:
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    return seen


def test_all_or_nothing_opens_no_savepoint_and_is_one_unit():
    db = storage.connect(":memory:")
    seen = _statements(db)
    with storage.transaction(db), storage.all_or_nothing(db), storage.transaction(db):
        db.execute("INSERT INTO settings VALUES ('a', '1')")
    assert not [s for s in seen if "SAVEPOINT" in s]
    assert [r[0] for r in db.execute("SELECT key FROM settings")] == ["a"]
    # an error that leaves the block rolls the whole transaction back, as before
    with pytest.raises(RuntimeError), storage.transaction(db), storage.all_or_nothing(db):
        db.execute("INSERT INTO settings VALUES ('b', '1')")
        with storage.transaction(db):
            db.execute("INSERT INTO settings VALUES ('c', '1')")
            raise RuntimeError
    assert [r[0] for r in db.execute("SELECT key FROM settings")] == ["a"]
    # savepoints are back after the block
    with storage.transaction(db), pytest.raises(RuntimeError), storage.transaction(db):
        db.execute("INSERT INTO settings VALUES ('d', '1')")
        raise RuntimeError
    assert [r[0] for r in db.execute("SELECT key FROM settings")] == ["a"]
    assert [s for s in seen if "SAVEPOINT" in s]


def test_a_failed_unit_caught_inside_all_or_nothing_fails_the_block():
    """With no savepoint, what a failed nested unit wrote stays: the block must not commit it."""
    db = storage.connect(":memory:")
    with pytest.raises(storage.PartlyWritten), storage.transaction(db), storage.all_or_nothing(db):
        db.execute("INSERT INTO settings VALUES ('a', '1')")
        try:
            with storage.transaction(db):
                db.execute("INSERT INTO settings VALUES ('half', '1')")
                raise ValueError("fails after writing")
        except ValueError:
            pass  # a caller that goes on
    assert db.execute("SELECT count(*) FROM settings").fetchone()[0] == 0
    with pytest.raises(RuntimeError, match="inside a transaction"), storage.all_or_nothing(db):
        pass


def test_fts_follows_message_edits():
    db = storage.connect(":memory:")
    db.execute("INSERT INTO shops (platform, external_id, name, created_at) VALUES ('ebay', 'S', 'S', 0)")
    db.execute(
        "INSERT INTO tickets (platform, shop_id, external_id, created_at, updated_at) VALUES ('ebay',1,'T',0,0)"
    )
    db.execute(
        "INSERT INTO messages (ticket_id, platform, shop_id, external_id, direction, body, created_at) "
        "VALUES (1, 'ebay', 1, 'M', 'in', 'Paket beschädigt', 0)"
    )
    hit = "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?"
    assert db.execute(hit, ["beschadigt"]).fetchall() == [(1,)]  # diacritics folded
    db.execute("UPDATE messages SET translation = 'parcel damaged' WHERE id = 1")
    assert db.execute(hit, ["damaged"]).fetchall() == [(1,)]
    db.execute("DELETE FROM messages WHERE id = 1")
    assert db.execute(hit, ["damaged"]).fetchall() == []


def _inserts_build_temporary_btrees(db, table: str, row: dict) -> int:
    sql = f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"
    return sum(1 for op in db.execute("EXPLAIN " + sql, list(row.values())) if op[1] == "OpenEphemeral")


def test_the_direction_check_of_messages_is_edited_in_place_and_refuses_the_same(tmp_path):
    from crossdesk.store.migrations import m0241_messages_direction_check as m0241

    db = storage.connect(tmp_path / "desk.db")
    db.execute("INSERT INTO shops (platform, external_id, name, created_at) VALUES ('ebay', 'S', 'S', 0)")
    db.execute(
        "INSERT INTO tickets (platform, shop_id, external_id, created_at, updated_at) VALUES ('ebay',1,'T',0,0)"
    )
    message = {
        "ticket_id": 1,
        "platform": "ebay",
        "shop_id": 1,
        "external_id": "M",
        "direction": "in",
        "body": "where is it",
        "created_at": 0,
    }
    # the desk as it was before migration 0241, with a message in it
    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'messages'").fetchone()
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    db.execute("PRAGMA writable_schema = ON")
    db.execute(
        "UPDATE sqlite_master SET sql = ? WHERE name = 'messages'", [sql.replace(m0241.NEW, m0241.OLD)]
    )
    db.execute(f"PRAGMA schema_version = {version + 1}")
    db.execute("PRAGMA writable_schema = OFF")
    db.execute("DELETE FROM schema_migrations WHERE version = 241")
    db.execute(
        "INSERT INTO messages ({}) VALUES ({})".format(", ".join(message), ", ".join("?" * len(message))),
        list(message.values()),
    )
    assert _inserts_build_temporary_btrees(db, "messages", message) == 1  # the IN list, once per row

    assert storage.apply_migrations(db) == [241]
    assert _inserts_build_temporary_btrees(db, "messages", message) == 0
    assert db.execute("SELECT external_id, direction FROM messages").fetchall() == [("M", "in")]
    assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    for n, direction in enumerate(("in", "out", "note")):
        db.execute(
            "INSERT INTO messages (ticket_id, platform, shop_id, external_id, direction, body, created_at) "
            "VALUES (1, 'ebay', 1, ?, ?, 'x', 0)",
            [f"M{n}", direction],
        )
    for direction in ("sideways", "IN", ""):
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            db.execute(
                "INSERT INTO messages (ticket_id, platform, shop_id, external_id, direction, body, "
                "created_at) VALUES (1, 'ebay', 1, 'bad', ?, 'x', 0)",
                [direction],
            )
    # a desk whose definition is not the expected one is left alone
    with pytest.raises(RuntimeError, match="refusing"):
        m0241.up(db)


def _checkpointers() -> list:
    return [t for t in threading.enumerate() if t.name == "crossdesk-checkpoint"]


def _write_settings(db, tx: int, rows: int = 50, size: int = 4000) -> None:
    for _ in range(tx):
        t = db.execute("SELECT count(*) FROM settings").fetchone()[0]
        with storage.transaction(db):
            db.conn.executemany(
                "INSERT INTO settings VALUES (?, ?)", [(f"k{t}-{i}", "x" * size) for i in range(rows)]
            )


def _settle(done) -> None:
    """Wait until ``done()`` (up to a generous deadline: a wait for the thread, not a speed limit)."""
    deadline = time.monotonic() + 30
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_bulk_load_copies_its_commits_into_the_file_on_the_side(tmp_path, monkeypatch):
    """Each commit of a bulk load is copied from the WAL into the database file by the checkpointer's
    thread while the block goes on (the writer's own checkpoint is off); a reader's snapshot is left
    alone, and the block's end stops the thread."""
    monkeypatch.setattr(storage, "ASIDE_FROM", 0)
    path = tmp_path / "desk.db"
    db = storage.connect(path)
    storage.checkpoint_now(db)
    empty = os.path.getsize(path)
    reader = sqlite3.connect(path, isolation_level=None)
    with storage.bulk_writes(db):
        _write_settings(db, 1)
        reader.execute("BEGIN")
        seen = reader.execute("SELECT count(*) FROM settings").fetchone()[0]
        _write_settings(db, 3)
        _settle(lambda: db.checkpointer.runs >= 1)
        assert db.checkpointer.runs >= 1 and len(_checkpointers()) == 1
        # The writer went on while the reader held its snapshot, which is unchanged.
        assert reader.execute("SELECT count(*) FROM settings").fetchone()[0] == seen
        reader.execute("COMMIT")
        _write_settings(db, 1)  # its commit asks again: everything is copied now that no reader holds it
        _settle(lambda: os.path.getsize(path) > empty + 5 * 50 * 4000)
        assert os.path.getsize(path) > empty + 5 * 50 * 4000  # copied while the block still runs
    assert _checkpointers() == []
    assert getattr(db, "checkpointer", None) is None
    assert db.execute("SELECT count(*) FROM settings WHERE key LIKE 'k%'").fetchone()[0] == 5 * 50
    assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    reader.close()


def test_a_small_bulk_load_starts_no_checkpointer(tmp_path):
    db = storage.connect(tmp_path / "desk.db")
    with storage.bulk_writes(db):
        _write_settings(db, 2, rows=5, size=10)
        assert _checkpointers() == []
    with storage.bulk_writes(db), pytest.raises(RuntimeError):  # a failed load stops it too
        storage.ASIDE_FROM, keep = 0, storage.ASIDE_FROM
        try:
            _write_settings(db, 1)
            assert len(_checkpointers()) == 1
        finally:
            storage.ASIDE_FROM = keep
        raise RuntimeError("the load failed")
    assert _checkpointers() == []
