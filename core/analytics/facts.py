"""Per-ticket facts: the rollup every report reads instead of the messages.

One row of ``ticket_facts`` per ticket (docs/analytics.md, "Facts"). :func:`ticket_facts` derives a row
from the ticket, its messages (direction, author, time), the number of times it was reopened (from the
audit rows) and its SLA policy and clock; it is the one definition. :class:`TicketFacts` calls it for one
ticket after each event that can change it (a pipeline step, inside the transaction of the change) and for
every ticket at once (:meth:`TicketFacts.rebuild`: a migrated desk, the demo builder, a bulk load), so the
two can never disagree.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from crossdesk.models import Actor, Event, TicketStatus
from crossdesk.store import Store

DAY = 86_400
#: Events after which a ticket's facts are recomputed.
FACT_EVENTS = frozenset({"ticket_created", "message_received", "replied", "ticket_updated"})
SOLVED = (int(TicketStatus.SOLVED), int(TicketStatus.CLOSED))
OPEN_CODES = tuple(int(s) for s in TicketStatus if int(s) not in SOLVED)
#: Authors of replies that no person wrote: automation rules act as ``rule:<name>``, the desk itself as
#: ``system`` (docs/analytics.md, "Who replied").
AUTOMATED_PREFIXES = ("rule:", "automation:")
AUTOMATED_NAMES = frozenset({"system"})
#: The audit rows that take a solved or closed ticket back to work: a buyer writing again
#: (``ticket.reopen``) or a person setting the status (``ticket.update``).
REOPEN_SQL = (
    "SELECT object_id, COUNT(*) FROM audit WHERE object_type = 'ticket' "
    "AND action IN ('ticket.reopen', 'ticket.update') "
    f"AND json_extract(before, '$.status') IN {SOLVED} AND json_extract(after, '$.status') IN {OPEN_CODES}"
)
COLUMNS = (
    "ticket_id",
    "created_at",
    "first_in_at",
    "first_human_at",
    "first_human_author",
    "first_auto_at",
    "human_replies",
    "auto_replies",
    "reopens",
    "first_reply_bh",
    "first_reply_due",
    "resolution_due",
    "next_due",
    "next_met",
    "updated_at",
)
_TICKET_COLUMNS = (
    "id, status, created_at, solved_at, priority_level, team_id, sla_policy_id, sla_paused_seconds"
)
_UPSERT = (
    f"INSERT OR REPLACE INTO ticket_facts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
)


class Clock(Protocol):
    kind: str

    def add(self, start: int, seconds: int) -> int: ...

    def elapsed(self, start: int, end: int) -> int: ...


class Policy(Protocol):
    id: int | None
    clock: str

    @property
    def pausable(self) -> bool: ...

    def target(self, priority: str, which: str) -> int | None: ...


class SlaSource(Protocol):
    """What the facts need of ``desk.sla`` (passed in by the facade: analytics does not import sla)."""

    def policies(self) -> list[Any]: ...

    def clock_for(self, policy: Any, ticket: Mapping[str, Any]) -> Any: ...


def is_automated(author: str) -> bool:
    """Whether a public reply was sent by a rule or by the desk itself rather than by a person."""
    return author in AUTOMATED_NAMES or author.startswith(AUTOMATED_PREFIXES)


def ticket_facts(
    ticket: Mapping[str, Any],
    messages: Iterable[tuple[str, str, int]],
    reopens: int,
    policy: Policy | None,
    clock: Clock | None,
    now: int,
) -> dict[str, Any]:
    """The facts row of one ticket. ``messages`` are (direction, author, created_at) in time order;
    ``policy`` and ``clock`` are the ticket's SLA policy and the clock it counts on (None: no SLA)."""
    first_in = first_human = first_auto = None
    human_author = ""
    humans = autos = 0
    level = ticket.get("priority_level") or "normal"
    nxt = policy.target(level, "next_reply") if policy and clock else None
    replied = False
    waiting: int | None = None
    next_due = next_met = 0
    for direction, author, at in messages:
        if direction == "in":
            first_in = at if first_in is None else first_in
            if replied:
                waiting = at  # the next-reply clock restarts on every buyer message
        elif direction == "out":
            if is_automated(author or ""):
                autos += 1
                first_auto = at if first_auto is None else first_auto
            else:
                humans += 1
                if first_human is None:
                    first_human, human_author = at, author or ""
            if nxt and replied and waiting is not None:
                next_due += 1
                next_met += at <= clock.add(waiting, nxt)  # type: ignore[union-attr]
            replied, waiting = True, None
    solved = ticket["status"] in SOLVED and ticket.get("solved_at") is not None
    if nxt and waiting is not None and solved and clock.add(waiting, nxt) <= ticket["solved_at"]:  # type: ignore[union-attr]
        next_due += 1  # solved without the reply the buyer waited for, after its deadline
    first_bh = first_due = resolution_due = None
    if policy is not None and clock is not None:
        if policy.clock == "business" and first_in is not None and first_human is not None:
            first_bh = clock.elapsed(first_in, first_human)
        target = policy.target(level, "first_reply")
        if target:
            first_due = clock.add(ticket["created_at"], target)
        target = policy.target(level, "resolution")
        if target and solved:
            paused = int(ticket.get("sla_paused_seconds") or 0) if policy.pausable else 0
            resolution_due = clock.add(ticket["created_at"], target + paused)
    return {
        "ticket_id": ticket["id"],
        "created_at": ticket["created_at"],
        "first_in_at": first_in,
        "first_human_at": first_human,
        "first_human_author": human_author,
        "first_auto_at": first_auto,
        "human_replies": humans,
        "auto_replies": autos,
        "reopens": reopens,
        "first_reply_bh": first_bh,
        "first_reply_due": first_due,
        "resolution_due": resolution_due,
        "next_due": next_due,
        "next_met": next_met,
        "updated_at": now,
    }


class TicketFacts:
    """``desk.analytics.facts``: keeps ``ticket_facts`` true. Derives, never decides: needs no permission
    for the pipeline step; :meth:`rebuild` needs ``manage_settings``."""

    def __init__(self, store: Store, sla: Callable[[], SlaSource]) -> None:
        """``sla`` gives ``desk.sla`` when first needed (the facade builds its services lazily)."""
        self.store = store
        self._sla = sla
        self._paused = 0

    @property
    def sla(self) -> SlaSource:
        return self._sla()

    def _policy(self, ticket: Mapping[str, Any], cache: dict) -> tuple[Any, Any]:
        pid = ticket.get("sla_policy_id")
        if pid is None:
            return None, None
        if "policies" not in cache:
            cache["policies"] = {p.id: p for p in self.sla.policies()}
        policy = cache["policies"].get(pid)
        if policy is None:
            return None, None
        key = (pid, ticket.get("team_id"))
        if key not in cache:
            cache[key] = self.sla.clock_for(policy, ticket)
        return policy, cache[key]

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No refresh per event meanwhile: for a bulk load that marks the facts stale before its first
        write (``analytics_facts_stale``), so the next report rebuilds them all in one pass."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    def on_event(self, actor: Actor, event: Event) -> None:
        """Pipeline step: recompute the ticket's facts after anything that can change them."""
        if self._paused:
            return
        if event.object_type != "ticket" or event.object_id is None or event.name not in FACT_EVENTS:
            return
        self.refresh(int(event.object_id))

    def refresh(self, ticket_id: int) -> dict[str, Any] | None:
        """Recompute one ticket's facts row; returns it (None when the ticket does not exist)."""
        db = self.store.db
        cursor = db.execute(f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE id = ?", [ticket_id])
        values = cursor.fetchone()
        if values is None:
            return None
        ticket = dict(zip([d[0] for d in cursor.description], values, strict=True))
        messages = db.execute(
            "SELECT direction, author, created_at FROM messages WHERE ticket_id = ? ORDER BY created_at, id",
            [ticket_id],
        ).fetchall()
        reopens = db.execute(REOPEN_SQL + " AND object_id = ?", [ticket_id]).fetchone()[1]
        policy, clock = self._policy(ticket, {})
        row = ticket_facts(ticket, messages, reopens, policy, clock, self.store.now())
        kept = [c for c in COLUMNS if c != "updated_at"]
        before = db.execute(
            f"SELECT {', '.join(kept)} FROM ticket_facts WHERE ticket_id = ?", [ticket_id]
        ).fetchone()
        db.execute(_UPSERT, [row[c] for c in COLUMNS])
        if before is None or list(before) != [row[c] for c in kept]:
            # the day rollup holding this ticket is rebuilt before the next report (analytics.rollup); a
            # change of the ticket's own columns marks it through the triggers of migration 0180
            db.execute(
                "INSERT OR IGNORE INTO analytics_dirty (day) VALUES (?)", [ticket["created_at"] // DAY]
            )
        return row

    def stale(self) -> bool:
        """Whether tickets may lack facts (a desk migrated with tickets, a bulk load not yet rebuilt)."""
        return bool(self.store.get_setting("analytics_facts_stale", False))

    def rebuild(self, actor: Actor, progress: Callable[[int, int], None] | None = None) -> int:
        """Recompute the facts of every ticket (streamed: tickets, messages and reopens are merged in
        ticket order, written in batches). Returns the number of tickets."""
        self.store.require(actor, "manage_settings")
        db = self.store.db
        now = self.store.now()
        total = db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        reopens = dict(db.execute(REOPEN_SQL + " GROUP BY object_id").fetchall())
        cache: dict = {}
        done = 0
        with self.store.tx():
            db.execute("DELETE FROM ticket_facts")
            batch: list[list[Any]] = []
            for ticket, messages in _threads(db):
                policy, clock = self._policy(ticket, cache)
                row = ticket_facts(ticket, messages, reopens.get(ticket["id"], 0), policy, clock, now)
                batch.append([row[c] for c in COLUMNS])
                if len(batch) >= 5000:
                    db.conn.executemany(_UPSERT, batch)
                    done += len(batch)
                    batch.clear()
                    if progress:
                        progress(done, total)
            db.conn.executemany(_UPSERT, batch)
            done += len(batch)
            db.execute(
                "INSERT OR IGNORE INTO analytics_dirty (day) SELECT DISTINCT created_at / 86400 FROM tickets"
            )
            db.execute("INSERT OR IGNORE INTO analytics_dirty (day) SELECT day FROM analytics_days")
            self.store.put_setting("analytics_facts_stale", False)
            self.store.audit(actor, "analytics.rebuild", "desk", None, None, {"tickets": done})
        if progress:
            progress(done, total)
        return done


def _threads(db: Any) -> Iterator[tuple[dict[str, Any], Sequence[tuple[str, str, int]]]]:
    """Every ticket with its messages, both in ticket order (two cursors merged)."""
    tickets = db.conn.execute(f"SELECT {_TICKET_COLUMNS} FROM tickets ORDER BY id")
    names = [d[0] for d in tickets.description]
    # A second connection-level cursor on the same connection: SQLite lets both step together.
    messages = itertools.groupby(
        db.conn.execute(
            "SELECT ticket_id, direction, author, created_at FROM messages ORDER BY ticket_id, created_at, id"
        ),
        key=lambda r: r[0],
    )
    pending = next(messages, None)
    for values in tickets:
        ticket = dict(zip(names, values, strict=True))
        thread: list[tuple[str, str, int]] = []
        while pending is not None and pending[0] <= ticket["id"]:
            group = [(r[1], r[2], r[3]) for r in pending[1]]
            if pending[0] == ticket["id"]:
                thread = group
            pending = next(messages, None)
        yield ticket, thread
