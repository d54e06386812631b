"""``crossdesk reprocess``: detect, classify and score a desk's backlog again, partition by partition.

The reading and the writing stay here, on the desk's one connection; the work in between goes to an
executor (:mod:`crossdesk.scale.executors`): this process, or a Dask cluster. Buyer messages go out as
``(id, body, language)`` partitions of ``partition`` rows in id order; each partition's results are written
in one transaction as they come back, in order. The ticket columns that summarise their messages
(strongest intent, latest sentiment, flags, language) are folded from the results over every buyer
message of each ticket concerned, as ``classify_desk`` and the pipeline do, and written at the end.
Scoring is the batch re-score (:func:`crossdesk.queue.rescore`) with its chunks scored by the executor.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from crossdesk.api import Desk
from crossdesk.classify.pipeline import stronger
from crossdesk.models import Actor
from crossdesk.queue import rescore
from crossdesk.scale import tasks
from crossdesk.scale.executors import InProcess, OnDask

#: Buyer messages per partition: large enough that a task's overhead (a few ms on Dask) is small beside
#: its work, small enough that two partitions per worker keep every worker busy.
PARTITION = 5_000


@dataclass
class ReprocessReport:
    messages: int = 0
    tickets: int = 0
    partitions: int = 0
    scored: int = 0
    written_priorities: int = 0
    where: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [
            f"{self.messages:,} buyer messages in {self.partitions} partitions, {self.tickets:,} tickets"
        ]
        if self.scored:
            parts.append(
                f"{self.scored:,} open tickets scored, {self.written_priorities:,} priorities changed"
            )
        timing = ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
        return f"{'; '.join(parts)} ({self.where}; {timing})"


def reprocess(
    desk: Desk,
    actor: Actor,
    executor: InProcess | OnDask | None = None,
    *,
    detect: bool = True,
    classify: bool = True,
    score: bool = True,
    since: int | None = None,
    partition: int = PARTITION,
    progress: Callable[[str, int, int], None] | None = None,
) -> ReprocessReport:
    """Detect, classify and/or score again (see the module docstring); needs the "bulk" permission.
    ``since`` (epoch seconds): only tickets with a buyer message at or after it."""
    desk.require(actor, "bulk")
    if partition < 1:
        raise ValueError("partition must be at least 1")
    executor = executor or InProcess()
    report = ReprocessReport(where=executor.where)
    if detect or classify:
        started = time.perf_counter()
        _messages(desk, executor, report, detect, classify, since, partition, progress)
        report.seconds["messages"] = time.perf_counter() - started
    if score:
        started = time.perf_counter()
        scored = rescore(desk.store, actor, progress=progress, map_scores=executor.map_ordered)
        report.scored, report.written_priorities = scored.tickets, scored.written
        report.seconds["score"] = time.perf_counter() - started
    with desk.tx():
        desk.audit(
            actor,
            "reprocess",
            "desk",
            None,
            None,
            {
                "detect": detect,
                "classify": classify,
                "score": score,
                "since": since,
                "messages": report.messages,
                "tickets": report.tickets,
                "partitions": report.partitions,
                "where": report.where,
            },
        )
    return report


def _partitions(desk: Desk, since: int | None, size: int) -> Iterator[list[tuple[int, int, str, str]]]:
    """Buyer messages ``(id, ticket_id, body, language)`` in id order, ``size`` at a time."""
    where = "direction = 'in'"
    args: list[Any] = []
    if since is not None:
        where += (
            " AND ticket_id IN (SELECT ticket_id FROM messages WHERE direction = 'in' AND created_at >= ?)"
        )
        args.append(int(since))
    cursor = 0
    while True:
        rows = desk.db.conn.execute(
            f"SELECT id, ticket_id, body, language FROM messages WHERE {where} AND id > ? ORDER BY id LIMIT ?",
            [*args, cursor, size],
        ).fetchall()
        if not rows:
            return
        cursor = rows[-1][0]
        yield rows


def _messages(
    desk: Desk,
    executor: InProcess | OnDask,
    report: ReprocessReport,
    detect: bool,
    classify: bool,
    since: int | None,
    size: int,
    progress: Callable[[str, int, int], None] | None,
) -> None:
    conn = desk.db.conn
    total = conn.execute("SELECT count(*) FROM messages WHERE direction = 'in'").fetchone()[0]
    owners: dict[int, int] = {}  # message id -> ticket id, for the partitions in flight

    def outgoing() -> Iterator[tuple]:
        for rows in _partitions(desk, since, size):
            for r in rows:
                owners[r[0]] = r[1]
            yield ([(r[0], r[2], r[3]) for r in rows], detect, classify)

    folds: dict[int, list[Any]] = {}  # ticket id -> [intent, sentiment or None, flags, first language]
    for results in executor.map_ordered(tasks.messages, outgoing()):
        with desk.tx():
            if classify:
                conn.executemany(
                    "UPDATE messages SET language = ?, intents = ?, sentiment = ?, flags = ? WHERE id = ?",
                    [(lang, js, s, f, i) for i, lang, js, s, f in results],
                )
            else:
                conn.executemany(
                    "UPDATE messages SET language = ? WHERE id = ?", [(lang, i) for i, lang, *_ in results]
                )
        for i, lang, js, sentiment, flags in results:
            fold = folds.setdefault(owners.pop(i), ["", None, 0, lang])
            if js is not None:
                intents = orjson.loads(js)
                fold[0] = stronger(fold[0], intents[0] if intents else "")
                if intents or sentiment:
                    fold[1] = sentiment
                fold[2] |= flags
        report.messages += len(results)
        report.partitions += 1
        if progress is not None:
            progress("messages", report.messages, total)
    with desk.tx():
        if classify:
            conn.executemany(
                "UPDATE tickets SET intent = ?, sentiment = COALESCE(?, sentiment), flags = ? WHERE id = ?",
                [(f[0], f[1], f[2], tid) for tid, f in folds.items()],
            )
        if detect:
            conn.executemany(
                "UPDATE tickets SET language = ? WHERE id = ? AND ? <> ''",
                [(f[3], tid, f[3]) for tid, f in folds.items()],
            )
    report.tickets = len(folds)
