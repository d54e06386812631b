"""crossdesk automate within its budget: priority order, bounded slices, resumed next run, the incremental
SLA pass, and the lock that keeps two runs off one desk (two real processes)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.autorun import AutorunService, Busy, DeskLock
from crossdesk.cli import cli


class Ticks:
    """A monotonic clock that moves only when told: each slice of work costs what the test says."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _policy(h, warn: str = "30m", first: str = "2h") -> None:
    h.desk.sla.save_policies(
        h.admin,
        [
            {
                "name": "wall",
                "clock": "wall",
                "warn_before": warn,
                "targets": {"normal": {"first_reply": first}},
            }
        ],
    )


def _service(h, ticks: Ticks, cost: float = 1.0, calls: list | None = None) -> AutorunService:
    """An autorun service whose SLA slices each cost ``cost`` seconds on ``ticks``."""
    service = AutorunService(
        h.desk.store, sla=h.desk.sla, rules=h.desk.rules, translation=h.desk.translation, clock=ticks
    )
    real = h.desk.sla.check

    def check(actor, ids=None):
        ticks.now += cost
        if calls is not None:
            calls.append(list(ids))
        return real(actor, ids)

    service.sla.check = check  # type: ignore[method-assign]
    return service


def test_a_run_stops_within_its_budget_and_the_next_resumes(h):
    _policy(h)
    tickets = [h.ticket(f"where is my order {i}") for i in range(23)]
    h.clock.advance(3 * 3600)  # every first reply is overdue
    ticks, calls = Ticks(), []
    service = _service(h, ticks, cost=1.0, calls=calls)

    first = service.run(h.admin, budget=2.5, sla_slice=5, translate=False)
    sla, rules = first.tasks
    assert ticks.now <= 2.5 and first.elapsed <= 2.5
    assert sla.done == 10 and sla.left == 13 and sla.detail["breaches"] == 10
    assert rules.left is None  # no budget left: not started, next run
    assert not first.complete

    runs = 1
    while not service.run(h.admin, budget=2.5, sla_slice=5, translate=False).complete:
        runs += 1
        assert runs < 10
    checked = [t for ids in calls for t in ids]
    assert sorted(checked) == tickets  # each ticket exactly once over the runs
    breached = h.desk.db.execute("SELECT count(*) FROM tickets WHERE sla_breached & 1").fetchone()[0]
    assert breached == len(tickets)


def test_the_sla_pass_looks_only_at_what_changed_or_crossed_since_the_last_run(h):
    h.desk.sla.save_policies(
        h.admin,
        [
            {
                "name": "wall",
                "clock": "wall",
                "warn_before": "30m",
                "targets": {"normal": {"first_reply": "5h"}, "urgent": {"first_reply": "1m"}},
            }
        ],
    )
    old = h.ticket("hello there")
    h.clock.advance(3 * 3600)
    ticks, calls = Ticks(), []
    service = _service(h, ticks, cost=0.0, calls=calls)
    service.run(h.admin, budget=10, translate=False)
    assert calls == []  # nothing due within the warning yet

    h.desk.tickets.set_priority_level(h.admin, old, "urgent")  # its deadline moves 3 h into the past
    h.clock.advance(1)
    report = service.run(h.admin, budget=10, translate=False)
    assert calls == [[old]] and report.tasks[0].detail["breaches"] == 1  # found as a change
    calls.clear()
    h.clock.advance(1)
    service.run(h.admin, budget=10, translate=False)
    assert calls == []  # nothing changed, no deadline came near: the breached ticket is not looked at again

    fresh = h.ticket("a new question")  # due in 5 h
    h.clock.advance(1)
    service.run(h.admin, budget=10, translate=False)
    assert calls == []  # changed, but its deadline is hours away
    h.clock.advance(4 * 3600 + 40 * 60)  # now within its 30-minute warning
    report = service.run(h.admin, budget=10, translate=False)
    assert calls == [[fresh]] and report.tasks[0].detail["near_breaches"] == 1
    calls.clear()
    h.clock.advance(30 * 60)  # and past it
    report = service.run(h.admin, budget=10, translate=False)
    assert calls == [[fresh]] and report.tasks[0].detail["breaches"] == 1


def test_time_rules_that_do_not_fit_are_left_for_the_next_run(h):
    h.rules(
        {
            "name": "nudge",
            "event": "time",
            "conditions": {"all": [{"field": "hours_since_created", "op": "gte", "value": 1}]},
            "actions": [{"action": "add_tag", "tag": "old"}],
        }
    )
    for i in range(450):
        h.ticket(f"question {i}")
    h.clock.advance(2 * 3600)
    ticks = Ticks()
    service = _service(h, ticks)
    real = service.rules.run_time_rules

    def slow_rules(actor, stop=None):
        def costly_stop():
            done = stop()
            if not done:
                ticks.now += 1.0  # each group of firings costs a second
            return done

        return real(actor, stop=costly_stop)

    service.rules.run_time_rules = slow_rules  # type: ignore[method-assign]
    run = service.run(h.admin, budget=2.5, translate=False)
    first = run.tasks[1]
    assert first.done == 400 and first.left == 50 and run.elapsed <= 2.5
    ticks.now = 0
    second = service.run(h.admin, budget=2.5, translate=False).tasks[1]
    assert second.done == 50 and second.left == 0
    tagged = h.desk.db.execute("SELECT count(*) FROM ticket_tags WHERE tag = 'old'").fetchone()[0]
    assert tagged == 450


def test_translation_backlog_goes_in_bounded_slices(h):
    for i in range(7):
        h.ticket(f"Wo ist meine Bestellung Nummer {i}?")
    ticks = Ticks()
    service = _service(h, ticks)
    sizes = []
    real = service.translation.translate_incoming

    def sliced(actor, limit=None):
        sizes.append(limit)
        ticks.now += 1.0
        return real(actor, limit=limit)

    service.translation.translate_incoming = sliced  # type: ignore[method-assign]
    report = service.run(h.admin, budget=2.5, translation_slice=3).tasks[2]
    assert sizes == [3, 3] and report.done == 6 and report.left is None
    report = service.run(h.admin, budget=2.5, translation_slice=3).tasks[2]
    assert report.left == 0 and sizes[2:] == [3]


def test_a_second_run_on_a_locked_desk_does_nothing(h):
    with DeskLock(h.desk.store, "automate", ttl=60, owner="someone else"):
        report = h.desk.autorun.run(h.admin, budget=5)
    assert "someone else" in report.busy and report.tasks == []
    assert not h.desk.autorun.run(h.admin, budget=5).busy  # released


def test_a_dead_runs_lock_expires(h):
    DeskLock(h.desk.store, "automate", ttl=30, owner="dead").acquire()  # never released
    assert h.desk.autorun.run(h.admin, budget=5).busy
    h.clock.advance(31)
    assert not h.desk.autorun.run(h.admin, budget=5).busy


HOLDER = textwrap.dedent(
    """
    import sys
    from crossdesk.api import Desk
    from crossdesk.autorun import DeskLock
    desk = Desk.open(sys.argv[1])
    lock = DeskLock(desk.store, "automate", ttl=600, owner="holder-process")
    lock.acquire()
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin
    lock.release()
    print("released", flush=True)
    """
)


def test_two_processes_never_work_the_same_desk(tmp_path):
    db = tmp_path / "desk.db"
    Desk.open(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        runner = CliRunner()
        busy = runner.invoke(cli, ["automate", "--db", str(db), "--budget", "5"])
        assert busy.exit_code == 0 and "skipped: another run (holder-process)" in busy.output
        desk = Desk.open(db)
        try:
            try:
                DeskLock(desk.store, "automate", ttl=5).acquire()
                raise AssertionError("took a lock another process holds")
            except Busy as exc:
                assert exc.holder.owner == "holder-process"
        finally:
            desk.close()
    finally:
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
    assert holder.stdout.read().strip() == "released"
    ran = CliRunner().invoke(cli, ["automate", "--db", str(db), "--budget", "5"])
    assert ran.exit_code == 0 and ran.output.startswith("SLA: 0 breach(es)")


def test_desk_automate_goes_through_the_locked_budgeted_run(h):
    _policy(h)
    for i in range(7):
        h.ticket(f"where is my order {i}")
    h.clock.advance(3 * 3600)
    # Without a budget: every task to its end, the usual figures, one audited run.
    result = h.desk.automate(h.admin)
    assert result["breaches"] == 7 and result["complete"] and result["left"] == {}
    runs = h.desk.db.execute("SELECT after FROM audit WHERE action = 'automate.run'").fetchall()
    assert len(runs) == 1 and '"budget":null' in runs[0][0]
    assert h.desk.automate(h.admin)["breaches"] == 0  # incremental: nothing changed since
    # Another run holding the desk's lock: this one does nothing and says so.
    lock = DeskLock(h.desk.store, "automate", ttl=60, owner="other run")
    lock.acquire()
    try:
        busy = h.desk.automate(h.admin)
        assert "other run" in busy["busy"] and not busy["complete"]
    finally:
        lock.release()
    # A budget of zero seconds starts nothing: every task is left for the next run.
    cut = h.desk.automate(h.admin, budget=0)
    assert not cut["complete"] and set(cut["left"]) >= {"sla", "time_rules"}


def test_a_one_slice_pass_longer_than_what_is_left_waits_and_says_what_it_needs(h):
    ticks = Ticks()

    def slow_pass(actor):
        ticks.now += 7.0  # the first time, its length is unknown: it runs
        return {"ran": True}

    service = AutorunService(
        h.desk.store,
        sla=h.desk.sla,
        rules=h.desk.rules,
        translation=h.desk.translation,
        passes=(("quality", slow_pass),),
        clock=ticks,
    )
    first = service.run(h.admin, budget=10, translate=False)
    assert first.task("quality").done == 1 and service.state("passes")["quality"] == 7.0
    ticks.now = 100.0
    second = service.run(h.admin, budget=5, translate=False)  # 7 s do not fit in 5: not started
    quality = second.task("quality")
    assert quality.done == 0 and quality.left is None and quality.detail == {"needs": 7.0}
    assert ticks.now == 100.0 and second.elapsed <= 5 and not second.complete
    third = service.run(h.admin, budget=20, translate=False)
    assert third.task("quality").done == 1 and third.complete
