"""``desk.autorun``: one ``crossdesk automate`` run that fits its slot.

A run has a time budget (``--budget``, default :data:`DEFAULT_BUDGET`, well under the five-minute interval
docs/sla.md suggests). It takes the desk's lock (two overlapping runs never work one desk), then does its
tasks in priority order, each in bounded slices, starting a slice only while the budget still allows one:

1. ``sla``: the incremental SLA pass. It looks only at tickets with a deadline crossed or about to be since
   the last run (``(last run, now + warn]``) and tickets changed since the last run; the first run takes the
   whole backlog. Its window and cursor are kept in the desk, so a pass cut short resumes where it stopped.
2. the desk's passes, in the order the facade gives them (``passes``): parcels refreshed within the
   provider's quota (their events feed the time rules) and the shift hand-over;
3. ``time_rules``: the time rules; firings that did not fit are due again next run.
4. the passes that read the desk rather than act on buyers (``later``): the analytics rollups, a few days
   per slice, oldest first; then the SKU quality warnings and the scheduled HTML report, which wait for
   those rollups to be complete;
5. ``translation``: the translation backlog, a slice of messages at a time, oldest first.

Slices are checked between one another; inside one, a hard deadline (:mod:`crossdesk.autorun.deadline`)
interrupts the SQLite statement still running when the budget (less its closing reserve) ends. That
slice is rolled back whole (each slice is one transaction, its cursor included) and reported as cut
(``interrupted``); nothing starts after it. What did not fit is reported (``left``) and resumed by the
next run.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import orjson

from crossdesk.autorun.deadline import Deadline
from crossdesk.autorun.lock import Busy, DeskLock
from crossdesk.models import Actor, TicketStatus
from crossdesk.rules import RuleService
from crossdesk.sla import SlaService
from crossdesk.store import Store
from crossdesk.translation import TranslationService

#: Seconds a run may take by default: a fifth of the five-minute interval of docs/sla.md.
DEFAULT_BUDGET = 60.0
#: Tickets per SLA slice, messages per translation slice, items per slice of a sliced pass (hand-over).
SLA_SLICE = 500
TRANSLATION_SLICE = 100
PASS_SLICE = 200
#: Days per slice of the rollups' build (a day of a million-ticket desk is a few thousand tickets).
ROLLUP_SLICE = 4
#: Seconds past its budget a dead run's lock still holds.
LOCK_GRACE = 60
#: Seconds at most kept at the end of a budget (5% of it) for the audit row, the lock and closing the desk.
CLOSING_RESERVE = 3.0
#: WAL bytes past which a run checkpoints after each slice, so closing the desk has little left to copy.
SETTLE_WAL = 4 * 1024 * 1024
#: A pass cut at the deadline after t seconds is next started only with this many times t left.
INTERRUPTED_GROWTH = 1.5
#: Seconds the lock of a run without a budget holds should that run die.
UNBUDGETED_LOCK = 3600


class Sliced(NamedTuple):
    """A pass that goes in slices: ``work(actor, n)`` does at most ``n`` items and returns how many. Each
    slice is one transaction. ``size``: items per slice (the run's ``slice_size`` when None); ``left()``:
    how many items are left, for the report (unknown when None)."""

    work: Callable[[Actor, int], int]
    size: int | None = None
    left: Callable[[], int] | None = None


class Budget:
    """Seconds allowed from now, on ``clock`` (monotonic by default; tests inject their own)."""

    def __init__(
        self, seconds: float, clock: Callable[[], float] = time.monotonic, started: float | None = None
    ) -> None:
        self.seconds = float(seconds)
        self.clock = clock
        self.started = clock() if started is None else started
        self.slowest = 0.0  # the longest slice so far: the next one is assumed to take as long
        # Kept for what follows the last slice: the run's audit row, the lock's release, closing the desk.
        self.reserve = min(CLOSING_RESERVE, 0.05 * self.seconds)

    def elapsed(self) -> float:
        return self.clock() - self.started

    def allows(self) -> bool:
        """Whether one more slice fits."""
        return self.elapsed() + self.slowest <= self.seconds - self.reserve

    def stopper(self) -> Callable[[], bool]:
        """A ``stop()`` for work that cuts itself in slices: each call times the slice since the last one
        and says whether another would overrun."""
        last = [self.clock()]

        def stop() -> bool:
            now = self.clock()
            self.slowest = max(self.slowest, now - last[0])
            last[0] = now
            return not self.allows()

        return stop

    def timed(self, fn: Callable[[], Any]) -> Any:
        start = self.clock()
        try:
            return fn()
        finally:
            self.slowest = max(self.slowest, self.clock() - start)


@dataclass
class TaskReport:
    name: str
    done: int = 0
    left: int | None = 0  # None: not started, size unknown
    seconds: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunReport:
    budget: float
    elapsed: float = 0.0
    busy: str = ""  # another run holds the desk: nothing was done
    interrupted: str = ""  # the task whose statement the budget's end interrupted (its slice rolled back)
    tasks: list[TaskReport] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.busy and all(t.left == 0 for t in self.tasks)

    def as_dict(self) -> dict[str, Any]:
        out = {**asdict(self), "complete": self.complete}
        if math.isinf(self.budget):
            out["budget"] = None  # JSON has no infinity
        return out

    def task(self, name: str) -> TaskReport | None:
        return next((t for t in self.tasks if t.name == name), None)


class Waits(NamedTuple):
    """A pass that runs whole and reads what the task ``on`` builds: while that task has work left in this
    run (cut by the budget or the deadline), it is not started and says it is waiting for it."""

    work: Callable[[Actor], dict[str, Any]]
    on: str


#: A pass of the desk: one call that runs whole, :class:`Waits`, or :class:`Sliced`.
Pass = Callable[[Actor], dict[str, Any]] | Waits | Sliced
Task = Callable[[Actor, Budget, TaskReport], None]


class AutorunService:
    """Budgeted, locked, resumable automation runs over one desk."""

    def __init__(
        self,
        store: Store,
        *,
        sla: SlaService,
        rules: RuleService,
        translation: TranslationService,
        passes: Sequence[tuple[str, Pass]] = (),
        later: Sequence[tuple[str, Pass]] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``passes`` run after the SLA pass and before the time rules; ``later`` after the time rules and
        before the translation backlog (work that reads the desk rather than acts on buyers)."""
        self.store = store
        self.sla = sla
        self.rules = rules
        self.translation = translation
        self.passes = tuple(passes)
        self.later = tuple(later)
        self.clock = clock

    def run(
        self,
        actor: Actor,
        *,
        budget: float | None = DEFAULT_BUDGET,
        translate: bool = True,
        sla_slice: int = SLA_SLICE,
        translation_slice: int = TRANSLATION_SLICE,
        slice_size: int = PASS_SLICE,
        started: float | None = None,
    ) -> RunReport:
        """One run within ``budget`` seconds (None: no budget, every task to its end, as ``Desk.automate``
        does by default); see the module docstring. ``started``: when the budget began on the service's
        clock (the command's start, so opening the desk counts too); now by default."""
        self.store.require(actor, "manage_rules")
        limit = math.inf if budget is None else float(budget)
        report = RunReport(budget=limit)
        ttl = UNBUDGETED_LOCK if budget is None else int(budget) + LOCK_GRACE
        lock = DeskLock(self.store, "automate", ttl=ttl)
        try:
            lock.acquire()
        except Busy as exc:
            report.busy = str(exc)
            return report
        try:
            clock = Budget(limit, self.clock, started)
            deadline = None
            # A run inside a caller's transaction is not cut: rolling back would undo the caller's work.
            if not math.isinf(limit) and not self.store.db.conn.in_transaction:
                deadline = Deadline(self.store.db.conn, clock.clock, clock.started + limit - clock.reserve)

            def task_of(name: str, work: Pass) -> Task:
                if isinstance(work, Sliced):
                    return self._slices(work, slice_size)
                return self._one_pass(name, work.work if isinstance(work, Waits) else work)

            def passes(items: Sequence[tuple[str, Pass]]) -> list[tuple[str, Task]]:
                return [(name, task_of(name, work)) for name, work in items]

            waits = {n: w.on for n, w in (*self.passes, *self.later) if isinstance(w, Waits)}

            one_pass = {n for n, w in (*self.passes, *self.later) if not isinstance(w, Sliced)}
            tasks: list[tuple[str, Task]] = [
                ("sla", lambda a, b, t: self._sla(a, b, t, sla_slice)),
                *passes(self.passes),
                ("time_rules", self._time_rules),
                *passes(self.later),
            ]
            if translate:
                tasks.append(("translation", lambda a, b, t: self._translation(a, b, t, translation_slice)))
            for name, task in tasks:
                task_report = TaskReport(name)
                report.tasks.append(task_report)
                before = report.task(waits[name]) if name in waits else None
                if before is not None and before.left != 0:
                    if before.left is not None:
                        left = f"{before.left} left"
                    else:
                        left = "not started this run" if not before.done else "some left"
                    task_report.left = None
                    task_report.detail = {"waiting": f"the {before.name} ({left})"}
                    continue
                if not clock.allows():
                    task_report.left = None
                    continue
                start = clock.elapsed()
                if deadline is None:
                    task(actor, clock, task_report)
                elif self._within(deadline, task, actor, clock, task_report):
                    report.interrupted = name
                    if name in one_pass:
                        self._cut_pass(name, clock.elapsed() - start)
                self._settle()
                task_report.seconds = round(clock.elapsed() - start, 3)
            report.elapsed = round(clock.elapsed(), 3)
            with self.store.tx():
                self.store.audit(actor, "automate.run", "desk", None, None, report.as_dict())
        finally:
            lock.release()
        return report

    def _within(
        self, deadline: Deadline, task: Task, actor: Actor, clock: Budget, report: TaskReport
    ) -> bool:
        """Run ``task`` with the run's deadline armed; True when the deadline cut it. Its slice in progress
        is rolled back (the error SQLite raised, whatever the task made of it, is the deadline's), it is
        reported as not done, and the next run resumes it."""
        try:
            with deadline.armed():
                task(actor, clock, report)
        except Exception:
            if not deadline.hit:
                raise
        if not deadline.hit:
            return False
        if report.left == 0:
            report.left = None  # what it counted as done was not committed: the size of the rest is unknown
        report.detail = {**report.detail, "interrupted": True}
        return True

    # ---- the SLA pass ------------------------------------------------------------------------------

    def _sla(self, actor: Actor, clock: Budget, report: TaskReport, size: int) -> None:
        state = self.state("sla")
        if "window" not in state:  # a new window: from the last completed run to now (+ the warning)
            now = self.store.now()
            warn = max((p.warn_before for p in self.sla.policies()), default=0)
            state["window"] = {"lo": state.get("done_at"), "hi": now + warn, "now": now, "after": 0}
        window = state["window"]
        where, args = self._sla_where(window)
        report.detail = {"near_breaches": 0, "breaches": 0}
        report.left = None
        while clock.allows():
            ids = [
                r[0]
                for r in self.store.db.execute(
                    f"SELECT id FROM tickets WHERE {where} AND id > ? ORDER BY id LIMIT ?",
                    [*args, window["after"], size],
                )
            ]
            # The slice and the cursor past it commit together: a slice the deadline cuts is done again.
            with self.store.tx():
                if ids:
                    found = clock.timed(lambda ids=ids: self.sla.check(actor, ids))
                    window["after"] = ids[-1]
                if len(ids) < size:
                    state = {"done_at": window["now"]}
                self.save_state("sla", state)
            clock.timed(self._settle)
            report.done += len(ids)
            if ids:
                report.detail["near_breaches"] += len(found.near_breaches)
                report.detail["breaches"] += len(found.breaches)
            if len(ids) < size:
                break
        self.save_state("sla", state)  # a new window that no slice fitted is kept too
        if "window" in state:
            report.left = self.store.db.execute(
                f"SELECT count(*) FROM tickets WHERE {where} AND id > ?", [*args, window["after"]]
            ).fetchone()[0]
        else:
            report.left = 0

    @staticmethod
    def _sla_where(window: dict[str, Any]) -> tuple[str, list[Any]]:
        """Open tickets with a deadline to look at in ``window``: all due by its end on a first run; else
        a deadline inside it, or a change since the last run."""
        open_ = f"status < {int(TicketStatus.SOLVED)} AND sla_due IS NOT NULL"
        if window["lo"] is None:
            return f"{open_} AND sla_due <= ?", [window["hi"]]
        lo, hi = window["lo"], window["hi"]
        crossed = " OR ".join(
            f"({c} > ? AND {c} <= ?)" for c in ("first_reply_due", "next_reply_due", "resolution_due")
        )
        return (
            f"{open_} AND ({crossed} OR (updated_at >= ? AND sla_due <= ?))",
            [lo, hi, lo, hi, lo, hi, lo, hi],
        )

    # ---- time rules, translation ---------------------------------------------------------------------

    def _one_pass(self, name: str, work: Callable[[Actor], dict[str, Any]]) -> Task:
        """A pass that is one slice: run whole when the budget allows it, its result as the detail. How long
        it took is kept in the desk (``automate_state``), and a later run starts it only when that much is
        left of its budget; a pass that needs more than a whole budget says so (``needs``) instead. A pass
        whose result names what it is ``waiting`` for (work of another pass not done yet) did nothing: it is
        left for a later run, its kept duration untouched."""

        def task(actor: Actor, clock: Budget, report: TaskReport) -> None:
            took = self.state("passes")
            needs = float(took.get(name, 0.0))
            if clock.elapsed() + max(clock.slowest, needs) > clock.seconds - clock.reserve:
                report.left = None
                report.detail = {"needs": round(needs, 1)}
                return
            start = clock.clock()
            report.left = None  # until it returns: a pass the deadline cut is not done
            report.detail = clock.timed(lambda: work(actor)) or {}
            if report.detail.get("waiting"):
                return
            report.done, report.left = 1, 0
            took[name] = round(clock.clock() - start, 3)
            self.save_state("passes", took)

        return task

    def _cut_pass(self, name: str, ran: float) -> None:
        """A pass the deadline cut after ``ran`` seconds needed more than that: the next run starts it only
        with half as much again left (a pass that needs more than a whole budget then says so)."""
        took = self.state("passes")
        took[name] = round(max(float(took.get(name, 0.0)), INTERRUPTED_GROWTH * ran), 3)
        self.save_state("passes", took)

    def _slices(self, sliced: Sliced, default: int) -> Task:
        """A pass that works ``size`` items a call (and returns how many it did), each call one transaction,
        called while the budget allows; fewer than ``size`` means its backlog is done."""
        size = sliced.size or default

        def task(actor: Actor, clock: Budget, report: TaskReport) -> None:
            report.left = None
            report.detail = {"done": 0}

            def one_slice() -> int:
                with self.store.tx():
                    done = sliced.work(actor, size)
                self._settle()
                return done

            while clock.allows():
                done = clock.timed(one_slice)  # its commit and checkpoint counted in
                report.done += done
                report.detail["done"] = report.done
                if done < size:
                    report.left = 0
                    break
            if report.left is None and sliced.left is not None:
                report.left = sliced.left()

        return task

    def _time_rules(self, actor: Actor, clock: Budget, report: TaskReport) -> None:
        report.left = None
        report.detail = {"fired": {}, "errors": {}, "windows_closed": 0}
        result = self.rules.run_time_rules(actor, stop=clock.stopper())
        report.done = sum(result.fired.values()) + sum(result.errors.values())
        report.left = result.left
        report.detail = {
            "fired": dict(result.fired),
            "errors": dict(result.errors),
            "windows_closed": result.rearmed,
        }

    def _translation(self, actor: Actor, clock: Budget, report: TaskReport, size: int) -> None:
        report.left = None
        report.detail = {"translated": 0}
        while clock.allows():
            # Each batch of a slice is written in one transaction, after its translations came back (no
            # write lock held over the network): a batch the deadline cuts is translated again next run.
            done = clock.timed(lambda: self.translation.translate_incoming(actor, limit=size))
            report.done += done.messages
            report.detail["translated"] += done.translated
            if done.messages < size:
                report.left = 0
                break

    def _settle(self) -> None:
        """Copy what the run wrote so far from the WAL into the database (a PASSIVE checkpoint: it never
        waits for readers or writers), on the run's time. Otherwise closing the desk after the run does it
        all at once, past the budget."""
        wal = getattr(self.store.db, "wal_path", None)
        if wal is None or self.store.db.conn.in_transaction:
            return
        try:
            if os.stat(wal).st_size < SETTLE_WAL:
                return
        except OSError:
            return
        with contextlib.suppress(sqlite3.Error):  # busy or cut at the deadline: closing does the rest
            self.store.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

    # ---- state ------------------------------------------------------------------------------------

    def state(self, task: str) -> dict[str, Any]:
        row = self.store.db.execute("SELECT value FROM automate_state WHERE task = ?", [task]).fetchone()
        return {} if row is None else orjson.loads(row[0])

    def save_state(self, task: str, value: dict[str, Any]) -> None:
        with self.store.tx():
            self.store.db.execute(
                "INSERT INTO automate_state (task, value) VALUES (?, ?) "
                "ON CONFLICT (task) DO UPDATE SET value = excluded.value",
                [task, orjson.dumps(value).decode()],
            )


def automate_summary(report: RunReport) -> dict[str, Any]:
    """The answer of ``Desk.automate``: each task's figures under their usual names, plus ``complete``,
    ``busy`` (another run held the desk: nothing was done) and ``left`` (per task, what did not fit)."""

    def detail(name: str) -> dict[str, Any]:
        task = report.task(name)
        return {} if task is None else task.detail

    sla, rules = detail("sla"), detail("time_rules")
    return {
        "handed_over": detail("handover").get("done", 0),
        "near_breaches": sla.get("near_breaches", 0),
        "breaches": sla.get("breaches", 0),
        "time_rules_fired": rules.get("fired", {}),
        "time_rule_errors": rules.get("errors", {}),
        "windows_closed": rules.get("windows_closed", 0),
        "shipments": detail("parcels"),
        **detail("quality"),  # quality warnings, the scheduled HTML report
        "translated": detail("translation").get("translated", 0),
        "complete": report.complete,
        "busy": report.busy,
        "left": {t.name: t.left for t in report.tasks if t.left != 0},
    }
