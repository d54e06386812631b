"""Rules as data: the :class:`Rule` record, action validation, and loading from TOML or JSON files.

A rules file holds a list ``rules`` (TOML ``[[rules]]`` tables, or a JSON object with a ``rules`` list,
or a bare JSON list). Each rule::

    [[rules]]
    name = "Acknowledge where-is-my-order"
    event = "message_received"          # ticket_created, message_received, ticket_updated, time,
                                        # sla_breached, sla_near_breach, shipment_shipped,
                                        # shipment_delivered, shipment_exception, shipment_stalled,
                                        # return_received
    position = 10                       # lower runs first (default: order in the file x 10)
    once_per_ticket = true              # fire at most once per ticket, ever (default false)
    active = true
    all = [{ field = "intent", op = "is", value = "where_is_my_order" }]
    any = []
    actions = [{ action = "reply", template = "order_status" }, { action = "add_tag", tag = "wismo" }]

Every problem is reported as one line naming the file, the rule and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from crossdesk.conditions import (
    PRIORITY_LEVELS,
    Conditions,
    RuleError,
    Vocabulary,
    parse_conditions,
)
from crossdesk.models import CaseType, TicketStatus

#: Events a rule can answer. ``time`` rules run in ``crossdesk automate``; the SLA events are raised by
#: it when a deadline comes near or passes.
RULE_EVENTS = (
    "ticket_created",
    "message_received",
    "ticket_updated",
    "time",
    "sla_near_breach",
    "sla_breached",
    # raised by desk.tracking on the tickets of the parcel's order (docs/tracking.md)
    "shipment_shipped",
    "shipment_delivered",
    "shipment_exception",
    "shipment_stalled",
    "return_received",
    "quality_warning",  # raised by crossdesk automate on each ticket of a SKU quality warning
)

#: Built-in actions and their parameters: name -> (required, optional).
ACTIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "reply": (frozenset({"template"}), frozenset({"status"})),
    "add_tag": (frozenset({"tag"}), frozenset()),
    "remove_tag": (frozenset({"tag"}), frozenset()),
    "set_priority": (frozenset({"value"}), frozenset()),
    "set_status": (frozenset({"value"}), frozenset()),
    "set_type": (frozenset({"value"}), frozenset()),
    "assign_team": (frozenset({"team"}), frozenset()),
    "assign_agent": (frozenset({"agent"}), frozenset()),
    "escalate": (frozenset(), frozenset()),
    "open_case": (frozenset({"type"}), frozenset({"reason"})),
    "notify": (frozenset({"message"}), frozenset({"to"})),
    "require_skill": (frozenset({"skill"}), frozenset()),
}

#: Which ticket field each setting action writes (for conflict lint).
SETS_FIELD = {
    "set_priority": "priority",
    "set_status": "status",
    "set_type": "type",
    "assign_team": "team",
    "assign_agent": "assignee",
    "escalate": "escalated",
}

_RULE_KEYS = {
    "id",  # only from the database; files may not set it
    "name",
    "event",
    "position",
    "active",
    "once_per_ticket",
    "all",
    "any",
    "conditions",
    "actions",
    "description",
}


@dataclass(frozen=True)
class Rule:
    name: str
    event: str
    conditions: Conditions
    actions: tuple[Mapping[str, Any], ...]
    position: int = 0
    active: bool = True
    once_per_ticket: bool = False
    id: int | None = None
    description: str = ""

    def as_row(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "event": self.event,
            "conditions": orjson.dumps(self.conditions.as_dict()).decode(),
            "actions": orjson.dumps([dict(a) for a in self.actions]).decode(),
            "position": self.position,
            "active": int(self.active),
            "once_per_ticket": int(self.once_per_ticket),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "event": self.event,
            "position": self.position,
            "active": self.active,
            "once_per_ticket": self.once_per_ticket,
            **self.conditions.as_dict(),
            "actions": [dict(a) for a in self.actions],
        }


@dataclass
class ActionVocabulary:
    """Built-in actions plus ``crossdesk_rule_actions`` from plugins (name -> RuleAction)."""

    plugins: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_plugins(cls, pm: Any) -> ActionVocabulary:
        vocab = cls()
        for answer in pm.hook.crossdesk_rule_actions():
            for action in answer or ():
                if action.name in ACTIONS or action.name in vocab.plugins:
                    raise RuleError(f"plugin action {action.name!r} clashes with an existing action")
                vocab.plugins[action.name] = action
        return vocab

    def names(self) -> list[str]:
        return sorted({*ACTIONS, *self.plugins})


def parse_action(raw: Any, where: str, actions: ActionVocabulary) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise RuleError(f"{where}: an action is a table with an 'action' key")
    name = raw.get("action")
    params = {k: v for k, v in raw.items() if k != "action"}
    if name in actions.plugins:
        return {"action": name, **params}
    if name not in ACTIONS:
        raise RuleError(f"{where}: unknown action {name!r}; known: {', '.join(actions.names())}")
    required, optional = ACTIONS[name]
    missing = required - set(params)
    if missing:
        raise RuleError(f"{where}: action {name!r} needs {', '.join(sorted(missing))}")
    extra = set(params) - required - optional
    if extra:
        raise RuleError(f"{where}: action {name!r} takes no {sorted(extra)[0]!r}")
    for key, value in params.items():
        if not isinstance(value, str) or not value.strip():
            raise RuleError(f"{where}: {name}.{key} must be a non-empty string")
    if name == "set_priority" and params["value"].lower() not in PRIORITY_LEVELS:
        raise RuleError(f"{where}: unknown priority {params['value']!r}; known: {', '.join(PRIORITY_LEVELS)}")
    for key in ("value", "status"):
        if (name, key) in {("set_status", "value"), ("reply", "status")} and key in params:
            try:
                TicketStatus.parse(params[key])
            except ValueError as exc:
                raise RuleError(f"{where}: {exc}") from None
    if name == "open_case" and params["type"] not in {c.value for c in CaseType}:
        raise RuleError(
            f"{where}: unknown case type {params['type']!r}; known: {', '.join(c.value for c in CaseType)}"
        )
    return {"action": name, **params}


def parse_rule(
    raw: Any, where: str, vocab: Vocabulary, actions: ActionVocabulary, default_position: int = 0
) -> Rule:
    """Validate one rule given as a mapping (from TOML, JSON or the database)."""
    if not isinstance(raw, Mapping):
        raise RuleError(f"{where}: a rule is a table")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleError(f"{where}: a rule needs a name")
    where = f"{where} {name!r}"
    extra = set(raw) - _RULE_KEYS
    if extra:
        raise RuleError(f"{where}: unknown key {sorted(extra)[0]!r}")
    event = raw.get("event")
    if event not in RULE_EVENTS:
        raise RuleError(f"{where}: event must be one of {', '.join(RULE_EVENTS)}, not {event!r}")
    if "conditions" in raw and ("all" in raw or "any" in raw):
        raise RuleError(f"{where}: give 'conditions' or 'all'/'any', not both")
    cond_raw = (
        raw.get("conditions") if "conditions" in raw else {k: raw[k] for k in ("all", "any") if k in raw}
    )
    if isinstance(cond_raw, str):
        cond_raw = orjson.loads(cond_raw)
    conditions = parse_conditions(cond_raw, where, vocab)
    raw_actions = raw.get("actions")
    if isinstance(raw_actions, str):
        raw_actions = orjson.loads(raw_actions)
    if not isinstance(raw_actions, list) or not raw_actions:
        raise RuleError(f"{where}: a rule needs a non-empty 'actions' list")
    parsed = tuple(parse_action(a, f"{where}, action {i + 1}", actions) for i, a in enumerate(raw_actions))
    position = raw.get("position", default_position)
    if isinstance(position, bool) or not isinstance(position, int):
        raise RuleError(f"{where}: position must be an integer")
    for flag in ("active", "once_per_ticket"):
        if flag in raw and not isinstance(raw[flag], bool | int):
            raise RuleError(f"{where}: {flag} must be true or false")
    return Rule(
        name=name.strip(),
        event=event,
        conditions=conditions,
        actions=parsed,
        position=position,
        active=bool(raw.get("active", True)),
        once_per_ticket=bool(raw.get("once_per_ticket", False)),
        id=raw.get("id"),
        description=str(raw.get("description", "")),
    )


def read_rules_file(path: str | Path) -> list[Mapping[str, Any]]:
    """The raw rule tables of a TOML or JSON file (by extension; ``.json`` is JSON, anything else TOML)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RuleError(f"{path}: no such file") from None
    try:
        if path.suffix.lower() == ".json":
            doc: Any = orjson.loads(data)
        else:
            doc = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RuleError(
            f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'TOML'}: {exc}"
        ) from None
    if isinstance(doc, Mapping):
        extra = set(doc) - {"rules"}
        if extra:
            raise RuleError(f"{path}: unknown top-level key {sorted(extra)[0]!r} (expected 'rules')")
        doc = doc.get("rules", [])
    if not isinstance(doc, list):
        raise RuleError(f"{path}: expected a list of rules")
    return doc


def parse_rules(raws: Sequence[Any], where: str, vocab: Vocabulary, actions: ActionVocabulary) -> list[Rule]:
    for i, raw in enumerate(raws):
        if isinstance(raw, Mapping) and "id" in raw:
            raise RuleError(f"{where}: rule {i + 1}: unknown key 'id' (rules are matched by name)")
    rules = [
        parse_rule(raw, f"{where}: rule {i + 1}", vocab, actions, default_position=(i + 1) * 10)
        for i, raw in enumerate(raws)
    ]
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise RuleError(f"{where}: two rules are named {rule.name!r}")
        seen.add(rule.name)
    return rules


def load_rules_file(path: str | Path, vocab: Vocabulary, actions: ActionVocabulary) -> list[Rule]:
    """Read and validate every rule of a TOML or JSON file."""
    return parse_rules(read_rules_file(path), str(path), vocab, actions)
