"""SLA clocks: deadlines per ticket, pause accounting, breach and near-breach events.

Deadlines follow from stored facts, so they are recomputed (never nudged) whenever one of those facts
changes: when a ticket is created, when a buyer message arrives, when an agent replies, when the status,
priority or team changes.

- first reply: ``created_at`` + target, until the first agent reply.
- next reply: the buyer's latest message + target, while the buyer waits (after the first reply); the
  clock restarts on every buyer message.
- resolution: ``created_at`` + target + paused time, until solved. Pending and on hold pause it (the
  pause is recorded in ``sla_pauses`` and summed into ``tickets.sla_paused_seconds``, counted on the
  policy's clock); a marketplace clock never pauses.

``sla_due`` is the nearest of the three and feeds the queue score.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from crossdesk.conditions import BulkEvaluator, Facts, KeywordIndex, RuleError, Vocabulary, evaluate
from crossdesk.errors import NotFound
from crossdesk.models import Actor, Event, TicketStatus
from crossdesk.sla.calendar import BusinessCalendar, WallClock
from crossdesk.sla.policy import TARGETS, SlaPolicy, parse_policy, read_policies_file
from crossdesk.store import Store

log = logging.getLogger("crossdesk.sla")

PAUSED = (int(TicketStatus.PENDING), int(TicketStatus.ON_HOLD))
CLOSED = (int(TicketStatus.SOLVED), int(TicketStatus.CLOSED))
#: The columns a ticket's clock leaves set: all NULL on a ticket no policy has ever timed.
CLOCK_STATE = ", ".join(("sla_policy_id", "sla_paused_at", *(f"{t}_due" for t in TARGETS), "sla_due"))
BREACH_BITS = {"first_reply": 1, "next_reply": 2, "resolution": 4}
_BULK_COLUMNS = (
    "id",
    "status",
    "priority_level",
    "team_id",
    "created_at",
    "first_replied_at",
    "last_customer_msg_at",
    "last_agent_msg_at",
    "sla_paused_at",
    "sla_paused_seconds",
    "sla_policy_id",
    "first_reply_due",
    "next_reply_due",
    "resolution_due",
    "sla_due",
)
_ALL = object()  # a clock group that does not depend on the ticket's team


def _nullable(values: list) -> tuple[np.ndarray, np.ndarray]:
    """(int64 values with 0 for NULL, NULL mask)."""
    mask = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    if values and isinstance(next((v for v in values if v is not None), 0), str):
        return np.array(values, dtype=object), mask
    arr = np.fromiter((0 if v is None else v for v in values), dtype=np.int64, count=len(values))
    return arr, mask


def _groups(policy: SlaPolicy, in_policy: np.ndarray, team_ids: tuple[np.ndarray, np.ndarray]) -> list:
    """Which clocks a policy's tickets count on: one for wall/marketplace clocks and team-bound
    policies, else one per ticket team (None: tickets without a team)."""
    if policy.clock != "business" or policy.team is not None:
        return [_ALL]
    values, nulls = team_ids
    teams: list = sorted({int(t) for t in values[in_policy & ~nulls]})
    if (in_policy & nulls).any():
        teams.append(None)
    return teams


#: Events after which a ticket's deadlines are recomputed.
SLA_EVENTS = frozenset({"ticket_created", "message_received", "replied", "ticket_updated"})


@dataclass
class SlaCheck:
    """What one SLA check found and raised."""

    near_breaches: list[tuple[int, str]] = field(default_factory=list)
    breaches: list[tuple[int, str]] = field(default_factory=list)


class SlaService:
    """``desk.sla``. Reading needs ``view``; changing policies needs ``manage_rules``."""

    def __init__(self, store: Store, *, plugin_desk: Any) -> None:
        """``plugin_desk`` is what plugin rule conditions in policies receive as their ``desk`` argument."""
        self.store = store
        self.plugin_desk = plugin_desk
        self._policies: list[SlaPolicy] | None = None
        self._signature: tuple | None = None
        self._calendars: dict[Any, Any] = {}
        self._vocabulary = Vocabulary()
        self._keywords = KeywordIndex(())

    # ---- policies --------------------------------------------------------------------------------

    def _vocab(self) -> Vocabulary:
        return Vocabulary.from_plugins(self.store.pm, self.plugin_desk)

    def read_file(self, path: str | Path) -> list[SlaPolicy]:
        return read_policies_file(path, self._vocab())

    def save_policies(
        self, actor: Actor, policies: Sequence[SlaPolicy | Mapping[str, Any]], *, replace: bool = False
    ) -> list[int]:
        """Insert or update policies by name (``replace`` drops the others), then recompute open tickets."""
        self.store.require(actor, "manage_rules")
        vocab = self._vocab()
        parsed = [
            p if isinstance(p, SlaPolicy) else parse_policy(p, "policy", vocab, (i + 1) * 10)
            for i, p in enumerate(policies)
        ]
        now = self.store.now()
        ids = []
        with self.store.tx():
            if replace:
                names = [p.name for p in parsed]
                marks = ",".join("?" * len(names)) or "''"
                for (pid,) in self.store.db.execute(
                    f"SELECT id FROM sla_policies WHERE name NOT IN ({marks})", names
                ).fetchall():
                    self.store.db.execute("DELETE FROM sla_policies WHERE id = ?", [pid])
                    self.store.audit(actor, "sla_policy.delete", "sla_policy", pid, None, None)
            for policy in parsed:
                row = policy.as_row()
                row["team_id"] = None
                if policy.team is not None:
                    found = self.store.db.execute(
                        "SELECT id FROM teams WHERE name = ?", [policy.team]
                    ).fetchone()
                    if found is None:
                        raise RuleError(f"policy {policy.name!r}: no team named {policy.team!r}")
                    row["team_id"] = found[0]
                row["updated_at"] = now
                existing = self.store.db.execute(
                    "SELECT id FROM sla_policies WHERE name = ?", [policy.name]
                ).fetchone()
                if existing is None:
                    row["created_at"] = now
                    pid = self.store.db["sla_policies"].insert(row).last_pk
                else:
                    pid = existing[0]
                    self.store.db["sla_policies"].update(pid, row)
                self.store.audit(
                    actor,
                    "sla_policy.save",
                    "sla_policy",
                    pid,
                    None,
                    {k: row[k] for k in ("name", "clock", "position")},
                )
                ids.append(pid)
            self._policies = None
            self.recompute_all(actor)
        return ids

    def load_file(self, actor: Actor, path: str | Path, *, replace: bool = False) -> list[int]:
        return self.save_policies(actor, self.read_file(path), replace=replace)

    def policies(self) -> list[SlaPolicy]:
        """The active policies in position order (cached until the table changes)."""
        signature = self.store.db.execute(
            "SELECT count(*), COALESCE(max(updated_at), 0), COALESCE(sum(id * (position + 3) * (active + 1)), 0), "
            # team calendars are cached with the policies: a changed calendar must be noticed too
            "(SELECT group_concat(id || timezone || calendar, '|') FROM teams) FROM sla_policies"
        ).fetchone()
        if self._policies is None or signature != self._signature:
            vocab = self._vocab()
            out = []
            for row in self.store.db.query(
                "SELECT * FROM sla_policies WHERE active = 1 ORDER BY position, id"
            ):
                raw = {k: v for k, v in dict(row).items() if k not in ("created_at", "updated_at", "team_id")}
                if row["team_id"] is not None:
                    team = self.store.db.execute(
                        "SELECT name FROM teams WHERE id = ?", [row["team_id"]]
                    ).fetchone()
                    raw["team"] = team[0] if team else None
                raw["active"] = bool(raw["active"])
                out.append(parse_policy(raw, "policy in desk", vocab))
            self._policies, self._signature = out, signature
            self._vocabulary = vocab
            self._keywords = KeywordIndex.for_conditions([p.conditions for p in out], vocab)
            self._calendars.clear()
        return self._policies

    def policy_for(self, ticket: Mapping[str, Any]) -> SlaPolicy | None:
        policies = self.policies()
        facts = Facts(self.store.db, ticket, self.store.now())
        for policy in policies:
            if evaluate(policy.conditions, facts, self._vocabulary, self._keywords):
                return policy
        return None

    def clock_for(self, policy: SlaPolicy, ticket: Mapping[str, Any]) -> BusinessCalendar | WallClock:
        """The policy's clock: 24/7 for wall and marketplace clocks; else the calendar of the policy's team,
        else of the ticket's team, else the desk's ``sla_calendar`` setting (default Mon-Fri 9-17 UTC)."""
        if policy.clock != "business":
            return WallClock()
        team_id = None
        if policy.team is not None:
            row = self.store.db.execute("SELECT id FROM teams WHERE name = ?", [policy.team]).fetchone()
            team_id = row[0] if row else None
        if team_id is None:
            team_id = ticket.get("team_id")
        if team_id not in self._calendars:
            self._calendars[team_id] = self._calendar(team_id)
        return self._calendars[team_id]

    def _calendar(self, team_id: int | None) -> BusinessCalendar:
        if team_id is not None:
            row = self.store.db.execute(
                "SELECT name, timezone, calendar FROM teams WHERE id = ?", [team_id]
            ).fetchone()
            if row is not None:
                try:
                    return BusinessCalendar.from_config(
                        orjson.loads(row[2] or "{}"), row[1], f"team {row[0]!r} calendar"
                    )
                except RuleError as exc:
                    # A broken team calendar must not stop buyer messages from being stored: count on the
                    # desk's calendar and say so (``crossdesk sla calendars`` lists every problem).
                    log.warning("%s; using the desk calendar instead", exc)
        setting = self.store.get_setting("sla_calendar", None) or {}
        return BusinessCalendar.from_config(setting, setting.get("timezone", "UTC"), "sla_calendar setting")

    def check_calendars(self, actor: Actor) -> list[str]:
        """Problems of every team calendar and of the desk's ``sla_calendar`` setting, one line each."""
        self.store.require(actor, "view")
        problems = []
        for name, tz, raw in self.store.db.execute(
            "SELECT name, timezone, calendar FROM teams ORDER BY name"
        ).fetchall():
            try:
                BusinessCalendar.from_config(orjson.loads(raw or "{}"), tz, f"team {name!r} calendar")
            except RuleError as exc:
                problems.append(str(exc))
        setting = self.store.get_setting("sla_calendar", None) or {}
        try:
            BusinessCalendar.from_config(setting, setting.get("timezone", "UTC"), "sla_calendar setting")
        except RuleError as exc:
            problems.append(str(exc))
        return problems

    # ---- clocks ------------------------------------------------------------------------------------

    def recompute(self, ticket_id: int) -> dict[str, Any]:
        """Reconcile a ticket's pause state and deadlines with its facts; returns the fields written.

        Called by the pipeline inside the transaction of the change; needs no actor (it derives, it does
        not decide)."""
        if not self.policies():
            # No policy, so no clock: a ticket that has none to stop (no deadline, no policy, no pause)
            # stays as it is. Said without reading the whole row: this runs on every ticket event.
            found = self.store.db.execute(
                f"SELECT {CLOCK_STATE} FROM tickets WHERE id = ?", [ticket_id]
            ).fetchone()
            if found is None or all(value is None for value in found):
                return {}
        ticket = self._row(ticket_id)
        if ticket is None:
            return {}
        now = self.store.now()
        policy = self.policy_for(ticket)
        patch: dict[str, Any] = {"sla_policy_id": policy.id if policy else None}
        clock = self.clock_for(policy, ticket) if policy else None
        # Pause accounting first: the resolution deadline depends on it.
        paused_now = ticket["status"] in PAUSED and policy is not None and policy.pausable
        paused_at = ticket["sla_paused_at"]
        paused_seconds = ticket["sla_paused_seconds"]
        if paused_now and paused_at is None:
            patch["sla_paused_at"] = paused_at = now
            self.store.db.execute(
                "INSERT INTO sla_pauses (ticket_id, started_at, seconds) VALUES (?, ?, 0)", [ticket_id, now]
            )
        elif not paused_now and paused_at is not None:
            seconds = clock.elapsed(paused_at, now) if clock is not None and policy.pausable else 0  # type: ignore[union-attr]
            paused_seconds += seconds
            patch["sla_paused_at"] = paused_at = None
            patch["sla_paused_seconds"] = paused_seconds
            self.store.db.execute(
                "UPDATE sla_pauses SET ended_at = ?, seconds = ? WHERE ticket_id = ? AND ended_at IS NULL",
                [now, seconds, ticket_id],
            )
        dues: dict[str, int | None] = dict.fromkeys(TARGETS)
        if policy is not None and clock is not None and ticket["status"] not in CLOSED:
            level = ticket["priority_level"] or "normal"
            first = policy.target(level, "first_reply")
            if first and ticket["first_replied_at"] is None:
                dues["first_reply"] = clock.add(ticket["created_at"], first)
            nxt = policy.target(level, "next_reply")
            buyer, agent = ticket["last_customer_msg_at"], ticket["last_agent_msg_at"]
            if (
                nxt
                and ticket["first_replied_at"] is not None
                and buyer is not None
                and (agent is None or buyer > agent)
            ):
                dues["next_reply"] = clock.add(buyer, nxt)
            resolution = policy.target(level, "resolution")
            if resolution and paused_at is None:
                extra = paused_seconds if policy.pausable else 0
                dues["resolution"] = clock.add(ticket["created_at"], resolution + extra)
        for which in TARGETS:
            patch[f"{which}_due"] = dues[which]
        present = [d for d in dues.values() if d is not None]
        patch["sla_due"] = min(present) if present else None
        changed = {k: v for k, v in patch.items() if ticket[k] != v}
        if changed:
            # Raw SQL: this runs on every event, and sqlite-utils' update() introspects the table each call.
            sets = ", ".join(f"{k} = ?" for k in changed)
            self.store.db.execute(f"UPDATE tickets SET {sets} WHERE id = ?", [*changed.values(), ticket_id])
        return changed

    def recompute_all(self, actor: Actor, progress: Callable[[str, int, int], None] | None = None) -> int:
        """Recompute every open ticket (after policies or calendars change, or after a bulk import).
        Returns how many tickets changed; ``progress(phase, done, total)`` hears of the writes.

        The same answers as :meth:`recompute` per ticket (a test holds them together), computed for the
        whole desk at once: policies are matched in SQL (one scan), deadlines with the calendars'
        vectorised ``add_many``, and only changed rows are written."""
        self.store.require(actor, "manage_rules")
        now = self.store.now()
        policies = self.policies()
        by_id = {p.id: p for p in policies}
        with self.store.tx():
            with BulkEvaluator(self.store.db, self._vocabulary, now, [p.conditions for p in policies]) as bulk:
                cases, params = [], []
                for policy in policies:
                    where, ps = bulk.where(policy.conditions)
                    cases.append(f"WHEN {where} THEN {int(policy.id)}")  # type: ignore[arg-type]
                    params.extend(ps)
                pid_sql = f"CASE {' '.join(cases)} END" if cases else "NULL"
                rows = self.store.db.execute(
                    f"SELECT {', '.join('t.' + c for c in _BULK_COLUMNS)}, {pid_sql} FROM tickets t WHERE t.status < ?",
                    [*params, int(TicketStatus.SOLVED)],
                ).fetchall()
            if not rows:
                return 0
            cols = {
                name: _nullable([r[k] for r in rows]) for k, name in enumerate((*_BULK_COLUMNS, "new_policy"))
            }
            ids = cols["id"][0]
            status = cols["status"][0]
            levels = np.array([r[2] or "normal" for r in rows], dtype=object)
            new_pid, no_pid = cols["new_policy"]
            paused_at, paused_null = cols["sla_paused_at"]
            paused_at, paused_null = paused_at.copy(), paused_null.copy()
            paused_seconds = cols["sla_paused_seconds"][0].copy()
            dues = {t: np.full(len(rows), -1, dtype=np.int64) for t in TARGETS}
            pause_starts: list[tuple[int, int]] = []
            pause_ends: list[tuple[int, int, int]] = []
            # Tickets no policy covers: a pause still open ends, counting nothing.
            orphan = no_pid & ~paused_null
            pause_ends.extend((now, 0, int(t)) for t in ids[orphan])
            paused_at[orphan], paused_null[orphan] = 0, True
            for pid in np.unique(new_pid[~no_pid]):
                policy = by_id[int(pid)]
                in_policy = ~no_pid & (new_pid == pid)
                team_ids = cols["team_id"]
                for team in _groups(policy, in_policy, team_ids):
                    group = (
                        in_policy
                        if team is _ALL
                        else in_policy
                        & (team_ids[1] if team is None else (~team_ids[1] & (team_ids[0] == team)))
                    )
                    if not group.any():
                        continue
                    clock = self.clock_for(policy, {"team_id": None if team is _ALL else team})
                    self._bulk_group(
                        policy,
                        clock,
                        group,
                        now,
                        cols,
                        levels,
                        status,
                        ids,
                        paused_at,
                        paused_null,
                        paused_seconds,
                        dues,
                        pause_starts,
                        pause_ends,
                    )
            present = [np.where(dues[t] >= 0, dues[t], np.iinfo(np.int64).max) for t in TARGETS]
            nearest = np.minimum.reduce(present)
            sla_due = np.where(nearest == np.iinfo(np.int64).max, -1, nearest)
            new_values = {
                "sla_policy_id": np.where(no_pid, -1, new_pid),
                "sla_paused_at": np.where(paused_null, -1, paused_at),
                "sla_paused_seconds": paused_seconds,
                **{f"{t}_due": dues[t] for t in TARGETS},
                "sla_due": sla_due,
            }
            changed = np.zeros(len(rows), dtype=bool)
            for name, new in new_values.items():
                old, old_null = cols[name]
                changed |= np.where(old_null, -1, old) != new
            idx = np.flatnonzero(changed)
            if pause_starts:
                self.store.db.conn.executemany(
                    "INSERT INTO sla_pauses (ticket_id, started_at, seconds) VALUES (?, ?, 0)", pause_starts
                )
            if pause_ends:
                self.store.db.conn.executemany(
                    "UPDATE sla_pauses SET ended_at = ?, seconds = ? WHERE ticket_id = ? AND ended_at IS NULL",
                    pause_ends,
                )
            names = list(new_values)
            sql = f"UPDATE tickets SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?"
            for start in range(0, len(idx), 50_000):
                part = idx[start : start + 50_000]
                values = [np.asarray(new_values[n][part]).tolist() for n in names]
                batch = [
                    [
                        *(
                            None if v < 0 and n != "sla_paused_seconds" else v
                            for n, v in zip(names, vals, strict=True)
                        ),
                        int(ids[k]),
                    ]
                    for vals, k in zip(zip(*values, strict=True), part, strict=True)
                ]
                self.store.db.conn.executemany(sql, batch)
                if progress:
                    progress("sla", start + len(part), len(idx))
        return len(idx)

    def _bulk_group(
        self,
        policy,
        clock,
        group,
        now,
        cols,
        levels,
        status,
        ids,
        paused_at,
        paused_null,
        paused_seconds,
        dues,
        pause_starts,
        pause_ends,
    ) -> None:  # type: ignore[no-untyped-def]
        """Pauses and deadlines for the tickets of one policy on one clock (see :meth:`recompute`)."""
        pausable_status = np.isin(status, PAUSED)
        paused_now = group & pausable_status & policy.pausable
        start = paused_now & paused_null
        pause_starts.extend((int(t), now) for t in ids[start])
        paused_at[start], paused_null[start] = now, False
        end = group & ~paused_now & ~paused_null
        if end.any():
            seconds = (
                clock.elapsed_many(paused_at[end], np.full(int(end.sum()), now))
                if policy.pausable
                else np.zeros(int(end.sum()), dtype=np.int64)
            )
            pause_ends.extend((now, int(sec), int(t)) for sec, t in zip(seconds, ids[end], strict=True))
            paused_seconds[end] += seconds
            paused_at[end], paused_null[end] = 0, True

        def targets(which: str) -> np.ndarray:
            out = np.zeros(len(levels), dtype=np.int64)
            for level in np.unique(levels[group]):
                out[group & (levels == level)] = policy.target(str(level), which) or 0
            return out

        created = cols["created_at"][0]
        first_t, next_t, res_t = targets("first_reply"), targets("next_reply"), targets("resolution")
        replied_null = cols["first_replied_at"][1]
        buyer, buyer_null = cols["last_customer_msg_at"]
        agent, agent_null = cols["last_agent_msg_at"]
        m = group & (first_t > 0) & replied_null
        if m.any():
            dues["first_reply"][m] = clock.add_many(created[m], first_t[m])
        m = group & (next_t > 0) & ~replied_null & ~buyer_null & (agent_null | (buyer > agent))
        if m.any():
            dues["next_reply"][m] = clock.add_many(buyer[m], next_t[m])
        m = group & (res_t > 0) & paused_null
        if m.any():
            extra = paused_seconds[m] if policy.pausable else 0
            dues["resolution"][m] = clock.add_many(created[m], res_t[m] + extra)

    def _row(self, ticket_id: int) -> dict[str, Any] | None:
        cursor = self.store.db.execute("SELECT * FROM tickets WHERE id = ?", [ticket_id])
        values = cursor.fetchone()
        return None if values is None else dict(zip([d[0] for d in cursor.description], values, strict=True))

    # ---- breaches ----------------------------------------------------------------------------------

    def check(self, actor: Actor, ticket_ids: Sequence[int] | None = None) -> SlaCheck:
        """Record and raise ``sla_near_breach`` / ``sla_breached`` events for deadlines that are near or
        past, once per ticket, target and deadline. Rules on those events run as each is raised.
        ``ticket_ids``: those open tickets only (``crossdesk automate`` chooses them, a slice at a time)."""
        self.store.require(actor, "manage_rules")
        now = self.store.now()
        policies = {p.id: p for p in self.policies()}
        horizon = now + max((p.warn_before for p in policies.values()), default=0)
        result = SlaCheck()
        which = "sla_due <= ?" if ticket_ids is None else f"id IN ({','.join('?' * len(ticket_ids))})"
        rows = self.store.db.execute(
            "SELECT id, sla_policy_id, first_reply_due, next_reply_due, resolution_due FROM tickets "
            f"WHERE status < ? AND sla_due IS NOT NULL AND {which} ORDER BY sla_due",
            [int(TicketStatus.SOLVED), *([horizon] if ticket_ids is None else ticket_ids)],
        ).fetchall()
        # A few hundred tickets per transaction: a first run over a large backlog raises many events, and
        # a commit per event would dominate; a failure rolls back only its batch.
        for start in range(0, len(rows), 500):
            with self.store.tx():
                for ticket_id, policy_id, *dues in rows[start : start + 500]:
                    self._check_ticket(actor, ticket_id, policies.get(policy_id), dues, now, result)
        return result

    def _check_ticket(
        self, actor: Actor, ticket_id: int, policy: SlaPolicy | None, dues: list, now: int, result: SlaCheck
    ) -> None:
        warn = policy.warn_before if policy else 0
        for which, due in zip(TARGETS, dues, strict=True):
            if due is None:
                continue
            kind = "breach" if due <= now else "near_breach" if due - now <= warn else None
            if kind is None:
                continue
            inserted = self.store.db.execute(
                "INSERT OR IGNORE INTO sla_events (ticket_id, kind, target, due, at) VALUES (?, ?, ?, ?, ?)",
                [ticket_id, kind, which, due, now],
            ).rowcount
            if not inserted:
                continue
            if kind == "breach":
                self.store.db.execute(
                    "UPDATE tickets SET sla_breached = sla_breached | ? WHERE id = ?",
                    [BREACH_BITS[which], ticket_id],
                )
                result.breaches.append((ticket_id, which))
            else:
                result.near_breaches.append((ticket_id, which))
            name = "sla_breached" if kind == "breach" else "sla_near_breach"
            self.store.emit(actor, name, "ticket", ticket_id, target=which, due=due)

    def status(self, actor: Actor, ticket_id: int) -> dict[str, Any]:
        """A ticket's SLA: policy, deadlines, pauses and events."""
        self.store.require(actor, "view")
        ticket = self._row(ticket_id)
        if ticket is None:
            raise NotFound(f"no ticket #{ticket_id}")
        policy = next((p for p in self.policies() if p.id == ticket["sla_policy_id"]), None)
        return {
            "policy": policy.name if policy else None,
            "clock": policy.clock if policy else None,
            **{f"{t}_due": ticket[f"{t}_due"] for t in TARGETS},
            "sla_due": ticket["sla_due"],
            "paused_since": ticket["sla_paused_at"],
            "paused_seconds": ticket["sla_paused_seconds"],
            "pauses": [
                dict(r)
                for r in self.store.db.query(
                    "SELECT * FROM sla_pauses WHERE ticket_id = ? ORDER BY id", [ticket_id]
                )
            ],
            "events": [
                dict(r)
                for r in self.store.db.query(
                    "SELECT * FROM sla_events WHERE ticket_id = ? ORDER BY id", [ticket_id]
                )
            ],
        }

    def on_event(self, actor: Actor, event: Event) -> None:
        """Pipeline step: recompute the ticket's deadlines after anything that moves them."""
        if event.object_type != "ticket" or event.object_id is None or event.name not in SLA_EVENTS:
            return
        if event.name == "ticket_updated":
            changes = event.data.get("changes") or {}
            # Deadline columns themselves are written here; anything else may move a deadline.
            if changes and set(changes) <= {
                "first_reply_due",
                "next_reply_due",
                "resolution_due",
                "sla_due",
                "priority",
            }:
                return
        self.recompute(int(event.object_id))
