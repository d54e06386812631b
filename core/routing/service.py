"""The routing stage: the open, unassigned tickets, in queue order, to the agents who can take them.

:meth:`RoutingService.plan` reads the tickets in the order of the live queue (``desk.queue``), the active
agents with their skills, languages, capacity and load, encodes skills and languages as bit masks and
makes one call to :func:`crossdesk.native.assign`; :meth:`RoutingService.apply` carries a plan out through
the ticket service. The rules (docs/routing.md):

- A ticket needs the skills the skill map gives it (:mod:`crossdesk.routing.skills`), except skills no
  active agent lists: a desk that has not set skills up routes by language and capacity alone.
- A ticket needs an agent who speaks its language (compared by primary subtag); a ticket of unknown
  language can go to anyone; an agent who lists no languages is taken to speak every language.
- Each ticket, best first, goes to the eligible agent with the most spare capacity (capacity minus open
  tickets assigned), ties to the agent least recently given a ticket by routing, then the lowest index.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from crossdesk import native
from crossdesk.aftersales.states import OPEN_STATES
from crossdesk.bulk import BulkService
from crossdesk.errors import DeskError
from crossdesk.models import Actor, Event, TicketStatus
from crossdesk.queue import QueueService
from crossdesk.routing import hands
from crossdesk.routing.picks import entries as _entries
from crossdesk.routing.skills import (
    SKILL_TAG,
    SKILLS_SETTING,
    norm_language,
    norm_skills,
    skill_map,
    ticket_skills,
)
from crossdesk.store import Store
from crossdesk.team import TeamService
from crossdesk.tickets import TicketService

#: The settings row where routing keeps, per agent id, the order of the last ticket it gave them: the
#: kernel's tie-break ("least recently assigned") across runs. A sequence number, not a time.
LAST_SETTING = "routing.last_assigned"
#: The setting that makes intake route each new or reopened ticket at once (default false).
INTAKE_SETTING = "routing.on_intake"
INTAKE_EVENTS = frozenset({"ticket_created", "message_received"})

OPEN = int(TicketStatus.SOLVED)  # statuses below this are in the queue

# Why a ticket stays unassigned (Unrouted.reason).
NO_AGENTS = "no_agents"  # the desk has no active agent
NO_LANGUAGE = "language"  # no active agent speaks the ticket's language
NO_SKILL = "skill"  # agents speak it, but none of them has every skill it needs
FULL = "full"  # every agent who could take it is at capacity
OFF_SHIFT = "off_shift"  # every agent who could take it is off shift now (it waits in its team's queue)

_ALL = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
# Language bits: one per language that both a ticket and an agent's list have (at most 62), OTHER for
# ticket languages no agent lists (only agents who list none, and so speak all, have it), SPEAKS for
# "lists at least one language" (a ticket of unknown language has every bit, so it matches any agent).
_SPEAKS = np.uint64(1) << np.uint64(63)
_OTHER = np.uint64(1) << np.uint64(62)
MAX_LANGUAGES = 62
MAX_SKILLS = 64
_IN = 500  # ids per IN (...) query: below SQLite's bound-parameter limit
_SCAN_ABOVE = 5_000  # more tickets than this: read every unassigned one in one query instead


@dataclass(frozen=True)
class Assignment:
    """One ticket of a plan and the agent it goes to; ``skills`` are the ones it needed."""

    ticket_id: int
    agent_id: int
    agent: str
    priority: float
    language: str
    skills: tuple[str, ...]


@dataclass(frozen=True)
class Unrouted:
    """A ticket the plan leaves unassigned: ``reason`` is NO_AGENTS, NO_LANGUAGE, NO_SKILL or FULL and
    ``detail`` says it in words."""

    ticket_id: int
    priority: float
    reason: str
    detail: str


@dataclass(frozen=True)
class AgentLoad:
    """An active agent as the plan saw them: ``load`` open tickets assigned before it, ``planned`` more."""

    agent_id: int
    name: str
    capacity: int
    load: int
    planned: int
    on_shift: bool = True


@dataclass(frozen=True)
class RoutingPlan:
    """What routing would do, tickets in queue order; nothing is written until :meth:`RoutingService.apply`."""

    now: int
    assignments: tuple[Assignment, ...]
    unrouted: tuple[Unrouted, ...]
    agents: tuple[AgentLoad, ...]

    def reasons(self) -> Counter[str]:
        """How many tickets stay unassigned, per reason."""
        return Counter(u.reason for u in self.unrouted)

    def __str__(self) -> str:
        n = len(self.assignments) + len(self.unrouted)
        text = f"{n:,} unassigned tickets: {len(self.assignments):,} to assign"
        if self.unrouted:
            why = ", ".join(f"{count:,} {_REASON_WORDS[r]}" for r, count in sorted(self.reasons().items()))
            text += f", {len(self.unrouted):,} stay unassigned ({why})"
        return text


_REASON_WORDS = {
    NO_AGENTS: "no active agent",
    NO_LANGUAGE: "nobody speaks the language",
    NO_SKILL: "nobody with the skills",
    FULL: "everyone who could is full",
    OFF_SHIFT: "everyone who could is off shift",
}


@dataclass(frozen=True)
class RoutingResult:
    """An applied plan: per planned ticket "ok", "skipped: ..." (it changed since the plan) or "error: ..."."""

    plan: RoutingPlan
    results: dict[int, str]

    @property
    def assigned(self) -> int:
        return sum(1 for r in self.results.values() if r == "ok")

    def __str__(self) -> str:
        skipped = sum(1 for r in self.results.values() if r.startswith("skipped"))
        errors = sum(1 for r in self.results.values() if r.startswith("error"))
        text = f"{self.assigned:,} tickets assigned"
        if skipped:
            text += f", {skipped:,} skipped (changed since the plan)"
        if errors:
            text += f", {errors:,} failed"
        if self.plan.unrouted:
            text += f", {len(self.plan.unrouted):,} left unassigned"
        return text


@dataclass
class _Tickets:
    ids: list[int]
    priority: list[float]
    language: list[str]  # normalised, "" unknown
    skills: list[frozenset[str]]  # from the skill map, before dropping unstaffed skills
    waiting_since: np.ndarray  # int64: the buyer's last message, else creation
    team: list[int | None]


class RoutingService:
    """``desk.routing``: plan (needs "view") and apply (needs "reply"; more than one ticket, "bulk", by the
    one bulk policy of :class:`~crossdesk.bulk.BulkService`)."""

    def __init__(
        self, store: Store, queue: QueueService, tickets: TicketService, team: TeamService, bulk: BulkService
    ) -> None:
        self.store = store
        self.queue = queue
        self.tickets = tickets
        self.team = team
        self.bulk = bulk

    # ---- planning ------------------------------------------------------------------------------------

    def plan(
        self,
        actor: Actor,
        *,
        limit: int | None = None,
        capacity: Mapping[int, int] | None = None,
        skills_timeout: float | None = None,
        ticket_ids: Sequence[int] | None = None,
    ) -> RoutingPlan:
        """Route the open unassigned tickets (the ``limit`` best of them, when given), best first.

        ``capacity`` overrides agents' stored capacity by agent id (a shift planner passes 0 for an agent
        off shift). ``skills_timeout`` (seconds): a ticket whose buyer has waited longer may go to an agent
        without its skills (the language still has to match); None: each team's own skills timeout
        (``teams.skills_timeout``). ``capacity`` None: the stored capacity of agents on shift now, 0 for
        agents off shift (:mod:`crossdesk.team.shifts`). ``ticket_ids``: route only these (intake), in
        priority order. Writes nothing; one native call.
        """
        store = self.store
        store.require(actor, "view")
        if limit is not None and limit < 0:
            raise DeskError("limit must be 0 or more")
        now = store.now()
        agents = [a for a in self.team.agents(actor) if a["active"]]
        on_shift = np.ones(len(agents), dtype=bool)
        if capacity is None:
            on = self.team.shifts.on_shift(now, [a["id"] for a in agents])
            on_shift = np.array([on.get(a["id"], True) for a in agents], dtype=bool)
            capacity = {a["id"]: (a["capacity"] if on_shift[k] else 0) for k, a in enumerate(agents)}
        tickets = self._tickets(actor, limit, ticket_ids)
        n, na = len(tickets.ids), len(agents)
        if n == 0 or na == 0:
            unrouted = tuple(
                Unrouted(t, p, NO_AGENTS, "no active agent on the desk")
                for t, p in zip(tickets.ids, tickets.priority, strict=True)
            )
            loads = self._loads(agents, capacity, np.zeros(na, np.int64))
            return RoutingPlan(now, (), unrouted, loads)

        a_langs = [{norm_language(x) for x in a["languages"]} - {""} for a in agents]
        a_skills = [norm_skills(a["skills"]) for a in agents]
        staffed = frozenset().union(*a_skills)
        # Per distinct need and language, not per ticket: a desk has a few dozen of each.
        need = {s: s & staffed for s in set(tickets.skills)}

        spoken = set().union(*a_langs) & set(tickets.language)
        if len(spoken) > MAX_LANGUAGES:
            raise DeskError(
                f"routing handles at most {MAX_LANGUAGES} languages at once; this desk has {len(spoken)}"
            )
        lang_bit = {lang: np.uint64(1) << np.uint64(i) for i, lang in enumerate(sorted(spoken))}
        skill_names = sorted(frozenset().union(*need.values()))
        if len(skill_names) > MAX_SKILLS:
            raise DeskError(
                f"routing handles at most {MAX_SKILLS} skills at once; tickets need {len(skill_names)}"
            )
        skill_bit = {s: np.uint64(1) << np.uint64(i) for i, s in enumerate(skill_names)}

        agent_langs = np.array(
            [_mask(lang_bit, langs) | _SPEAKS if langs else _ALL for langs in a_langs], dtype=np.uint64
        )
        agent_skills = np.array([_mask(skill_bit, s) for s in a_skills], dtype=np.uint64)
        lang_mask = {lang: _ALL if not lang else lang_bit.get(lang, _OTHER) for lang in set(tickets.language)}
        ticket_langs = np.fromiter((lang_mask[lang] for lang in tickets.language), np.uint64, n)
        need_mask = {s: _mask(skill_bit, staffed_s) for s, staffed_s in need.items()}
        ticket_needs = np.fromiter((need_mask[s] for s in tickets.skills), np.uint64, n)
        need_names = {s: tuple(sorted(staffed_s)) for s, staffed_s in need.items()}
        cap = np.array(
            [int((capacity or {}).get(a["id"], a["capacity"])) for a in agents], dtype=np.int64
        ).clip(0, np.iinfo(np.int32).max)
        load = self._load_of([a["id"] for a in agents])
        last_seen = store.get_setting(LAST_SETTING, None) or {}
        last = np.array([int(last_seen.get(str(a["id"]), 0)) for a in agents], dtype=np.int64)
        waited = now - tickets.waiting_since if skills_timeout is not None else None
        if skills_timeout is None:
            waited, skills_timeout = self._team_timeouts(now, tickets)

        # Tickets are already in queue order: the walk is 0..n-1.
        out = native.assign(
            np.arange(n, dtype=np.int64),
            ticket_needs,
            ticket_langs,
            agent_skills,
            agent_langs,
            cap,
            load,
            last,
            waited=waited,
            skills_timeout=skills_timeout,
        )

        assignments = []
        unrouted = []
        why: dict[tuple[int, int, bool], tuple[str, str]] = {}
        for i, k in enumerate(out.tolist()):
            tid, prio = tickets.ids[i], tickets.priority[i]
            if k >= 0:
                agent = agents[k]
                assignments.append(
                    Assignment(
                        tid,
                        agent["id"],
                        agent["name"],
                        prio,
                        tickets.language[i],
                        need_names[tickets.skills[i]],
                    )
                )
                continue
            waived = waited is not None and skills_timeout is not None and waited[i] > skills_timeout
            key = (int(ticket_needs[i]), int(ticket_langs[i]), bool(waived))
            if key not in why:
                why[key] = _why(
                    key,
                    agent_skills,
                    agent_langs,
                    tickets.language[i],
                    need_names[tickets.skills[i]],
                    on_shift,
                )
            reason, detail = why[key]
            unrouted.append(Unrouted(tid, prio, reason, detail))
        planned = np.bincount(out[out >= 0], minlength=na)
        loads = tuple(
            AgentLoad(a["id"], a["name"], int(cap[k]), int(load[k]), int(planned[k]), bool(on_shift[k]))
            for k, a in enumerate(agents)
        )
        return RoutingPlan(now, tuple(assignments), tuple(unrouted), loads)

    def _team_timeouts(self, now: int, tickets: _Tickets) -> tuple[np.ndarray | None, float | None]:
        """The kernel's (waited, skills_timeout) for each team's own skills timeout: 1 for a ticket whose
        team's timeout has passed, 0 otherwise, against a threshold of 0.5; (None, None) when no team has one."""
        timeouts = dict(
            self.store.db.execute("SELECT id, skills_timeout FROM teams WHERE skills_timeout IS NOT NULL")
        )
        if not timeouts:
            return None, None
        limit = np.array([timeouts.get(t, -1) if t is not None else -1 for t in tickets.team], dtype=np.int64)
        waited = now - tickets.waiting_since
        return ((limit >= 0) & (waited > limit)).astype(np.float64), 0.5

    def _tickets(self, actor: Actor, limit: int | None, ticket_ids: Sequence[int] | None = None) -> _Tickets:
        """The open unassigned tickets in queue order, with what routing needs of each."""
        db = self.store.db
        if ticket_ids is not None:
            self.store.require(actor, "view")
            entries = _entries(db, ticket_ids)
        else:
            entries = self.queue.top(actor, sys.maxsize if limit is None else limit, assignee=0)
        ids = [e.ticket_id for e in entries]
        # The rows are read again and trusted over the queue's snapshot, which can trail a write that did
        # not move updated_at: a ticket assigned, solved or closed meanwhile is left out.
        select = (
            "SELECT id, platform, intent, language, COALESCE(last_customer_msg_at, created_at), team_id, tier "
            "FROM tickets "
            "WHERE assignee_id IS NULL AND status < ?"
        )
        rows: dict[int, tuple] = {}
        if len(ids) > _SCAN_ABOVE:
            # Most of the unassigned tickets: one pass over them beats thousands of IN (...) lookups.
            rows = {row[0]: row for row in db.execute(select, [OPEN])}
        else:
            for start in range(0, len(ids), _IN):
                part = ids[start : start + _IN]
                marks = ",".join("?" * len(part))
                rows.update(
                    (row[0], row) for row in db.execute(f"{select} AND id IN ({marks})", [OPEN, *part])
                )
        cases: dict[int, list[str]] = defaultdict(list)
        states = sorted(OPEN_STATES)
        for ticket_id, case_type in db.execute(
            "SELECT c.ticket_id, c.type FROM cases c JOIN tickets t ON t.id = c.ticket_id "
            f"WHERE t.status < ? AND t.assignee_id IS NULL AND c.state IN ({','.join('?' * len(states))})",
            [OPEN, *states],
        ):
            cases[ticket_id].append(case_type)
        # Skills a rule asked for (action require_skill: a tag "skill:<name>").
        required: dict[int, list[str]] = defaultdict(list)
        for ticket_id, tag in db.execute(
            "SELECT g.ticket_id, g.tag FROM ticket_tags g JOIN tickets t ON t.id = g.ticket_id "
            "WHERE t.status < ? AND t.assignee_id IS NULL AND g.tag LIKE ?",
            [OPEN, SKILL_TAG + "%"],
        ):
            required[ticket_id].append(tag[len(SKILL_TAG) :])
        skills = skill_map(self.store.get_setting(SKILLS_SETTING, None))
        out = _Tickets([], [], [], [], np.empty(0, np.int64), [])
        since = []
        # What a ticket needs depends only on (platform, intent, case types), and its language's key only
        # on the stored tag: both are worked out once per distinct value.
        needs: dict[tuple, frozenset[str]] = {}
        langs: dict[str | None, str] = {}
        for e in entries:
            row = rows.get(e.ticket_id)
            if row is None:
                continue
            tid, platform, intent, language, waiting_since, team_id, tier = row
            key = (
                platform,
                intent,
                tuple(sorted(cases[tid])) if tid in cases else (),
                language,
                tier,
                tuple(sorted(required[tid])) if tid in required else (),
            )
            need = needs.get(key)
            if need is None:
                need = needs[key] = ticket_skills(
                    skills, platform, intent, key[2], language=language, tier=tier, extra=key[5]
                )
            lang = langs.get(language)
            if lang is None:
                lang = langs[language] = norm_language(language)
            out.ids.append(tid)
            out.priority.append(e.priority)
            out.language.append(lang)
            out.skills.append(need)
            since.append(waiting_since)
            out.team.append(team_id)
        out.waiting_since = np.array(since, dtype=np.int64)
        return out

    def _load_of(self, agent_ids: list[int]) -> np.ndarray:
        counts = dict(
            self.store.db.execute(
                "SELECT assignee_id, count(*) FROM tickets WHERE status < ? AND assignee_id IS NOT NULL "
                "GROUP BY assignee_id",
                [OPEN],
            ).fetchall()
        )
        return np.array([counts.get(a, 0) for a in agent_ids], dtype=np.int64)

    def _loads(
        self, agents: list[dict], capacity: Mapping[int, int] | None, planned: np.ndarray
    ) -> tuple[AgentLoad, ...]:
        load = self._load_of([a["id"] for a in agents])
        return tuple(
            AgentLoad(
                a["id"],
                a["name"],
                int((capacity or {}).get(a["id"], a["capacity"])),
                int(load[k]),
                int(planned[k]),
            )
            for k, a in enumerate(agents)
        )

    # ---- by hand, at shift ends, on intake (crossdesk.routing.hands) -------------------------------------

    def take(self, actor: Actor, ticket_id: int) -> None:
        """The acting agent takes an open unassigned ticket (audited)."""
        hands.take(self, actor, ticket_id)

    def release(self, actor: Actor, ticket_id: int, note: str = "") -> None:
        """Back to the team queue with a note (someone else's ticket needs "supervise")."""
        hands.release(self, actor, ticket_id, note)

    def move(
        self,
        actor: Actor,
        ticket_id: int,
        *,
        agent_id: int | None = None,
        team_id: int | None = None,
        reason: str,
    ) -> None:
        """A supervisor moves a ticket to an agent or a team's queue, with a reason."""
        hands.move(self, actor, ticket_id, agent_id=agent_id, team_id=team_id, reason=reason)

    def handover(
        self, actor: Actor, *, to_agent: int | None = None, limit: int | None = None
    ) -> list[hands.Handover]:
        """Shift-end hand-over of the agents off shift now (see :mod:`crossdesk.routing.hands`); ``limit``:
        at most that many tickets this call."""
        return hands.handover(self, actor, to_agent=to_agent, limit=limit)

    def loads(self, actor: Actor) -> list[hands.Load]:
        """Each active agent's open tickets against capacity, and whether on shift now."""
        return hands.loads(self, actor)

    def on_event(self, actor: Actor, event: Event) -> None:
        """The intake step: with the setting ``routing.on_intake`` true, a new ticket, or one a buyer's
        message reopened, is routed at once (after the language, classification, SLA and rules steps)."""
        if event.name not in INTAKE_EVENTS or event.object_id is None:
            return
        if not self.store.get_setting(INTAKE_SETTING, False):
            return
        row = self.store.db.execute(
            "SELECT assignee_id, status FROM tickets WHERE id = ?", [event.object_id]
        ).fetchone()
        if row is None or row[0] is not None or row[1] >= OPEN:
            return
        plan = self.plan(actor, ticket_ids=[event.object_id])
        if plan.assignments:
            self.apply(actor, plan)

    # ---- applying ------------------------------------------------------------------------------------

    def apply(
        self,
        actor: Actor,
        plan: RoutingPlan | None = None,
        *,
        limit: int | None = None,
        capacity: Mapping[int, int] | None = None,
        skills_timeout: float | None = None,
    ) -> RoutingResult:
        """Carry out ``plan`` (None: plan now with the same arguments as :meth:`plan`).

        Needs "reply", and "bulk" when the plan assigns more than one ticket (the policy of
        :meth:`crossdesk.bulk.BulkService.require`); both are checked before anything is written. Each ticket is assigned through the ticket service (audited, one
        ``ticket_updated`` event each) in its own savepoint; a ticket assigned, solved or closed since the
        plan, or whose agent was deactivated, is skipped. One ``routing.apply`` audit row sums the run up.
        """
        store = self.store
        if plan is None:
            plan = self.plan(actor, limit=limit, capacity=capacity, skills_timeout=skills_timeout)
        # Assigning many is a bulk action: the bulk service's policy decides what it needs.
        self.bulk.require(actor, "reply", len(plan.assignments))
        by_ticket = {a.ticket_id: a for a in plan.assignments}

        def one(ticket_id: int) -> str:
            a = by_ticket[ticket_id]
            row = store.db.execute(
                "SELECT status, assignee_id FROM tickets WHERE id = ?", [ticket_id]
            ).fetchone()
            if row is None:
                raise DeskError(f"no ticket #{ticket_id}")
            if row[1] is not None:
                return f"skipped: already assigned to agent #{row[1]}"
            if row[0] >= OPEN:
                return "skipped: solved or closed since the plan"
            active = store.db.execute("SELECT active FROM agents WHERE id = ?", [a.agent_id]).fetchone()
            if not active or not active[0]:
                return f"skipped: {a.agent} is no longer an active agent"
            self.tickets.update(actor, ticket_id, assignee_id=a.agent_id)
            return "ok"

        with store.tx():
            results = store.each(list(by_ticket), one)
            last = dict(store.get_setting(LAST_SETTING, None) or {})
            seq = max((int(v) for v in last.values()), default=0) + 1
            for a in plan.assignments:  # in walk order: the last ticket an agent got sets their place
                if results[a.ticket_id] == "ok":
                    last[str(a.agent_id)] = seq
                    seq += 1
            # Bookkeeping of the run, audited once below (not through set_setting: no row per run twice).
            store.put_setting(LAST_SETTING, last)
            result = RoutingResult(plan, results)
            store.audit(
                actor,
                "routing.apply",
                "desk",
                None,
                None,
                {
                    "assigned": result.assigned,
                    "planned": len(plan.assignments),
                    "unrouted": dict(plan.reasons()),
                },
            )
        return result


def _mask(bits: Mapping[str, np.uint64], names: Any) -> np.uint64:
    out = np.uint64(0)
    for name in names:
        bit = bits.get(name)
        if bit is not None:
            out |= bit
    return out


def _why(
    key: tuple[int, int, bool],
    agent_skills: np.ndarray,
    agent_langs: np.ndarray,
    language: str,
    skills: list[str],
    on_shift: np.ndarray,
) -> tuple[str, str]:
    """Why nobody took a ticket with these needs (kernel inputs), in a code and in words."""
    need, lang, waived = key
    speaks = (agent_langs & np.uint64(lang)) != 0
    if not speaks.any():
        return NO_LANGUAGE, f"no agent speaks {language}"
    need_ = np.uint64(0 if waived else need)
    able = speaks & ((agent_skills & need_) == need_)
    if not able.any():
        who = f"who speaks {language} " if language else ""
        return NO_SKILL, f"no agent {who}has {' + '.join(skills)}"
    if not (able & on_shift).any():
        return OFF_SHIFT, "everyone who could take it is off shift: it waits in its team's queue"
    return FULL, "every agent who could take it is at capacity"
