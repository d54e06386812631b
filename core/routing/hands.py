"""Routing by hand and at shift ends: take, release, move, hand-over, and each agent's load.

- An agent **takes** an unassigned open ticket (needs "reply"; they must be an agent of the desk).
- An agent **releases** a ticket of their own back to its team's queue, with a note (needs "reply"; a
  ticket of someone else needs "supervise").
- A supervisor **moves** a ticket to another agent or to a team's queue, with a reason (needs
  "supervise").
- **Hand-over**: for each active agent off shift now, their open tickets due (``sla_due``) before their
  next shift starts go back to the team queue, or to a named agent, each with a note; the others stay.

Each change goes through the ticket service (audit row ``ticket.update``, event ``ticket_updated``) and
writes an audit row of its own (``ticket.take``, ``ticket.release``, ``ticket.move``,
``ticket.handover``) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor, TicketStatus
from crossdesk.store import Store
from crossdesk.team import TeamService
from crossdesk.tickets import TicketService


class RoutingService(Protocol):
    """What these functions use of :class:`crossdesk.routing.RoutingService`."""

    store: Store
    tickets: TicketService
    team: TeamService


OPEN = int(TicketStatus.SOLVED)


@dataclass(frozen=True)
class Load:
    """An agent's open tickets against their capacity, and whether they are on shift now."""

    agent_id: int
    name: str
    role: str
    open: int
    capacity: int
    on_shift: bool

    @property
    def ratio(self) -> float:
        return self.open / self.capacity if self.capacity else float(self.open > 0)


def _ticket(svc: RoutingService, ticket_id: int) -> tuple[int, int | None, int | None]:
    row = svc.store.db.execute(
        "SELECT status, assignee_id, team_id FROM tickets WHERE id = ?", [ticket_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"no ticket #{ticket_id}")
    return row


def _agent(svc: RoutingService, agent_id: int) -> dict:
    row = svc.store.row("SELECT id, name, team_id, active FROM agents WHERE id = ?", [agent_id])
    if row is None:
        raise NotFound(f"no agent #{agent_id}")
    if not row["active"]:
        raise DeskError(f"agent {row['name']!r} is deactivated")
    return row


def take(svc: RoutingService, actor: Actor, ticket_id: int) -> None:
    """The acting agent takes an open, unassigned ticket."""
    store = svc.store
    store.require(actor, "reply")
    if actor.agent_id is None:
        raise DeskError("only an agent of the desk can take a ticket: sign in as one")
    with store.tx():
        status, assignee, _ = _ticket(svc, ticket_id)
        if status >= OPEN:
            raise DeskError(f"ticket #{ticket_id} is solved or closed")
        if assignee == actor.agent_id:
            return
        if assignee is not None:
            raise DeskError(f"ticket #{ticket_id} is assigned to agent #{assignee}; a supervisor can move it")
        _agent(svc, actor.agent_id)
        svc.tickets.update(actor, ticket_id, assignee_id=actor.agent_id)
        store.audit(
            actor, "ticket.take", "ticket", ticket_id, {"assignee_id": None}, {"assignee_id": actor.agent_id}
        )


def release(svc: RoutingService, actor: Actor, ticket_id: int, note: str = "") -> None:
    """Back to the team queue (unassigned, its team kept or set to the agent's), with a note."""
    store = svc.store
    store.require(actor, "reply")
    with store.tx():
        _, assignee, team = _ticket(svc, ticket_id)
        if assignee is None:
            raise DeskError(f"ticket #{ticket_id} is not assigned")
        if assignee != actor.agent_id:
            store.require(actor, "supervise")
        _back_to_queue(
            svc, actor, ticket_id, assignee, team, f"Released by {actor.name}" + (f": {note}" if note else "")
        )
        store.audit(
            actor,
            "ticket.release",
            "ticket",
            ticket_id,
            {"assignee_id": assignee},
            {"assignee_id": None, "note": note},
        )


def _back_to_queue(
    svc: RoutingService, actor: Actor, ticket_id: int, assignee: int, team: int | None, note: str
) -> None:
    changes: dict = {"assignee_id": None}
    if team is None:
        row = svc.store.db.execute("SELECT team_id FROM agents WHERE id = ?", [assignee]).fetchone()
        if row and row[0] is not None:
            changes["team_id"] = row[0]
    svc.tickets.update(actor, ticket_id, **changes)
    svc.tickets.add_note(actor, ticket_id, note)


def move(
    svc: RoutingService,
    actor: Actor,
    ticket_id: int,
    *,
    agent_id: int | None = None,
    team_id: int | None = None,
    reason: str,
) -> None:
    """A supervisor gives a ticket to another agent, or to a team's queue (unassigned), with a reason."""
    store = svc.store
    store.require(actor, "supervise")
    if not reason.strip():
        raise DeskError("moving a ticket needs a reason")
    if (agent_id is None) == (team_id is None):
        raise DeskError("move a ticket to an agent or to a team, one of the two")
    with store.tx():
        status, assignee, team = _ticket(svc, ticket_id)
        if status >= OPEN:
            raise DeskError(f"ticket #{ticket_id} is solved or closed")
        if agent_id is not None:
            target = _agent(svc, agent_id)
            svc.tickets.update(actor, ticket_id, assignee_id=agent_id)
            where = f"agent {target['name']}"
        else:
            if store.db.execute("SELECT 1 FROM teams WHERE id = ?", [team_id]).fetchone() is None:
                raise NotFound(f"no team #{team_id}")
            svc.tickets.update(actor, ticket_id, assignee_id=None, team_id=team_id)
            where = f"team #{team_id}'s queue"
        svc.tickets.add_note(actor, ticket_id, f"Moved by {actor.name} to {where}: {reason.strip()}")
        store.audit(
            actor, "ticket.move", "ticket", ticket_id,
            {"assignee_id": assignee, "team_id": team},
            {"agent_id": agent_id, "team_id": team_id, "reason": reason.strip()},
        )  # fmt: skip


@dataclass(frozen=True)
class Handover:
    agent_id: int
    ticket_id: int
    to: str  # "queue" or the agent's name
    due: int
    next_shift: int | None


def handover(
    svc: RoutingService, actor: Actor, *, to_agent: int | None = None, limit: int | None = None
) -> list[Handover]:
    """Hand over the due tickets of every active agent off shift now (see the module). Needs "bulk"
    (it moves many tickets); safe to run as often as you like (``crossdesk automate`` runs it). With
    ``limit``, at most that many tickets (a slice: the next call goes on with those left, as the handed
    ones are no longer the agent's)."""
    store = svc.store
    store.require(actor, "reply")
    store.require(actor, "bulk")
    now = store.now()
    weeks = svc.team.shifts.weeks()
    target = _agent(svc, to_agent) if to_agent is not None else None
    done: list[Handover] = []
    with store.tx():
        for agent_id, week in weeks.items():
            if not week.shifts or week.on_shift(now) or agent_id == to_agent:
                continue
            if limit is not None and len(done) >= limit:
                break
            nxt = week.next_start(now)
            rows = store.db.execute(
                "SELECT id, sla_due, team_id FROM tickets WHERE assignee_id = ? AND status < ? "
                "AND sla_due IS NOT NULL AND (? IS NULL OR sla_due < ?) ORDER BY sla_due LIMIT ?",
                [agent_id, OPEN, nxt, nxt, -1 if limit is None else limit - len(done)],
            ).fetchall()
            for ticket_id, due, team in rows:
                when = "" if nxt is None else f", before their next shift at {_utc(nxt)}"
                note = f"Handed over at the end of {week.name}'s shift: due {_utc(due)}{when}"
                if target is None:
                    _back_to_queue(svc, actor, ticket_id, agent_id, team, note)
                    to = "queue"
                else:
                    svc.tickets.update(actor, ticket_id, assignee_id=target["id"])
                    svc.tickets.add_note(actor, ticket_id, f"{note}; to {target['name']}")
                    to = target["name"]
                store.audit(
                    actor,
                    "ticket.handover",
                    "ticket",
                    ticket_id,
                    {"assignee_id": agent_id},
                    {"to": to, "due": due},
                )
                done.append(Handover(agent_id, ticket_id, to, due, nxt))
    return done


def loads(svc: RoutingService, actor: Actor) -> list[Load]:
    """Each active agent's open tickets against their capacity, fullest first."""
    store = svc.store
    store.require(actor, "view")
    counts = dict(
        store.db.execute(
            "SELECT assignee_id, count(*) FROM tickets WHERE status < ? AND assignee_id IS NOT NULL "
            "GROUP BY assignee_id",
            [OPEN],
        ).fetchall()
    )
    on = svc.team.shifts.on_shift()
    out = [
        Load(a["id"], a["name"], a["role"], counts.get(a["id"], 0), a["capacity"], on.get(a["id"], True))
        for a in svc.team.agents(actor)
        if a["active"]
    ]
    out.sort(key=lambda x: (-x.ratio, x.name))
    return out


def _utc(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")
