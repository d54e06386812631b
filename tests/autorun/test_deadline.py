"""The hard deadline inside a run (a statement still running when the budget ends is interrupted, its
slice rolled back and resumed next run), and the analytics rollups built by automate in slices, with the
quality check and the scheduled report waiting for them."""

from __future__ import annotations

import contextlib

import pytest

from crossdesk.autorun import AutorunService, Sliced, Waits
from crossdesk.autorun.deadline import Deadline

DAY = 86_400
#: A statement of some hundred million virtual-machine steps: seconds of work, interrupted long before.
LONG = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 30000000) SELECT count(*) FROM c"


class Reads:
    """A clock that moves a little each time it is read: the progress handler reads it while a statement
    runs, so a long statement carries it past the deadline, however fast this machine is."""

    def __init__(self, step: float = 0.01) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def _policy(h) -> None:
    h.desk.sla.save_policies(
        h.admin,
        [
            {
                "name": "wall",
                "clock": "wall",
                "warn_before": "30m",
                "targets": {"normal": {"first_reply": "2h"}},
            }
        ],
    )


def _breached(h, ids) -> int:
    marks = ",".join("?" * len(ids))
    return h.desk.db.execute(
        f"SELECT count(*) FROM tickets WHERE sla_breached != 0 AND id IN ({marks})", list(ids)
    ).fetchone()[0]


def _events(h, ids) -> int:
    marks = ",".join("?" * len(ids))
    return h.desk.db.execute(
        f"SELECT count(*) FROM sla_events WHERE ticket_id IN ({marks})", list(ids)
    ).fetchone()[0]


def test_a_statement_cut_at_the_deadline_rolls_its_slice_back_and_the_next_run_finishes_it(h):
    _policy(h)
    tickets = [h.ticket(f"where is my order {i}") for i in range(12)]
    h.clock.advance(3 * 3600)  # every first reply is overdue
    clock = Reads()
    service = AutorunService(
        h.desk.store, sla=h.desk.sla, rules=h.desk.rules, translation=h.desk.translation, clock=clock
    )
    real, calls = h.desk.sla.check, []

    def check(actor, ids=None):
        calls.append(list(ids))
        found = real(actor, ids)  # the slice is written ...
        if len(calls) == 2:
            h.desk.db.execute(LONG).fetchone()  # ... then one statement runs past the end of the budget
        return found

    service.sla.check = check  # type: ignore[method-assign]
    first = service.run(h.admin, budget=5, sla_slice=4, translate=False)
    sla = first.task("sla")
    assert first.interrupted == "sla" and sla.detail["interrupted"] and sla.left is None
    assert clock.now < 5.0 + 1.0  # the statement stopped at the deadline, not seconds later
    done, cut = calls[0], calls[1]
    assert _breached(h, done) == 4 and _events(h, done) == 4  # the slice before: committed
    assert _breached(h, cut) == 0 and _events(h, cut) == 0  # the cut slice: as before it began
    assert service.state("sla")["window"]["after"] == done[-1]  # and the cursor did not move past it
    assert sla.done == 4 and not first.complete
    assert first.task("time_rules").left is None  # nothing started after the deadline
    audit = h.desk.db.execute("SELECT after FROM audit WHERE action = 'automate.run'").fetchall()
    assert len(audit) == 1 and '"interrupted":"sla"' in audit[0][0]  # the run was still audited

    second = service.run(h.admin, budget=5, sla_slice=4, translate=False)
    assert second.complete and not second.interrupted
    assert calls[2] == cut  # resumed at the slice that was cut
    assert _breached(h, tickets) == len(tickets) and _events(h, tickets) == len(tickets)


def test_the_deadline_refuses_writes_after_it_even_when_the_task_swallows_the_error(h):
    """A task that catches the interruption and goes on writing must not leave half a slice behind."""
    clock = Reads()
    h.desk.db.execute("CREATE TABLE scratch (n INTEGER)")

    def careless(actor, n):
        h.desk.db.execute("INSERT INTO scratch VALUES (1)")
        with contextlib.suppress(Exception):  # a task that shrugs the error off ...
            h.desk.db.execute(LONG).fetchone()
        with contextlib.suppress(Exception):  # ... and writes on: refused
            h.desk.db.execute("INSERT INTO scratch VALUES (2)")
        return n

    service = AutorunService(
        h.desk.store,
        sla=h.desk.sla,
        rules=h.desk.rules,
        translation=h.desk.translation,
        passes=(("careless", Sliced(careless, 1)),),
        clock=clock,
    )
    run = service.run(h.admin, budget=3, translate=False)
    assert run.interrupted == "careless" and run.task("careless").left is None
    assert h.desk.db.execute("SELECT count(*) FROM scratch").fetchone()[0] == 0
    assert not h.desk.db.conn.in_transaction
    # The connection is left as it was: statements of any length run again.
    assert h.desk.db.execute(LONG.replace("30000000", "200000")).fetchone()[0] == 200_000


def test_a_one_slice_pass_cut_at_the_deadline_is_given_more_room_next_time(h):
    clock = Reads()

    def report(actor):
        h.desk.db.execute(LONG).fetchone()
        return {"html_report": "written"}

    service = AutorunService(
        h.desk.store,
        sla=h.desk.sla,
        rules=h.desk.rules,
        translation=h.desk.translation,
        later=(("quality", report),),
        clock=clock,
    )
    run = service.run(h.admin, budget=4, translate=False)
    task = run.task("quality")
    assert run.interrupted == "quality" and task.done == 0 and task.left is None
    needs = service.state("passes")["quality"]
    assert needs >= 1.5 * 3.0  # it had about three seconds of the four: it needs more than that
    second = service.run(h.admin, budget=4, translate=False)
    assert second.task("quality").detail == {"needs": round(needs, 1)} and not second.interrupted


def test_no_deadline_without_a_budget_or_inside_a_callers_transaction(h):
    assert h.desk.automate(h.admin)["complete"]  # budget None: nothing armed, every task to its end
    with h.desk.tx():
        run = h.desk.autorun.run(h.admin, budget=30, translate=False)
    assert run.complete and not run.interrupted


def _desk_over_days(h, days: int = 9) -> list[int]:
    ids = []
    for d in range(days):
        ids.append(h.ticket(f"my parcel arrived broken {d}", order=True))
        ids.append(h.ticket(f"where is it {d}"))
        h.clock.advance(DAY)
    return ids


def _rollups(h) -> tuple[list, list]:
    db = h.desk.db
    days = db.execute("SELECT day, tickets, nums, ints, skus FROM analytics_days ORDER BY day").fetchall()
    skus = db.execute("SELECT * FROM sku_days ORDER BY day, sku, platform").fetchall()
    return days, skus


def test_the_rollup_pass_goes_in_slices_resumes_and_equals_a_full_rebuild(h):
    _desk_over_days(h)
    analytics = h.desk.analytics
    with h.desk.tx():
        analytics.rollups.mark_all()  # a desk whose rollups were never built (a bulk load, a migration)
    pending = analytics.rollups_pending()
    assert pending >= 9
    ticks = {"now": 0.0}
    sizes = []

    def build(actor, n):
        ticks["now"] += 1.0  # each slice costs a second
        sizes.append(n)
        return analytics.build_rollups(actor, n)

    service = AutorunService(
        h.desk.store,
        sla=h.desk.sla,
        rules=h.desk.rules,
        translation=h.desk.translation,
        later=(
            ("rollups", Sliced(build, 2, analytics.rollups_pending)),
            ("quality", Waits(analytics.automate, on="rollups")),
        ),
        clock=lambda: ticks["now"],
    )
    first = service.run(h.admin, budget=2.5, translate=False)
    rollups, quality = first.task("rollups"), first.task("quality")
    assert sizes == [2, 2] and rollups.done == 4 and 0 < rollups.left < pending
    assert quality.detail == {"waiting": f"the rollups ({rollups.left} left)"} and quality.done == 0
    oldest = analytics.rollups.dirty(1)[0]
    built = [r[0] for r in h.desk.db.execute("SELECT day FROM analytics_days ORDER BY day")]
    assert built and max(built) < oldest  # oldest first: everything built lies before what is left

    runs = 1
    while not (last := service.run(h.admin, budget=2.5, translate=False)).complete:
        runs += 1
        assert runs < 20
    assert runs >= 2 and analytics.rollups_pending() == 0  # three runs at least
    assert last.task("quality").done == 1 and "waiting" not in last.task("quality").detail

    sliced = _rollups(h)
    analytics.rollups.rebuild(h.admin)
    analytics.quality.sales.rebuild()
    assert _rollups(h) == sliced  # the same bytes as a full rebuild
    assert sliced[0] and sliced[1]


def test_the_quality_check_and_the_scheduled_report_wait_for_the_rollups(h, tmp_path):
    _desk_over_days(h, 3)
    analytics = h.desk.analytics
    h.desk.set_setting(h.admin, "report_html", {"path": str(tmp_path / "weekly.html"), "every_days": 7})
    with h.desk.tx():
        analytics.rollups.mark_all()
    waiting = analytics.automate(h.admin)
    assert waiting["waiting"].startswith("the rollups (") and "html_report" not in waiting
    assert not (tmp_path / "weekly.html").exists()
    assert h.desk.get_setting("report_html_last", None) is None

    while analytics.build_rollups(h.admin, 2) == 2:
        pass
    done = analytics.automate(h.admin)
    assert "waiting" not in done and (tmp_path / "weekly.html").exists()


@pytest.mark.parametrize("budget", [None, 30.0])
def test_desk_automate_builds_the_rollups_as_its_own_pass(h, budget):
    _desk_over_days(h, 4)
    with h.desk.tx():
        h.desk.analytics.rollups.mark_all()
    result = h.desk.automate(h.admin, budget=budget)
    assert result["complete"] and h.desk.analytics.rollups_pending() == 0
    assert "waiting" not in result


def test_a_deadline_already_past_interrupts_the_first_long_statement(h):
    deadline = Deadline(h.desk.db.conn, lambda: 10.0, 5.0)
    with deadline.armed(), pytest.raises(Exception, match="interrupted"):
        h.desk.db.execute(LONG).fetchone()
    assert deadline.hit


def test_the_command_says_what_was_cut_and_what_waits():
    from crossdesk.autorun import TaskReport
    from crossdesk.cli.automation import _task_line

    parcels = TaskReport("parcels", left=None, seconds=3.5, detail={"interrupted": True})
    assert (
        _task_line(parcels, 60)
        == "parcels: cut after 3.50 s\n  (cut at the end of the budget: its slice in progress was rolled back; next run)"
    )
    sla = TaskReport(
        "sla", done=500, left=None, detail={"near_breaches": 0, "breaches": 3, "interrupted": True}
    )
    assert _task_line(sla, 60).startswith(
        "SLA: 3 breach(es), 0 near-breach(es); 500 ticket(s) checked, a backlog left"
    )
    quality = TaskReport("quality", left=None, detail={"waiting": "the rollups (12 left)"})
    assert _task_line(quality, 60) == "quality: waiting for the rollups (12 left); next run"
    rollups = TaskReport("rollups", done=8, left=12, seconds=4.0, detail={"done": 8})
    assert _task_line(rollups, 60) == "rollups: 8 day(s) built, 12 left; 4.00 s"


def test_a_pass_waiting_for_rollups_not_started_says_so(h):
    _desk_over_days(h, 2)
    analytics = h.desk.analytics
    with h.desk.tx():
        analytics.rollups.mark_all()
    service = AutorunService(
        h.desk.store,
        sla=h.desk.sla,
        rules=h.desk.rules,
        translation=h.desk.translation,
        later=(
            ("rollups", Sliced(analytics.build_rollups, 2, analytics.rollups_pending)),
            ("quality", Waits(analytics.automate, on="rollups")),
        ),
        clock=lambda: 100.0,
    )
    late = service.run(h.admin, budget=5, started=90.0, translate=False)  # the budget was gone on arrival
    assert late.task("rollups").left is None and late.task("rollups").done == 0
    assert late.task("quality").detail == {"waiting": "the rollups (not started this run)"}
    assert analytics.rollups_pending() > 0
