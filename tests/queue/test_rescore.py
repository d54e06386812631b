from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from crossdesk.cli import cli
from crossdesk.errors import PermissionDenied
from crossdesk.models import Actor, Role
from crossdesk.queue import RESCORE_KEY, rescore
from crossdesk.testing import make_desk

ADMIN = Actor(name="ops", role=Role.ADMIN)
SUPERVISOR = Actor(name="sue", role=Role.SUPERVISOR)
AGENT = Actor(name="ana", role=Role.AGENT)


def priorities(desk) -> list[tuple[int, float]]:
    return desk.db.execute("SELECT id, priority FROM tickets ORDER BY id").fetchall()


def indexes(desk) -> set[str]:
    return {r[0] for r in desk.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_rescore_writes_what_the_queue_computes(desk, insert_tickets):
    insert_tickets(desk, 250)
    report = rescore(desk.store, SUPERVISOR, chunk=40)
    n_open = desk.db.execute("SELECT count(*) FROM tickets WHERE status < 4").fetchone()[0]
    assert report.tickets == n_open and report.written == 250 and not report.resumed
    rows = priorities(desk)
    open_top = [t.ticket_id for t in desk.queue.top(ADMIN, 1000)]
    by_priority = [
        r[0]
        for r in desk.db.execute(
            "SELECT id FROM tickets WHERE status < 4 ORDER BY priority DESC, created_at, id"
        ).fetchall()
    ]
    assert by_priority == open_top
    closed = desk.db.execute("SELECT priority FROM tickets WHERE status >= 4").fetchall()
    assert closed and all(p == float("-inf") for (p,) in closed)
    assert desk.get_setting(RESCORE_KEY) is None
    assert desk.db.execute("SELECT count(*) FROM audit WHERE action = 'queue.rescore'").fetchone()[0] == 1
    # A second run at the same clock has nothing to write.
    assert rescore(desk.store, SUPERVISOR, chunk=40).written == 0
    assert priorities(desk) == rows


@pytest.mark.parametrize("rebuild", [False, True])
def test_interrupted_rescore_resumes_to_the_same_result(tmp_path, crossdesk_clock, insert_tickets, rebuild):
    paths = [tmp_path / "a.db", tmp_path / "b.db"]
    desks = [make_desk(clock=crossdesk_clock, path=str(p)) for p in paths]
    for d in desks:
        insert_tickets(d, 300, seed=9)
    whole, parts = desks
    rescore(whole.store, ADMIN, chunk=50, rebuild_indexes=rebuild)
    before = indexes(parts)
    first = rescore(parts.store, ADMIN, chunk=50, stop_after=2, rebuild_indexes=rebuild)
    assert first.tickets == 100
    assert parts.get_setting(RESCORE_KEY)["cursor"] > 0
    if rebuild:
        assert "tickets_queue" not in indexes(parts)
    crossdesk_clock.advance(3600)  # the resumed run keeps the clock of the run it finishes
    second = rescore(parts.store, ADMIN, chunk=50)
    n_open = parts.db.execute("SELECT count(*) FROM tickets WHERE status < 4").fetchone()[0]
    assert second.resumed and second.tickets == n_open - 100 and second.now == first.now
    assert priorities(parts) == priorities(whole)
    assert indexes(parts) == before
    for d in desks:
        d.close()


def test_ctrl_c_rebuilds_dropped_indexes(tmp_path, crossdesk_clock, insert_tickets):
    d = make_desk(clock=crossdesk_clock, path=str(tmp_path / "c.db"))
    insert_tickets(d, 120)
    before = indexes(d)
    calls = []

    def progress(phase, done, total):
        calls.append(done)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rescore(d.store, ADMIN, chunk=20, progress=progress, rebuild_indexes=True)
    assert indexes(d) == before
    assert d.get_setting(RESCORE_KEY)["done"] == 40
    assert rescore(d.store, ADMIN, chunk=20).resumed
    d.close()


def test_rescore_needs_bulk(desk, insert_tickets):
    insert_tickets(desk, 3)
    with pytest.raises(PermissionDenied):
        rescore(desk.store, AGENT)
    with pytest.raises(ValueError):
        rescore(desk.store, ADMIN, chunk=0)


def test_cli_rescore(tmp_path, insert_tickets, monkeypatch):
    path = tmp_path / "desk.db"
    d = make_desk(path=str(path))
    insert_tickets(d, 60)
    d.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["rescore", "--db", str(path), "--chunk", "25"])
    assert result.exit_code == 0, result.output
    assert "60 priorities changed" in result.output
    d = make_desk(path=str(path))
    assert np.isfinite([p for _, p in priorities(d)]).any()
    d.close()

    result = runner.invoke(cli, ["rescore", "--db", str(tmp_path / "missing.db")])
    assert result.exit_code == 1 and "no desk" in result.output
    result = runner.invoke(cli, ["rescore", "--db", str(path), "--chunk", "0"])
    assert result.exit_code == 2
