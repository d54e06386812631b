"""An import killed at a random moment (SIGKILL, a real process) and run again leaves the desk one clean
import leaves: committed batches stay, the batch in progress is gone, the rerun adds only what is missing."""

from __future__ import annotations

import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crossdesk.api import Desk
from crossdesk.io import export_jsonl, import_jsonl
from crossdesk.models import Actor
from crossdesk.store.behind import CommitFailed, WriteBehind
from tests.demo_export import demo_export

ADMIN = Actor.system("test")
NOW = 1_795_000_000


@pytest.fixture(scope="module")
def export_file(tmp_path_factory) -> Path:
    return demo_export(tmp_path_factory.mktemp("crash") / "export.jsonl", size=600, seed=5, now=NOW)


def _import(db: Path, source: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crossdesk", "import", str(source), "--db", str(db), "--batch", "150"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _export(db: Path) -> bytes:
    desk = Desk.open(db)
    try:
        out = io.BytesIO()
        export_jsonl(desk, ADMIN, out)
        return out.getvalue()
    finally:
        desk.close()


def _counts(db: Path) -> dict[str, int]:
    desk = Desk.open(db)
    try:
        tables = (
            "customers",
            "customer_identities",
            "orders",
            "order_lines",
            "tickets",
            "messages",
            "ticket_tags",
        )
        return {t: desk.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        desk.close()


def _schema(db: Path) -> list[tuple]:
    """The desk's indexes and triggers (an import sets indexes aside while it fills empty tables: a killed
    one leaves them to the next open)."""
    desk = Desk.open(db)
    try:
        return sorted(
            desk.db.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"
            ).fetchall()
        )
    finally:
        desk.close()


def _committed(db: Path) -> int:
    """Rows the import has committed so far, read through a connection of its own (WAL: a reader sees
    the committed batches while the import writes)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return sum(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("customers", "orders", "messages")
        )
    finally:
        conn.close()


def test_killed_import_then_rerun_equals_one_clean_import(tmp_path, export_file):
    clean = tmp_path / "clean.db"
    Desk.open(clean).close()
    started = time.monotonic()
    assert _import(clean, export_file).wait(timeout=300) == 0
    duration = time.monotonic() - started
    total = _committed(clean)

    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    killed = tmp_path / "killed.db"
    Desk.open(killed).close()
    kills = []
    # Each kill is set by progress, not by time (a loaded machine makes times lie): once the import has
    # committed a random share of the rows, it gets a random moment within about one more batch, then
    # SIGKILL. Three kills at growing shares, each run resuming the one before.
    for share in sorted(rng.uniform(0.1, 0.85) for _ in range(3)):
        proc = _import(killed, export_file)
        while proc.poll() is None and _committed(killed) < share * total:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, duration / 20))
        assert proc.poll() is None, f"seed {seed}: the import ended before its kill at {share:.0%}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills.append((round(share, 2), _committed(killed)))
    assert _import(killed, export_file).wait(timeout=300) == 0, f"seed {seed}, kills {kills}"

    assert _counts(killed) == _counts(clean), f"seed {seed}, kills {kills}"
    assert _export(killed) == _export(clean), f"seed {seed}, kills {kills}"
    assert _schema(killed) == _schema(clean), f"seed {seed}, kills {kills}"


def test_a_batch_is_all_or_nothing(tmp_path, export_file, monkeypatch):
    """A failure no check foresaw while a batch is written takes the batch back whole, then the batch is
    applied line by line: the failing line is named and the others are imported."""
    from crossdesk.intake import threads

    desk = Desk.memory(clock=lambda: NOW)
    real = threads.Threads.history
    calls = {"n": 0}

    def broken_once(self, rows):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("disk on fire")
        return real(self, rows)

    monkeypatch.setattr(threads.Threads, "history", broken_once)
    report = import_jsonl(desk, ADMIN, export_file)
    assert report.bad == []
    monkeypatch.undo()
    reference = Desk.memory(clock=lambda: NOW)
    import_jsonl(reference, ADMIN, export_file)
    for table in ("tickets", "messages", "customers", "orders"):
        count = f"SELECT count(*) FROM {table}"
        assert desk.db.execute(count).fetchone() == reference.db.execute(count).fetchone()


def test_a_batch_whose_commit_fails_is_applied_again_line_by_line(tmp_path, export_file, monkeypatch):
    """A batch's audit rows and text index are written with its COMMIT on a thread while the next batch
    is read; should that end fail, the batch is rolled back whole and applied again line by line, and the
    desk and the report are those of an import that never failed."""
    reference = Desk.open(tmp_path / "reference.db")
    expected = import_jsonl(reference, ADMIN, export_file, batch=150)
    desk = Desk.open(tmp_path / "desk.db")
    failures = {"left": 1}

    def fail_once() -> int:
        if failures["left"]:
            failures["left"] -= 1
            return 1
        return 0

    desk.db.conn.create_function("fail_once", 0, fail_once)
    # the first audit row written in a batch's commit fails it (a full disk, say); not a TEMP trigger,
    # which the import's own settings would drop (changing temp_store empties the temporary schema)
    desk.db.execute(
        "CREATE TRIGGER audit_fails BEFORE INSERT ON audit WHEN NEW.action = 'ticket.create' "
        "AND fail_once() BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    real_wait = WriteBehind.wait
    failed: list[str] = []

    def wait(self) -> None:
        try:
            real_wait(self)
        except CommitFailed as exc:
            failed.append(str(exc))
            raise

    monkeypatch.setattr(WriteBehind, "wait", wait)
    report = import_jsonl(desk, ADMIN, export_file, batch=150)
    desk.db.execute("DROP TRIGGER audit_fails")
    assert failures["left"] == 0
    assert len(failed) == 1 and "disk full" in failed[0]  # failed in the commit, not before
    assert report.bad == expected.bad == []
    assert (report.added, report.updated, report.unchanged) == (
        expected.added,
        expected.updated,
        expected.unchanged,
    )
    desk.close()
    reference.close()
    assert _counts(tmp_path / "desk.db") == _counts(tmp_path / "reference.db")
    assert _export(tmp_path / "desk.db") == _export(tmp_path / "reference.db")


def test_an_import_that_fails_while_a_batch_commits_leaves_that_batch_committed(tmp_path, export_file):
    """The file fails to read while the batch before is being committed on its thread: the error reaches
    the caller only once that commit has ended, the commit stands, and the rerun finishes the import."""
    import threading

    data = export_file.read_bytes()
    armed, held = threading.Event(), threading.Event()
    commits: set[int] = set()

    def hold() -> int:  # in the commit thread: once armed, a commit lingers at its first audit row
        if armed.is_set() and threading.get_ident() not in commits:
            commits.add(threading.get_ident())
            held.set()
            time.sleep(0.5)
            held.clear()
        return 0

    class Failing(io.BytesIO):
        waited = False

        def readline(self, size: int = -1) -> bytes:
            if self.tell() >= len(data) // 2:
                armed.set()
                if not self.waited:  # the commit in flight may yet come to its first audit row
                    self.waited = True
                    held.wait(1)
                if held.is_set():  # a commit is in flight: the disk goes away now
                    raise OSError("the disk went away")
            return super().readline(size)

    path = tmp_path / "desk.db"
    desk = Desk.open(path)
    desk.db.conn.create_function("hold", 0, hold)
    desk.db.execute("CREATE TRIGGER audit_held BEFORE INSERT ON audit WHEN hold() BEGIN SELECT 1; END")
    with pytest.raises(OSError, match="went away"):
        import_jsonl(desk, ADMIN, Failing(data), batch=600)
    assert commits  # the failure came while a commit was in flight
    assert not any(
        t.name in ("crossdesk-commit-behind", "crossdesk-checkpoint") for t in threading.enumerate()
    )
    assert not desk.db.conn.in_transaction
    desk.db.execute("DROP TRIGGER audit_held")
    desk.close()
    assert _committed(path) > 0  # the batches read before the failure are in, the held one too
    desk = Desk.open(path)
    report = import_jsonl(desk, ADMIN, export_file, batch=600)
    desk.close()
    assert report.bad == []
    clean = tmp_path / "clean.db"
    desk = Desk.open(clean)
    import_jsonl(desk, ADMIN, export_file, batch=600)
    desk.close()
    assert _counts(path) == _counts(clean)
    assert _export(path) == _export(clean)
