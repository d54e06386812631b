"""The rule engine: runs a desk's rules on each event, inside the transaction of the change.

Semantics (docs/automation.md states them for users; tests/rules/test_semantics.py holds them):

- On an event, the active rules for that event run in position order (then id); each sees the changes of
  the rules before it.
- A *cascade* is everything one outside event sets off: the rules' actions raise events of their own
  (a tag added is a ``ticket_updated``), which run the rules again, one level deeper. Within a cascade
  each rule fires at most once per ticket: so a rule's own actions never re-trigger it, and two rules that
  undo each other (ping-pong) each fire once and stop.
- A cascade deeper than :data:`MAX_DEPTH` events is cut: the deeper event runs no rules, a ``capped`` row
  is written to the firing log and a warning is logged.
- ``once_per_ticket`` rules fire at most once per ticket, ever (the firing log is the memory).
- Each firing runs in its own savepoint: a failing action (a template missing a value, an after-sales
  service that is not installed) rolls back that rule's actions only, and the firing is logged as
  ``error`` with the reason. The buyer's message is never lost because a rule failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from crossdesk.conditions import Facts, KeywordIndex, RuleError, Vocabulary, evaluate
from crossdesk.errors import DeskError, PermissionDenied
from crossdesk.models import Actor, Event
from crossdesk.rules.model import RULE_EVENTS, ActionVocabulary, Rule, parse_rule
from crossdesk.store import Store

log = logging.getLogger("crossdesk.rules")

#: Deepest chain of rule-raised events one outside event may set off.
MAX_DEPTH = 10


@dataclass
class RuleSet:
    """The active rules of a desk, parsed once and cached until the rules table changes."""

    by_event: dict[str, list[Rule]]
    vocab: Vocabulary
    actions: ActionVocabulary
    keywords: KeywordIndex


@dataclass
class Cascade:
    """State of one outside event and everything its rules set off."""

    fired: set[tuple[int, int]] = field(default_factory=set)  # (rule id, ticket id)
    depth: int = 0
    capped: list[dict] = field(default_factory=list)


#: Runs one action of a rule on a ticket and says what it changed: ``run(actor, rule, ticket_id, action,
#: ruleset) -> dict`` (:class:`crossdesk.rules.actions.ActionRunner`).
ActionRun = Callable[[Actor, Rule, int, Mapping[str, Any], RuleSet], dict[str, Any]]


class RuleEngine:
    """The rules of one desk on its events: the parsed rule set (cached), and the cascade in progress."""

    def __init__(
        self,
        store: Store,
        vocabularies: Callable[[], tuple[Vocabulary, ActionVocabulary]],
        run_action: ActionRun,
    ) -> None:
        self.store = store
        self.vocabularies = vocabularies
        self.run_action = run_action
        self.cascade: Cascade | None = None
        self._ruleset: RuleSet | None = None
        self._signature: Any = None

    def invalidate(self) -> None:
        """Forget the cached rules (call after writing the rules table)."""
        self._ruleset = self._signature = None

    def ruleset(self) -> RuleSet:
        db = self.store.db
        signature = db.execute(
            "SELECT count(*), COALESCE(max(updated_at), 0), COALESCE(sum(id * (active + 1) * (position + 7)), 0) FROM rules"
        ).fetchone()
        if self._ruleset is not None and self._signature == signature:
            return self._ruleset
        try:
            vocab, actions = self.vocabularies()
        except RuleError as exc:
            # Two plugins claiming one name must not stop message intake: run with the built-in vocabulary
            # (rules needing the plugins' words are skipped, loudly, below).
            log.warning("rule vocabulary from plugins ignored: %s", exc)
            vocab, actions = Vocabulary(), ActionVocabulary()
        by_event: dict[str, list[Rule]] = {e: [] for e in RULE_EVENTS}
        for row in db.query("SELECT * FROM rules WHERE active = 1 ORDER BY position, id"):
            raw = dict(row)
            for key in ("created_at", "updated_at"):
                raw.pop(key, None)
            raw["active"] = bool(raw["active"])
            raw["once_per_ticket"] = bool(raw["once_per_ticket"])
            try:
                rule = parse_rule(raw, "rule in desk", vocab, actions)
            except RuleError as exc:
                # A rule stored by an older crossdesk or needing a plugin that is gone: skip it loudly rather
                # than stop every event on the desk.
                log.warning("skipping rule %r: %s", raw.get("name"), exc)
                continue
            by_event[rule.event].append(rule)
        keywords = KeywordIndex.for_conditions([r.conditions for rs in by_event.values() for r in rs], vocab)
        self._ruleset = RuleSet(by_event, vocab, actions, keywords)
        self._signature = signature
        return self._ruleset

    def on_event(self, actor: Actor, event: Event) -> None:
        """Pipeline step: run the rules that answer ``event`` on its ticket."""
        if event.name not in RULE_EVENTS or event.object_type != "ticket" or event.object_id is None:
            return
        ruleset = self.ruleset()
        rules = ruleset.by_event.get(event.name) or []
        cascade = self.cascade
        if cascade is None:
            if not rules:
                return
            self.cascade = Cascade()
            try:
                self.run_rules(event, rules, ruleset, self.cascade)
            finally:
                self.cascade = None
            return
        if cascade.depth > MAX_DEPTH:
            self._log_capped(event, cascade)
            return
        if rules:
            self.run_rules(event, rules, ruleset, cascade)

    def run_rules(self, event: Event, rules: list[Rule], ruleset: RuleSet, cascade: Cascade) -> list[str]:
        """Run ``rules`` in order on the event's ticket; returns the names of those that fired."""
        ticket_id = int(event.object_id)  # type: ignore[arg-type]
        fired = []
        facts: Facts | None = None  # what is known of the ticket, reloaded only after a rule changed it
        for rule in rules:
            if (rule.id, ticket_id) in cascade.fired:
                continue
            if rule.once_per_ticket and self.fired_before(rule, ticket_id):
                continue
            if facts is None:
                ticket = self.ticket(ticket_id)
                if ticket is None:  # deleted by an earlier rule's plugin action
                    break
                facts = Facts(self.store.db, ticket, self.store.now(), event)
            if not evaluate(rule.conditions, facts, ruleset.vocab, ruleset.keywords):
                continue
            self.fire(rule, ticket_id, event, ruleset, cascade)
            fired.append(rule.name)
            facts = None
        return fired

    def fire(self, rule: Rule, ticket_id: int, event: Event, ruleset: RuleSet, cascade: Cascade) -> str:
        """Run a rule's actions on a ticket in a savepoint and log the firing. Returns the outcome."""
        store = self.store
        cascade.fired.add((rule.id, ticket_id))  # type: ignore[arg-type]
        actor = Actor.system(f"rule:{rule.name}")
        depth = cascade.depth
        changes: list[dict] = []
        outcome = "fired"
        # The log row goes in first, so firings read in the order rules started (a chained rule after the
        # rule whose action set it off); its outcome and changes are filled in once the actions have run.
        # Raw SQL on this hot path: sqlite-utils' table helpers introspect the schema on every call.
        firing_id = store.db.execute(
            "INSERT INTO rule_firings (rule_id, rule_name, ticket_id, event, depth, outcome, changes, at) "
            "VALUES (?, ?, ?, ?, ?, 'fired', '[]', ?)",
            [rule.id, rule.name, ticket_id, event.name, depth, store.now()],
        ).lastrowid
        cascade.depth = depth + 1
        current = ""
        try:
            with store.tx():
                for action in rule.actions:
                    current = action["action"]
                    changes.append(self.run_action(actor, rule, ticket_id, action, ruleset))
        except (DeskError, PermissionDenied, RuleError, ValueError, KeyError) as exc:
            outcome = "error"
            # The savepoint undid every action of this firing, so the log says so rather than listing them.
            changes = [{"action": current, "error": str(exc), "rolled_back": True}]
            log.warning("rule %r failed on ticket #%s: %s", rule.name, ticket_id, exc)
        except Exception as exc:
            # A bug in a plugin action (or in ours) must not cost the buyer's message: same handling, with the
            # traceback in the log.
            outcome = "error"
            changes = [{"action": current, "error": f"{type(exc).__name__}: {exc}", "rolled_back": True}]
            log.exception("rule %r crashed on ticket #%s", rule.name, ticket_id)
        finally:
            cascade.depth = depth
        store.db.execute(
            "UPDATE rule_firings SET outcome = ?, changes = ? WHERE id = ?",
            [outcome, orjson.dumps(changes).decode(), firing_id],
        )
        return outcome

    def _log_capped(self, event: Event, cascade: Cascade) -> None:
        entry = {"event": event.name, "ticket_id": event.object_id, "depth": cascade.depth}
        cascade.capped.append(entry)
        log.warning(
            "rule chain on ticket #%s cut at depth %d (event %s): rules keep triggering each other",
            event.object_id,
            cascade.depth,
            event.name,
        )
        self.store.db.execute(
            "INSERT INTO rule_firings (rule_id, rule_name, ticket_id, event, depth, outcome, changes, at) "
            "VALUES (NULL, '(chain limit)', ?, ?, ?, 'capped', ?, ?)",
            [
                event.object_id,
                event.name,
                cascade.depth,
                orjson.dumps([{"error": f"chained firing stopped at depth {MAX_DEPTH}"}]).decode(),
                self.store.now(),
            ],
        )

    def fired_before(self, rule: Rule, ticket_id: int) -> bool:
        return (
            self.store.db.execute(
                "SELECT 1 FROM rule_firings WHERE rule_id = ? AND ticket_id = ? AND outcome = 'fired' LIMIT 1",
                [rule.id, ticket_id],
            ).fetchone()
            is not None
        )

    def ticket(self, ticket_id: int) -> dict | None:
        return self.store.row("SELECT * FROM tickets WHERE id = ?", [ticket_id])

    def fire_time_rule(self, rule: Rule, ticket_id: int, ruleset: RuleSet) -> str:
        """Fire a time rule on one ticket as the root of its own cascade (``crossdesk automate``)."""
        event = Event(
            name="time", object_type="ticket", object_id=ticket_id, actor="automate", at=self.store.now()
        )
        outer = self.cascade
        self.cascade = Cascade()
        try:
            return self.fire(rule, ticket_id, event, ruleset, self.cascade)
        finally:
            self.cascade = outer
