"""reprocess on a real Dask LocalCluster (2 worker processes) writes exactly what the single-process path
writes, on the same desk; the desk is the one writer and the workers get only ids and texts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.classify import classify_desk
from crossdesk.cli import cli
from crossdesk.demo import build_demo
from crossdesk.models import Actor, Role
from crossdesk.scale import InProcess, open_executor, reprocess

pytest.importorskip("distributed")  # installed by `make test` (the dask extra)

ADMIN = Actor(name="ops", role=Role.ADMIN)
NOW = 1_795_000_000
MESSAGES = "SELECT id, language, intents, sentiment, flags FROM messages WHERE direction = 'in' ORDER BY id"
TICKETS = "SELECT id, intent, sentiment, flags, language, priority FROM tickets ORDER BY id"


@pytest.fixture(scope="module")
def desk_file(tmp_path_factory) -> Path:
    """A small demo desk whose buyer messages have lost their language and classification."""
    path = tmp_path_factory.mktemp("scale") / "desk.db"
    desk = Desk.open(path, clock=lambda: NOW)
    build_demo(desk, size=120, seed=3, now=NOW)
    classify_desk(desk, ADMIN)  # the reference: the desk's own classification of every buyer message
    desk.db.conn.execute("CREATE TABLE original AS " + MESSAGES)
    desk.db.conn.execute("CREATE TABLE original_tickets AS " + TICKETS)
    desk.db.conn.execute(
        "UPDATE messages SET language = '', intents = '[]', sentiment = 0, flags = 0 WHERE direction = 'in'"
    )
    desk.db.conn.execute("UPDATE tickets SET intent = '', flags = 0, priority = 0")
    desk.close()
    return path


def _copy(desk_file: Path, tmp_path: Path, name: str) -> Desk:
    target = tmp_path / name
    shutil.copy(desk_file, target)
    return Desk.open(target, clock=lambda: NOW)


def _rows(desk: Desk, sql: str) -> list[tuple]:
    return desk.db.execute(sql).fetchall()


def test_two_dask_workers_write_what_one_process_writes(desk_file, tmp_path):
    alone = _copy(desk_file, tmp_path, "alone.db")
    report_alone = reprocess(alone, ADMIN, InProcess(), partition=25)
    cluster = _copy(desk_file, tmp_path, "cluster.db")
    with open_executor(workers=2) as executor:
        assert executor.workers == 2
        report_cluster = reprocess(cluster, ADMIN, executor, partition=25)
    assert report_alone.messages == report_cluster.messages > 100
    assert report_cluster.partitions == -(-report_cluster.messages // 25)
    assert _rows(cluster, MESSAGES) == _rows(alone, MESSAGES)
    assert _rows(cluster, TICKETS) == _rows(alone, TICKETS)
    # and what they wrote is the desk's own classification, recovered
    original = _rows(alone, "SELECT id, intents, sentiment, flags FROM original ORDER BY id")
    assert (
        _rows(alone, "SELECT id, intents, sentiment, flags FROM messages WHERE direction = 'in' ORDER BY id")
        == original
    )
    assert _rows(alone, "SELECT count(*) FROM messages WHERE direction = 'in' AND language = ''") == [(0,)]
    assert _rows(alone, "SELECT id, intent, flags FROM tickets ORDER BY id") == _rows(
        alone, "SELECT id, intent, flags FROM original_tickets ORDER BY id"
    )
    alone.close()
    cluster.close()


def test_since_takes_only_the_tickets_written_to_since(desk_file, tmp_path):
    desk = _copy(desk_file, tmp_path, "since.db")
    cutoff = desk.db.execute("SELECT max(created_at) FROM messages WHERE direction = 'in'").fetchone()[0]
    report = reprocess(desk, ADMIN, score=False, since=cutoff)
    last = desk.db.execute(
        "SELECT count(*) FROM messages WHERE ticket_id IN "
        "(SELECT ticket_id FROM messages WHERE direction = 'in' AND created_at >= ?) AND direction = 'in'",
        [cutoff],
    ).fetchone()[0]
    total = desk.db.execute("SELECT count(*) FROM tickets").fetchone()[0]
    assert report.messages == last and 0 < report.tickets < total / 4
    untouched = desk.db.execute(
        "SELECT count(*) FROM messages WHERE direction = 'in' AND language = ''"
    ).fetchone()[0]
    assert (
        untouched
        == desk.db.execute("SELECT count(*) FROM messages WHERE direction = 'in'").fetchone()[0] - last
    )
    desk.close()


def test_rescore_on_workers_matches_rescore_here(desk_file, tmp_path):
    from crossdesk.queue import rescore

    here, there = _copy(desk_file, tmp_path, "here.db"), _copy(desk_file, tmp_path, "there.db")
    rescore(here.store, ADMIN, chunk=20)
    with open_executor(workers=2) as executor:
        report = rescore(there.store, ADMIN, chunk=20, map_scores=executor.map_ordered)
    assert report.tickets > 20  # several chunks went out
    priorities = "SELECT id, priority FROM tickets ORDER BY id"
    assert _rows(here, priorities) == _rows(there, priorities)
    assert _rows(here, "SELECT count(DISTINCT priority) FROM tickets")[0][0] > 10
    here.close()
    there.close()


def test_cli_reprocess_and_rescore_on_a_local_cluster(desk_file, tmp_path):
    db = tmp_path / "cli.db"
    shutil.copy(desk_file, db)
    runner = CliRunner()
    ran = runner.invoke(
        cli, ["reprocess", "--db", str(db), "--classify", "--workers", "1", "--partition", "50"]
    )
    assert ran.exit_code == 0, ran.output
    assert "buyer messages in" in ran.output and "local cluster of 1 worker" in ran.output
    scored = runner.invoke(cli, ["rescore", "--db", str(db), "--quiet", "--workers", "1"])
    assert scored.exit_code == 0 and "open tickets scored" in scored.output


def test_cli_refuses_both_cluster_options_and_an_unreachable_scheduler(desk_file, tmp_path):
    runner = CliRunner()
    both = runner.invoke(
        cli, ["reprocess", "--db", str(desk_file), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]
    )
    assert both.exit_code == 2 and "not both" in both.output
    gone = runner.invoke(cli, ["reprocess", "--db", str(desk_file), "--scheduler", "tcp://127.0.0.1:9"])
    assert gone.exit_code == 1 and "cannot reach the Dask scheduler" in gone.output
    assert "Traceback" not in gone.output
