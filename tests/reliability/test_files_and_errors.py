"""Issue 18 items 9 and 10: private files, a bounded WAL, sync translating only what it brought in, and
one line (not a traceback) for a full disk, a read-only, missing or locked desk."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.store import db as storage

from .conftest import add_order


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_desk_its_wal_and_shm_and_its_new_folder_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "new" / "desk.db"
        desk = Desk.open(path)
        add_order(desk)
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()
        assert _mode(path) == 0o600 and _mode(wal) == 0o600 and _mode(shm) == 0o600
        assert _mode(path.parent) == 0o700
        desk.close()
    finally:
        os.umask(old)


def test_the_wal_stays_bounded_under_steady_writers(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "WAL_LIMIT", 256 * 1024)
    path = tmp_path / "desk.db"
    desk = Desk.open(path)
    desk.db.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, blob TEXT)")
    reader = sqlite3.connect(path)
    wal = Path(f"{path}-wal")
    peak = 0
    for round_ in range(6):
        # A reader holds a snapshot for a while (the queue snapshot, a long export), as steady readers do.
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM filler").fetchone()
        for _ in range(150):
            with desk.store.tx():
                desk.db.execute("INSERT INTO filler (blob) VALUES (?)", ["x" * 4000])
        peak = max(peak, wal.stat().st_size)
        reader.execute("COMMIT")
        for _ in range(20):
            with desk.store.tx():
                desk.db.execute("INSERT INTO filler (blob) VALUES (?)", ["y" * 4000])
        assert wal.stat().st_size <= 2 * storage.WAL_LIMIT, f"round {round_}: WAL {wal.stat().st_size} bytes"
    assert peak > storage.WAL_LIMIT  # it did grow while the reader held it: the bound is what brought it back
    reader.close()
    desk.close()


# ---- one line, not a traceback ----------------------------------------------------------------------


def _run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, sqlite3.Error), result.exception
    return result


def test_a_full_disk_is_one_line_and_changes_nothing(desk_file, monkeypatch):
    path, case = desk_file
    real = storage.connect

    def full(*args, **kwargs):  # the disk fills up: SQLite cannot grow the file by one more page
        db = real(*args, **kwargs)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        return db

    monkeypatch.setattr(storage, "connect", full)
    big = "z" * 200_000
    result = _run("cases", "act", "refund", str(case), "--db", str(path), "--amount", "100", "--reason", big)
    assert result.exit_code == 1
    assert "disk holding the desk is full" in result.output and len(result.output.strip().splitlines()) == 1
    monkeypatch.setattr(storage, "connect", real)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM refunds").fetchone()[0] == 0
    conn.close()


def test_a_read_only_desk_reads_and_refuses_writes_in_one_line(desk_file, monkeypatch, tmp_path):
    path, case = desk_file
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode, **kw: False if str(p) == str(path) and mode & os.W_OK else real_access(p, mode, **kw),
    )
    listed = _run("cases", "list", "--db", str(path))
    assert listed.exit_code == 0 and str(case) in listed.output
    exported = _run("export", "--db", str(path), "--out", str(tmp_path / "out.jsonl"))
    assert exported.exit_code == 0, exported.output
    assert _run("doctor", "--db", str(path)).exit_code == 0
    refused = _run("cases", "act", "refund", str(case), "--db", str(path), "--amount", "100")
    assert refused.exit_code == 1 and "read-only" in refused.output


def test_a_locked_desk_is_one_line(desk_file, monkeypatch):
    path, case = desk_file
    monkeypatch.setattr(storage, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = _run("cases", "act", "refund", str(case), "--db", str(path), "--amount", "100")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1 and "locked" in result.output


def test_a_missing_or_foreign_desk_is_one_line(tmp_path):
    missing = _run("cases", "list", "--db", str(tmp_path / "nope.db"))
    assert missing.exit_code == 1 and "no desk at" in missing.output
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    foreign = _run("cases", "list", "--db", str(junk))
    assert foreign.exit_code == 1 and "not a" in foreign.output and "database" in foreign.output
