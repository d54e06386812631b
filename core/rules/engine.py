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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from crossdesk.models import Actor, Event
from crossdesk.permissions import PermissionDenied
from crossdesk.rules.conditions import Facts, KeywordIndex, RuleError, Vocabulary, evaluate
from crossdesk.rules.model import RULE_EVENTS, ActionVocabulary, Rule, parse_rule

if TYPE_CHECKING:
    from crossdesk.api.desk import Desk

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


def _state(desk: Desk) -> dict[str, Any]:
    state = desk.__dict__.get("_rules_engine")
    if state is None:
        state = desk.__dict__["_rules_engine"] = {"cascade": None, "ruleset": None, "signature": None}
    return state


def invalidate(desk: Desk) -> None:
    """Forget the cached rules of ``desk`` (call after writing the rules table)."""
    state = _state(desk)
    state["ruleset"] = state["signature"] = None


def load_ruleset(desk: Desk) -> RuleSet:
    state = _state(desk)
    signature = desk.db.execute(
        "SELECT count(*), COALESCE(max(updated_at), 0), COALESCE(sum(id * (active + 1) * (position + 7)), 0) FROM rules"
    ).fetchone()
    if state["ruleset"] is not None and state["signature"] == signature:
        return state["ruleset"]
    try:
        vocab = Vocabulary.for_desk(desk)
        actions = ActionVocabulary.for_desk(desk)
    except RuleError as exc:
        # Two plugins claiming one name must not stop message intake: run with the built-in vocabulary
        # (rules needing the plugins' words are skipped, loudly, below).
        log.warning("rule vocabulary from plugins ignored: %s", exc)
        vocab, actions = Vocabulary(), ActionVocabulary()
    by_event: dict[str, list[Rule]] = {e: [] for e in RULE_EVENTS}
    for row in desk.db.query("SELECT * FROM rules WHERE active = 1 ORDER BY position, id"):
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
    ruleset = RuleSet(by_event, vocab, actions, keywords)
    state["ruleset"], state["signature"] = ruleset, signature
    return ruleset


def on_event(desk: Desk, actor: Actor, event: Event) -> None:
    """Pipeline step: run the rules that answer ``event`` on its ticket."""
    if event.name not in RULE_EVENTS or event.object_type != "ticket" or event.object_id is None:
        return
    ruleset = load_ruleset(desk)
    rules = ruleset.by_event.get(event.name) or []
    state = _state(desk)
    cascade: Cascade | None = state["cascade"]
    if cascade is None:
        if not rules:
            return
        state["cascade"] = Cascade()
        try:
            run_rules(desk, event, rules, ruleset, state["cascade"])
        finally:
            state["cascade"] = None
        return
    if cascade.depth > MAX_DEPTH:
        _log_capped(desk, event, cascade)
        return
    if rules:
        run_rules(desk, event, rules, ruleset, cascade)


def run_rules(desk: Desk, event: Event, rules: list[Rule], ruleset: RuleSet, cascade: Cascade) -> list[str]:
    """Run ``rules`` in order on the event's ticket; returns the names of those that fired."""
    ticket_id = int(event.object_id)  # type: ignore[arg-type]
    fired = []
    facts: Facts | None = None  # what is known of the ticket, reloaded only after a rule changed it
    for rule in rules:
        if (rule.id, ticket_id) in cascade.fired:
            continue
        if rule.once_per_ticket and _fired_before(desk, rule, ticket_id):
            continue
        if facts is None:
            ticket = _ticket(desk, ticket_id)
            if ticket is None:  # deleted by an earlier rule's plugin action
                break
            facts = Facts(desk, ticket, desk.now(), event)
        if not evaluate(rule.conditions, facts, ruleset.vocab, ruleset.keywords):
            continue
        fire(desk, rule, ticket_id, event, ruleset, cascade)
        fired.append(rule.name)
        facts = None
    return fired


def fire(desk: Desk, rule: Rule, ticket_id: int, event: Event, ruleset: RuleSet, cascade: Cascade) -> str:
    """Run a rule's actions on a ticket in a savepoint and log the firing. Returns the outcome."""
    from crossdesk.api.desk import DeskError
    from crossdesk.rules.actions import run_action

    cascade.fired.add((rule.id, ticket_id))  # type: ignore[arg-type]
    actor = Actor.system(f"rule:{rule.name}")
    depth = cascade.depth
    changes: list[dict] = []
    outcome = "fired"
    # The log row goes in first, so firings read in the order rules started (a chained rule after the
    # rule whose action set it off); its outcome and changes are filled in once the actions have run.
    # Raw SQL on this hot path: sqlite-utils' table helpers introspect the schema on every call.
    firing_id = desk.db.execute(
        "INSERT INTO rule_firings (rule_id, rule_name, ticket_id, event, depth, outcome, changes, at) "
        "VALUES (?, ?, ?, ?, ?, 'fired', '[]', ?)",
        [rule.id, rule.name, ticket_id, event.name, depth, desk.now()],
    ).lastrowid
    cascade.depth = depth + 1
    current = ""
    try:
        with desk.tx():
            for action in rule.actions:
                current = action["action"]
                changes.append(run_action(desk, actor, rule, ticket_id, action, ruleset))
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
    desk.db.execute(
        "UPDATE rule_firings SET outcome = ?, changes = ? WHERE id = ?",
        [outcome, orjson.dumps(changes).decode(), firing_id],
    )
    return outcome


def _log_capped(desk: Desk, event: Event, cascade: Cascade) -> None:
    entry = {"event": event.name, "ticket_id": event.object_id, "depth": cascade.depth}
    cascade.capped.append(entry)
    log.warning(
        "rule chain on ticket #%s cut at depth %d (event %s): rules keep triggering each other",
        event.object_id,
        cascade.depth,
        event.name,
    )
    desk.db.execute(
        "INSERT INTO rule_firings (rule_id, rule_name, ticket_id, event, depth, outcome, changes, at) "
        "VALUES (NULL, '(chain limit)', ?, ?, ?, 'capped', ?, ?)",
        [
            event.object_id,
            event.name,
            cascade.depth,
            orjson.dumps([{"error": f"chained firing stopped at depth {MAX_DEPTH}"}]).decode(),
            desk.now(),
        ],
    )


def _fired_before(desk: Desk, rule: Rule, ticket_id: int) -> bool:
    return (
        desk.db.execute(
            "SELECT 1 FROM rule_firings WHERE rule_id = ? AND ticket_id = ? AND outcome = 'fired' LIMIT 1",
            [rule.id, ticket_id],
        ).fetchone()
        is not None
    )


def _ticket(desk: Desk, ticket_id: int) -> Mapping[str, Any] | None:
    cursor = desk.db.execute("SELECT * FROM tickets WHERE id = ?", [ticket_id])
    values = cursor.fetchone()
    if values is None:
        return None
    return dict(zip([d[0] for d in cursor.description], values, strict=True))


def fire_time_rule(desk: Desk, rule: Rule, ticket_id: int, ruleset: RuleSet) -> str:
    """Fire a time rule on one ticket as the root of its own cascade (``crossdesk automate``)."""
    state = _state(desk)
    event = Event(name="time", object_type="ticket", object_id=ticket_id, actor="automate", at=desk.now())
    outer = state["cascade"]
    state["cascade"] = Cascade()
    try:
        return fire(desk, rule, ticket_id, event, ruleset, state["cascade"])
    finally:
        state["cascade"] = outer
