"""``desk.rules``: storing, loading, listing, dry-running and linting automation rules; time rules."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from crossdesk.aftersales import CaseService
from crossdesk.conditions import (
    CHANGE_OPS,
    BulkEvaluator,
    Facts,
    RuleError,
    Vocabulary,
    evaluate,
    fold,
)
from crossdesk.models import Actor, Event, TicketStatus
from crossdesk.rules.actions import ActionRunner
from crossdesk.rules.analysis import clashing_actions, contradiction, disjoint, platforms_of
from crossdesk.rules.engine import RuleEngine, RuleSet
from crossdesk.rules.model import (
    ActionVocabulary,
    Rule,
    load_rules_file,
    parse_rule,
)
from crossdesk.store import Store
from crossdesk.templates import TemplateService
from crossdesk.tickets import TicketService


@dataclass
class DryRun:
    """What one rule would do on the desk as it is now."""

    rule: str
    event: str
    count: int
    sample: list[dict[str, Any]]
    approximate: bool = False  # uses changed* operators, which a dry run can only bound from above
    seconds: float = 0.0


@dataclass
class LintIssue:
    kind: str  # conflict, never_fires, auto_reply
    rule: str
    message: str
    other: str = ""
    overlap: int | None = None  # tickets on the desk that meet both rules' conditions now

    def __str__(self) -> str:
        return f"{self.kind}: {self.rule}: {self.message}"


#: The events of a message arriving, which :meth:`RuleService.replay` runs the rules on after an import.
_ARRIVALS = ("ticket_created", "message_received")


@dataclass
class TimeRun:
    """What one pass of the time rules did."""

    fired: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    rearmed: int = 0
    left: int = 0  # firings not tried because ``stop`` said so: due again next run


class RuleService:
    """Automation rules of a desk. Reading needs ``view``; writing needs ``manage_rules``."""

    def __init__(
        self,
        store: Store,
        tickets: TicketService,
        templates: TemplateService,
        cases: CaseService,
        *,
        plugin_desk: Any,
    ) -> None:
        """``plugin_desk`` is what plugin actions and conditions receive as their ``desk`` argument (the
        :class:`~crossdesk.api.Desk` facade); this service itself uses only the services it is given."""
        self.store = store
        self.templates = templates
        self.plugin_desk = plugin_desk
        self.engine = RuleEngine(
            store, self.vocabulary, ActionRunner(store, tickets, templates, cases, plugin_desk)
        )
        self._held: list[Event] | None = None
        self._keep = True

    def on_event(self, actor: Actor, event: Event) -> None:
        """Pipeline step: run the rules that answer ``event`` (see :mod:`crossdesk.rules.engine`); while
        :meth:`held`, no rule runs and the arrivals are kept for :meth:`replay`."""
        if self._held is not None:
            if (
                self._keep
                and event.name in _ARRIVALS
                and event.object_type == "ticket"
                and event.object_id is not None
            ):
                self._held.append(event)
            return
        self.engine.on_event(actor, event)

    @contextmanager
    def held(self, *, keep: bool = True) -> Iterator[list[Event]]:
        """No rule runs on the events raised meanwhile: history coming in (an import) is not a buyer
        writing now. With ``keep`` the ``ticket_created`` and ``message_received`` events are collected in
        the list yielded, for :meth:`replay` should the operator ask for the rules (an import of a million
        tickets raises millions: without ``keep`` none is kept)."""
        outer = self._held, self._keep
        self._held, self._keep = [], keep
        try:
            yield self._held
        finally:
            self._held, self._keep = outer

    def replay(self, actor: Actor, events: Sequence[Event]) -> int:
        """Run the rules on ``events`` held during an import, in order, each in its own transaction;
        never on a ticket solved or closed by then (the file's own state of it). Returns the events run."""
        done = 0
        closed = (int(TicketStatus.SOLVED), int(TicketStatus.CLOSED))
        seen: set[tuple[str, Any, Any]] = set()
        for event in events:
            # A batch rolled back and applied again line by line raised its events twice: once each.
            key = (event.name, event.object_id, event.data.get("message_id"))
            if key in seen:
                continue
            seen.add(key)
            with self.store.tx():
                row = self.store.db.execute(
                    "SELECT t.status FROM messages m JOIN tickets t ON t.id = m.ticket_id "
                    "WHERE m.id = ? AND t.id = ?",
                    [event.data.get("message_id"), event.object_id],
                ).fetchone()
                if row is None or row[0] in closed:
                    continue
                self.engine.on_event(actor, event)
                done += 1
        return done

    # ---- vocabulary ------------------------------------------------------------------------------

    def vocabulary(self) -> tuple[Vocabulary, ActionVocabulary]:
        pm = self.store.pm
        return Vocabulary.from_plugins(pm, self.plugin_desk), ActionVocabulary.from_plugins(pm)

    def parse(self, raw: Mapping[str, Any]) -> Rule:
        vocab, actions = self.vocabulary()
        return parse_rule(raw, "rule", vocab, actions)

    def read_file(self, path: str | Path) -> list[Rule]:
        """Validate the rules of a TOML or JSON file against this desk's vocabulary (plugins included)."""
        vocab, actions = self.vocabulary()
        return load_rules_file(path, vocab, actions)

    # ---- storage -----------------------------------------------------------------------------------

    def save(
        self, actor: Actor, rules: Sequence[Rule | Mapping[str, Any]], *, replace: bool = False
    ) -> list[int]:
        """Insert or update rules by name. ``replace`` deletes the desk's other rules (a file is the truth).
        Returns the rule ids in the order given."""
        self.store.require(actor, "manage_rules")
        vocab, actions = self.vocabulary()
        parsed = [
            r if isinstance(r, Rule) else parse_rule(r, "rule", vocab, actions, default_position=(i + 1) * 10)
            for i, r in enumerate(rules)
        ]
        names = [r.name for r in parsed]
        if len(set(names)) != len(names):
            raise RuleError("two rules share a name")
        now = self.store.now()
        ids = []
        with self.store.tx():
            if replace:
                gone = [
                    r[0]
                    for r in self.store.db.execute(
                        f"SELECT name FROM rules WHERE name NOT IN ({','.join('?' * len(names))})", names
                    )
                ]
                for name in gone:
                    self.store.db.execute("DELETE FROM rules WHERE name = ?", [name])
                    self.store.audit(actor, "rule.delete", "rule", None, {"name": name}, None)
            for rule in parsed:
                row = rule.as_row()
                existing = self.store.db.execute("SELECT * FROM rules WHERE name = ?", [rule.name]).fetchone()
                if existing is None:
                    row["created_at"] = row["updated_at"] = now
                    rule_id = self.store.db["rules"].insert(row).last_pk
                    self.store.audit(actor, "rule.create", "rule", rule_id, None, rule.as_dict())
                else:
                    rule_id = existing[0]
                    before = dict(self.store.db["rules"].get(rule_id))
                    if any(before[k] != v for k, v in row.items()):
                        row["updated_at"] = now
                        self.store.db["rules"].update(rule_id, row)
                        self.store.audit(
                            actor, "rule.update", "rule", rule_id, {k: before[k] for k in row}, rule.as_dict()
                        )
                ids.append(rule_id)
        self.engine.invalidate()
        return ids

    def load_file(self, actor: Actor, path: str | Path, *, replace: bool = False) -> list[int]:
        """Validate a rules file and store its rules (all or nothing)."""
        return self.save(actor, self.read_file(path), replace=replace)

    def list(self, actor: Actor, *, event: str | None = None) -> list[Rule]:
        self.store.require(actor, "view")
        vocab, actions = self.vocabulary()
        sql = "SELECT * FROM rules" + (" WHERE event = ?" if event else "") + " ORDER BY position, id"
        out = []
        for row in self.store.db.query(sql, [event] if event else []):
            raw = {k: v for k, v in dict(row).items() if k not in ("created_at", "updated_at")}
            raw["active"], raw["once_per_ticket"] = bool(raw["active"]), bool(raw["once_per_ticket"])
            out.append(parse_rule(raw, "rule in desk", vocab, actions))
        return out

    def set_active(self, actor: Actor, name: str, active: bool) -> None:
        self.store.require(actor, "manage_rules")
        with self.store.tx():
            row = self.store.db.execute("SELECT id, active FROM rules WHERE name = ?", [name]).fetchone()
            if row is None:
                raise RuleError(f"no rule named {name!r}")
            if bool(row[1]) != active:
                self.store.db["rules"].update(row[0], {"active": int(active), "updated_at": self.store.now()})
                self.store.audit(
                    actor, "rule.update", "rule", row[0], {"active": bool(row[1])}, {"active": active}
                )
        self.engine.invalidate()

    def delete(self, actor: Actor, name: str) -> None:
        self.store.require(actor, "manage_rules")
        with self.store.tx():
            row = self.store.db.execute("SELECT id FROM rules WHERE name = ?", [name]).fetchone()
            if row is None:
                raise RuleError(f"no rule named {name!r}")
            self.store.db.execute("DELETE FROM rules WHERE id = ?", [row[0]])
            self.store.audit(actor, "rule.delete", "rule", row[0], {"name": name}, None)
        self.engine.invalidate()

    # ---- the firing log ------------------------------------------------------------------------------

    def firings(
        self, actor: Actor, ticket_id: int | None = None, *, limit: int = 200
    ) -> list[dict[str, Any]]:
        """The firing log, newest first: rule, ticket, event, depth, outcome and the changes made."""
        self.store.require(actor, "view")
        sql = "SELECT * FROM rule_firings" + (" WHERE ticket_id = ?" if ticket_id is not None else "")
        rows = [
            dict(r)
            for r in self.store.db.query(
                sql + " ORDER BY id DESC LIMIT ?", ([ticket_id] if ticket_id is not None else []) + [limit]
            )
        ]
        for row in rows:
            row["changes"] = orjson.loads(row["changes"])
        return rows

    # ---- dry run -------------------------------------------------------------------------------------

    def dry_run(
        self,
        actor: Actor,
        rules: Sequence[Rule] | str | Path | None = None,
        *,
        sample: int = 5,
        open_only: bool = False,
    ) -> list[DryRun]:
        """How many tickets of the desk each rule's conditions select now, with a sample; changes nothing.

        ``rules`` is a list, a rules file, or None for the desk's own rules. Conditions are evaluated in
        bulk (SQL, plus one native keyword pass over all buyer messages). ``once_per_ticket`` rules leave out
        tickets they already fired on (matched by rule name).
        """
        self.store.require(actor, "view")
        if rules is None:
            rules = self.list(actor)
        elif isinstance(rules, str | Path):
            rules = self.read_file(rules)
        vocab, _ = self.vocabulary()
        out = []
        with BulkEvaluator(self.store.db, vocab, self.store.now(), [r.conditions for r in rules]) as bulk:
            clauses: list[tuple[str, list[Any]]] = []
            for rule in rules:
                where, params = bulk.where(rule.conditions)
                if open_only:
                    where = f"({where}) AND t.status < {int(TicketStatus.SOLVED)}"
                if rule.once_per_ticket:
                    where = (
                        f"({where}) AND NOT EXISTS (SELECT 1 FROM rule_firings f WHERE f.rule_name = ? "
                        "AND f.ticket_id = t.id AND f.outcome = 'fired')"
                    )
                    params = [*params, rule.name]
                clauses.append((where, params))
            # One scan of the tickets counts for every rule at once (each clause is 0 or 1 per ticket).
            counts: list[int] = []
            for start in range(0, len(clauses), 50):  # keep each statement well under SQLite's limits
                batch = clauses[start : start + 50]
                sql = "SELECT " + ", ".join(f"COALESCE(sum({w}), 0)" for w, _ in batch) + " FROM tickets t"
                row = self.store.db.execute(sql, [p for _, ps in batch for p in ps]).fetchone()
                counts.extend(int(x) for x in row)
            for rule, (where, params), count in zip(rules, clauses, counts, strict=True):
                started = time.perf_counter()
                rows = (
                    [
                        dict(r)
                        for r in self.store.db.query(
                            f"SELECT t.id, t.platform, t.language, t.status, t.subject FROM tickets t "
                            f"WHERE {where} ORDER BY t.id LIMIT ?",
                            [*params, sample],
                        )
                    ]
                    if count and sample
                    else []
                )
                out.append(
                    DryRun(
                        rule=rule.name,
                        event=rule.event,
                        count=count,
                        sample=rows,
                        approximate=any(c.op in CHANGE_OPS for c in rule.conditions),
                        seconds=time.perf_counter() - started,
                    )
                )
        return out

    # ---- lint ------------------------------------------------------------------------------------------

    def lint(self, actor: Actor, rules: Sequence[Rule] | str | Path | None = None) -> list[LintIssue]:
        """Conflicts (two rules setting one field to different values on overlapping conditions), rules that
        can never fire, and auto-replies whose template the platform lint flags."""
        self.store.require(actor, "view")
        if rules is None:
            rules = [r for r in self.list(actor) if r.active]
        elif isinstance(rules, str | Path):
            rules = [r for r in self.read_file(rules) if r.active]
        issues: list[LintIssue] = []
        for rule in rules:
            issues.extend(self._never_fires(rule))
        issues.extend(self._conflicts(rules))
        issues.extend(self._auto_replies(rules))
        return issues

    def _never_fires(self, rule: Rule) -> list[LintIssue]:
        found = []
        why = contradiction(rule.conditions.all)
        if why:
            found.append(LintIssue("never_fires", rule.name, why))
        if rule.event != "ticket_updated":
            if any(c.op in CHANGE_OPS for c in rule.conditions.all):
                found.append(
                    LintIssue(
                        "never_fires",
                        rule.name,
                        f"'changed' conditions need event ticket_updated, not {rule.event}",
                    )
                )
            elif rule.conditions.any and all(c.op in CHANGE_OPS for c in rule.conditions.any):
                found.append(
                    LintIssue("never_fires", rule.name, "every 'any' condition needs event ticket_updated")
                )
        if rule.event == "ticket_created":
            for c in rule.conditions.all:
                if c.field == "status" and c.op == "is" and c.value != int(TicketStatus.NEW):
                    found.append(LintIssue("never_fires", rule.name, "a ticket is created with status new"))
        for c in rule.conditions.all:
            if c.field in {"assignee", "team"} and c.op in {"is", "in"}:
                table = "agents" if c.field == "assignee" else "teams"
                names = c.value if isinstance(c.value, list) else [c.value]
                known = {fold(r[0]) for r in self.store.db.execute(f"SELECT name FROM {table}")}
                if not any(fold(n) in known for n in names):
                    found.append(
                        LintIssue(
                            "never_fires", rule.name, f"no {c.field} named {', '.join(map(str, names))}"
                        )
                    )
        for action in rule.actions:
            kind = action["action"]
            if kind == "reply":
                exists = self.store.db.execute(
                    "SELECT 1 FROM templates WHERE name = ? AND active = 1", [action["template"]]
                ).fetchone()
                if not exists:
                    found.append(
                        LintIssue(
                            "never_fires", rule.name, f"reply template {action['template']!r} does not exist"
                        )
                    )
            elif kind in {"assign_team", "assign_agent"}:
                table, key = ("teams", "team") if kind == "assign_team" else ("agents", "agent")
                if not self.store.db.execute(
                    f"SELECT 1 FROM {table} WHERE name = ?", [action[key]]
                ).fetchone():
                    found.append(
                        LintIssue("never_fires", rule.name, f"{kind}: no {key} named {action[key]!r}")
                    )
        return found

    def _conflicts(self, rules: Sequence[Rule]) -> list[LintIssue]:
        vocab, _ = self.vocabulary()
        issues = []
        pairs = []
        for i, a in enumerate(rules):
            for b in rules[i + 1 :]:
                if a.event != b.event:
                    continue
                first, second = sorted((a, b), key=lambda r: (r.position, r.id or 0))
                clashes = clashing_actions(first, second)
                if clashes and not disjoint(a.conditions.all, b.conditions.all):
                    pairs.append((a, b, clashes))
        if not pairs:
            return issues
        with BulkEvaluator(self.store.db, vocab, self.store.now(), [r.conditions for r in rules]) as bulk:
            for a, b, clashes in pairs:
                wa, pa = bulk.where(a.conditions)
                wb, pb = bulk.where(b.conditions)
                overlap = self.store.db.execute(
                    f"SELECT count(*) FROM tickets t WHERE ({wa}) AND ({wb})", [*pa, *pb]
                ).fetchone()[0]
                last = max((a, b), key=lambda r: (r.position, r.id or 0))
                issues.append(
                    LintIssue(
                        "conflict",
                        a.name,
                        f"{'; '.join(clashes)} as {b.name!r} does, on overlapping conditions "
                        f"({overlap} ticket(s) on this desk meet both now); {last.name!r} runs later and wins",
                        other=b.name,
                        overlap=overlap,
                    )
                )
        return issues

    def _auto_replies(self, rules: Sequence[Rule]) -> list[LintIssue]:
        issues = []
        for rule in rules:
            platforms = platforms_of(rule)
            for action in rule.actions:
                if action["action"] != "reply":
                    continue
                for problem in self.templates.lint_template(action["template"], platforms=platforms):
                    issues.append(
                        LintIssue("auto_reply", rule.name, f"template {action['template']!r}: {problem}")
                    )
        return issues

    # ---- time rules -------------------------------------------------------------------------------------

    def run_time_rules(self, actor: Actor, *, stop: Callable[[], bool] | None = None) -> TimeRun:
        """Fire every active ``time`` rule on the tickets that meet its conditions now, once per condition
        window: a rule that fired on a ticket fires again only after its conditions stopped holding and hold
        again. Safe to run as often as you like (cron, a systemd timer). ``stop()`` is asked before each
        group of firings; once it says yes the rest is counted in ``left`` and fires on a later run (a
        window opens only when its rule fired)."""
        self.store.require(actor, "manage_rules")
        ruleset = self.engine.ruleset()
        result = TimeRun()
        now = self.store.now()
        time_rules = ruleset.by_event.get("time", [])
        if not time_rules:
            return result
        # One evaluator for every time rule: buyer messages (keywords, intents) are read once. Ticket
        # columns are read live by each rule's query, so a rule sees what the rules before it changed.
        with BulkEvaluator(self.store.db, ruleset.vocab, now, [r.conditions for r in time_rules]) as bulk:
            for rule in time_rules:
                bulk.forget_plugin_values()
                matching = set(bulk.ticket_ids(rule.conditions))
                armed = {
                    r[0]
                    for r in self.store.db.execute(
                        "SELECT ticket_id FROM rule_windows WHERE rule_id = ?", [rule.id]
                    )
                }
                closed = armed - matching
                with self.store.tx():
                    self.store.db.conn.executemany(
                        "DELETE FROM rule_windows WHERE rule_id = ? AND ticket_id = ?",
                        [(rule.id, t) for t in closed],
                    )
                result.rearmed += len(closed)
                due = sorted(matching - armed)
                # Firings are grouped a few hundred to a transaction (each still has its own savepoint): a
                # commit per firing would dominate a first run over a large backlog.
                for start in range(0, len(due), 200):
                    if stop is not None and stop():
                        result.left += len(due) - start
                        break
                    with self.store.tx():
                        for ticket_id in due[start : start + 200]:
                            outcome = self._fire_time_rule(rule, ticket_id, ruleset, now)
                            if outcome is not None:
                                bucket = result.fired if outcome == "fired" else result.errors
                                bucket[rule.name] = bucket.get(rule.name, 0) + 1
        return result

    def _fire_time_rule(self, rule: Rule, ticket_id: int, ruleset: RuleSet, now: int) -> str | None:
        if rule.once_per_ticket and self.engine.fired_before(rule, ticket_id):
            return None
        # Checked again on the ticket as it is now: a firing before this one may have changed it since the
        # bulk query ran.
        ticket = self.engine.ticket(ticket_id)
        if ticket is None or not evaluate(
            rule.conditions, Facts(self.store.db, ticket, now), ruleset.vocab, ruleset.keywords
        ):
            return None
        outcome = self.engine.fire_time_rule(rule, ticket_id, ruleset)
        self.store.db.execute(
            "INSERT OR IGNORE INTO rule_windows (rule_id, ticket_id, opened_at) VALUES (?, ?, ?)",
            [rule.id, ticket_id, now],
        )
        return outcome
