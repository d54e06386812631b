"""Day rollups: a report from them equals the row-by-row report over ticket_facts (to the second), and the
rows the pipeline keeps up to date equal a full rebuild."""

from __future__ import annotations

import shutil

import orjson
import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.errors import PermissionDenied
from crossdesk.models import Actor, Role

ADMIN = Actor.system("test")
DAY = 86_400

CASES = [
    ((), None),
    (("platform",), None),
    (("agent",), None),
    (("platform", "agent"), None),
    (("sku",), None),
    (("week",), None),
    (("day", "platform"), ["volume", "first_reply", "sla", "backlog"]),
    (("market", "language"), None),
    (("shop", "team", "intent", "segment"), ["volume", "resolution", "fcr", "reopen_rate"]),
]


def _days(desk) -> dict[int, tuple]:
    return {
        r[0]: tuple(r[1:])
        for r in desk.store.db.execute(
            "SELECT day, tickets, nums, ints, skus FROM analytics_days ORDER BY day"
        )
    }


@pytest.fixture
def desk(demo_desk, tmp_path):
    path = tmp_path / "desk.db"
    shutil.copy(demo_desk, path)
    d = Desk.open(path)
    frozen = d.store.now()
    d.store.clock = lambda: frozen  # both computations see the same now
    yield d
    d.close()


@pytest.mark.parametrize(("by", "metrics"), CASES)
def test_rollup_report_equals_row_by_row_report(desk, by, metrics):
    reports = desk.analytics.reports
    desk.analytics.report(ADMIN)  # facts and rollups built
    for since in (None, 0):
        fast = reports.build(since, None, by, metrics).as_dict()
        slow = reports.build_direct(since, None, by, metrics).as_dict()
        assert fast["total"]["volume"] if "volume" in fast["metrics"] else fast["total"]
        assert fast["groups"] or not by, "the demo desk has data in every grouping"
        assert orjson.dumps(fast, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
            slow, option=orjson.OPT_SORT_KEYS
        )


def test_pipeline_marks_days_and_incremental_rollups_equal_a_rebuild(desk):
    desk.analytics.report(ADMIN)
    assert desk.store.db.execute("SELECT COUNT(*) FROM analytics_dirty").fetchone()[0] == 0
    before = _days(desk)
    # Work on old and new tickets: a reply, a solve, a reassignment, a new ticket.
    old = desk.store.db.execute(
        "SELECT id, created_at FROM tickets WHERE status < 4 ORDER BY created_at LIMIT 1"
    ).fetchone()
    desk.create_agent(ADMIN, "Rollup Ria")
    ria = Actor("Rollup Ria", Role.AGENT)
    desk.reply(ria, old[0], "Sorry for the wait, here is your refund.", status="solved")
    dirty = [r[0] for r in desk.store.db.execute("SELECT day FROM analytics_dirty")]
    assert dirty == [old[1] // DAY]  # only the day of the ticket that changed
    new_id = desk.store.db.execute(
        "SELECT id FROM tickets WHERE status < 4 ORDER BY created_at DESC LIMIT 1"
    ).fetchone()[0]
    desk.reply(ria, new_id, "On its way.")
    report = desk.analytics.report(ADMIN, since=0, by=["agent"])
    assert "Rollup Ria" in {g["key"]["agent"] for g in report.groups}
    incremental = _days(desk)
    assert incremental != before
    assert incremental[old[1] // DAY] != before[old[1] // DAY]
    desk.analytics.rollups.rebuild(ADMIN)
    assert _days(desk) == incremental
    assert desk.analytics.reports.build(0, None, ["agent"]).as_dict() == report.as_dict()


def test_rebuild_command_and_permission(demo_desk, tmp_path):
    path = tmp_path / "desk.db"
    shutil.copy(demo_desk, path)
    result = CliRunner().invoke(cli, ["report", "--db", str(path), "--rebuild", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "rollups rebuilt" in result.stderr
    d = Desk.open(path)
    try:
        assert d.store.db.execute("SELECT COUNT(*) FROM analytics_dirty").fetchone()[0] == 0
        with pytest.raises(PermissionDenied):
            d.analytics.rollups.rebuild(Actor("Someone", Role.AGENT))
    finally:
        d.close()


def test_writes_that_bypass_the_pipeline_mark_their_day(desk):
    desk.analytics.report(ADMIN)
    db = desk.store.db
    tid, created = db.execute("SELECT id, created_at FROM tickets WHERE status < 4 LIMIT 1").fetchone()
    with desk.store.tx():
        db.execute("UPDATE tickets SET status = 5, solved_at = ? WHERE id = ?", [created + 3600, tid])
    assert [r[0] for r in db.execute("SELECT day FROM analytics_dirty")] == [created // DAY]
    after = desk.analytics.reports.build(0, None, [], ["resolution", "backlog"])
    assert (
        after.as_dict()
        == desk.analytics.reports.build_direct(0, None, [], ["resolution", "backlog"]).as_dict()
    )


def test_a_read_only_desk_reports_row_by_row(demo_desk, tmp_path, monkeypatch):
    import os

    path = tmp_path / "desk.db"
    shutil.copy(demo_desk, path)
    d = Desk.open(path)
    try:
        d.analytics.report(ADMIN)
        tid = d.store.db.execute("SELECT id FROM tickets WHERE status < 4 LIMIT 1").fetchone()[0]
        d.reply(Actor.system("rule:ack"), tid, "We got your message.")  # marks a day the report must rebuild
    finally:
        d.close()
    real = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode, **kw: False if str(p) == str(path) and mode & os.W_OK else real(p, mode, **kw),
    )
    args = ["report", "--db", str(path), "--format", "json", "--since", "0", "--metric", "volume"]
    result = CliRunner().invoke(cli, [*args, "--metric", "auto_reply"])
    assert result.exit_code == 0, result.output
    quality = CliRunner().invoke(cli, ["report", "--db", str(path), "--quality", "--format", "json"])
    assert quality.exit_code == 0, quality.output
    monkeypatch.setattr(os, "access", real)
    writable = CliRunner().invoke(cli, [*args, "--metric", "auto_reply"])
    assert orjson.loads(result.stdout)["total"] == orjson.loads(writable.stdout)["total"]
    assert (
        orjson.loads(quality.stdout)["skus"]
        == orjson.loads(
            CliRunner().invoke(cli, ["report", "--db", str(path), "--quality", "--format", "json"]).stdout
        )["skus"]
    )


def test_changes_a_day_row_cannot_show_mark_nothing(desk):
    desk.analytics.report(ADMIN)
    db = desk.store.db
    tid = db.execute("SELECT id FROM tickets WHERE status = 4 LIMIT 1").fetchone()[0]
    with desk.store.tx():
        db.execute("UPDATE tickets SET status = 5 WHERE id = ?", [tid])  # solved to closed
        db.execute("UPDATE tickets SET priority = priority + 1 WHERE id = ?", [tid])
    assert db.execute("SELECT COUNT(*) FROM analytics_dirty").fetchone()[0] == 0
    desk.analytics.facts.refresh(tid)  # facts unchanged: nothing to rebuild
    assert db.execute("SELECT COUNT(*) FROM analytics_dirty").fetchone()[0] == 0
    with desk.store.tx():
        db.execute("UPDATE tickets SET status = 1 WHERE id = ?", [tid])  # back to work
    assert db.execute("SELECT COUNT(*) FROM analytics_dirty").fetchone()[0] == 1
