"""Issue 18 items 1 and 9, with a real process: a refund killed (SIGKILL) right after its commit and run
again refunds once; rescore and automate on a full disk say so in one line."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys

from click.testing import CliRunner

from crossdesk.cli import cli
from crossdesk.store import db as storage

# Runs the CLI in a child that kills itself with SIGKILL right after the first transaction that wrote a
# refund commits: what a kill -9 between "committed" and "printed" does.
CHILD = """
import os, signal, sys
from crossdesk.store import db
from crossdesk.cli import cli

real = db.transaction.__wrapped__ if hasattr(db.transaction, "__wrapped__") else None
original = db.transaction

from contextlib import contextmanager

@contextmanager
def killing(database):
    outer = not database.conn.in_transaction
    with original(database) as d:
        yield d
    if outer and database.execute("SELECT COUNT(*) FROM refunds").fetchone()[0]:
        os.kill(os.getpid(), signal.SIGKILL)

db.transaction = killing
cli(sys.argv[1:])
"""


def _refunds(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*) FROM refunds").fetchone()[0]
    finally:
        conn.close()


def test_a_refund_killed_after_its_commit_and_run_again_refunds_once(desk_file):
    path, case = desk_file
    args = ["cases", "act", "refund", str(case), "--db", str(path), "--amount", "300"]
    child = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert _refunds(path) == 1  # it committed, then died before saying so
    again = CliRunner().invoke(cli, args)  # the operator runs the same command again
    assert again.exit_code == 0 and "already done" in again.output
    assert _refunds(path) == 1
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'refund'").fetchone()[0] == 1
    conn.close()


def _full(monkeypatch):
    real = storage.connect

    def full(*args, **kwargs):
        db = real(*args, **kwargs)
        db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
        return db

    monkeypatch.setattr(storage, "connect", full)


def test_rescore_and_automate_on_a_full_disk_are_one_line(tmp_path, monkeypatch):
    path = tmp_path / "demo.db"
    built = CliRunner().invoke(cli, ["demo", "--db", str(path), "--size", "200", "--headless", "--no-enrich"])
    assert built.exit_code == 0, built.output
    _full(monkeypatch)
    for command in (["rescore", "--db", str(path)], ["automate", "--db", str(path)]):
        result = CliRunner().invoke(cli, command)
        assert "Traceback" not in result.output, command
        assert not isinstance(result.exception, sqlite3.Error), (command, result.exception)
        assert result.exit_code == 1, (command, result.output)
        assert "disk holding the desk is full" in result.output.strip().splitlines()[-1], (
            command,
            result.output,
        )
