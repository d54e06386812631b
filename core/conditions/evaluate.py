"""Conditions checked and evaluated: parsing ``{"all": [...], "any": [...]}`` against a vocabulary of
fields, the Python evaluator for one ticket (rules on events), and the keyword index both evaluators use.
The SQL evaluator over a whole desk is :mod:`crossdesk.conditions.bulk`."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crossdesk.conditions.fields import (
    BUILTIN_FIELDS,
    CHANGE_OPS,
    NEGATIVE,
    NUMBER_OPS,
    OPERATORS,
    PRIORITY_LEVELS,
    PRIORITY_RANK,
    Facts,
    FieldSpec,
    RuleError,
    fold,
)
from crossdesk.models import TicketStatus, Tier

# ---- validation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None

    def as_dict(self) -> dict:
        out = {"field": self.field, "op": self.op}
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass(frozen=True)
class Conditions:
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()

    def as_dict(self) -> dict:
        out: dict[str, list] = {}
        if self.all:
            out["all"] = [c.as_dict() for c in self.all]
        if self.any:
            out["any"] = [c.as_dict() for c in self.any]
        return out

    def __iter__(self):
        yield from self.all
        yield from self.any


@dataclass
class Vocabulary:
    """The fields a desk's rules may use: the built-in ones plus those plugins add."""

    fields: dict[str, FieldSpec] = field(default_factory=lambda: dict(BUILTIN_FIELDS))

    @classmethod
    def from_plugins(cls, pm: Any, desk: Any) -> Vocabulary:
        """The built-in fields plus every ``crossdesk_rule_conditions`` field; a plugin's ``value(desk,
        ticket)`` receives ``desk`` (the :class:`~crossdesk.api.Desk` facade) as its documented argument."""
        vocab = cls()
        for answer in pm.hook.crossdesk_rule_conditions():
            for cond in answer or ():
                if cond.name in vocab.fields:
                    raise RuleError(f"plugin condition {cond.name!r} clashes with an existing field")
                vocab.fields[cond.name] = FieldSpec(
                    cond.name,
                    "plugin",
                    (lambda fn: lambda f: fn(desk, f.ticket))(cond.value),
                    description=cond.description,
                )
        return vocab


def parse_conditions(raw: Any, where: str, vocab: Vocabulary) -> Conditions:
    """Validate ``{"all": [...], "any": [...]}`` (``where`` names the rule in errors)."""
    if raw is None:
        return Conditions()
    if not isinstance(raw, Mapping):
        raise RuleError(f"{where}: conditions must be a table with 'all' and/or 'any' lists")
    unknown = set(raw) - {"all", "any"}
    if unknown:
        raise RuleError(f"{where}: unknown condition group {sorted(unknown)[0]!r} (use 'all' or 'any')")
    groups = {}
    for group in ("all", "any"):
        items = raw.get(group) or []
        if not isinstance(items, list):
            raise RuleError(f"{where}: '{group}' must be a list of conditions")
        groups[group] = tuple(
            parse_condition(item, f"{where}, {group}[{i + 1}]", vocab) for i, item in enumerate(items)
        )
    return Conditions(all=groups["all"], any=groups["any"])


def parse_condition(raw: Any, where: str, vocab: Vocabulary) -> Condition:
    if not isinstance(raw, Mapping):
        raise RuleError(f"{where}: a condition is a table with field, op and value")
    extra = set(raw) - {"field", "op", "value"}
    if extra:
        raise RuleError(f"{where}: unknown key {sorted(extra)[0]!r} (a condition has field, op, value)")
    name = raw.get("field")
    spec = vocab.fields.get(name)  # type: ignore[arg-type]
    if spec is None:
        raise RuleError(f"{where}: unknown field {name!r}; known: {', '.join(sorted(vocab.fields))}")
    op = raw.get("op", "is")
    if op not in OPERATORS and op != "has_bits":
        raise RuleError(
            f"{where}: unknown operator {op!r}; known: {', '.join(sorted(OPERATORS | {'has_bits'}))}"
        )
    if op in CHANGE_OPS and spec.change_key is None:
        raise RuleError(
            f"{where}: field {name!r} cannot be tested with {op!r} (it is not a ticket field that changes)"
        )
    if op == "has_bits" and name != "flags":
        raise RuleError(f"{where}: 'has_bits' applies only to the flags field")
    value = raw.get("value")
    needs_value = op not in {"changed", "is_set", "is_not_set"}
    if needs_value and value is None:
        raise RuleError(f"{where}: operator {op!r} needs a value")
    if not needs_value and value is not None:
        raise RuleError(f"{where}: operator {op!r} takes no value")
    if op in NUMBER_OPS and spec.kind not in {"number", "tier", "priority", "plugin"}:
        raise RuleError(f"{where}: {op!r} compares numbers or ordered values; {name!r} is not one")
    if spec.kind == "keywords" and op not in {"contains", "not_contains", "in", "not_in"}:
        raise RuleError(f"{where}: keywords are tested with 'contains' or 'not_contains'")
    if op in {"in", "not_in"} and not isinstance(value, list):
        raise RuleError(f"{where}: {op!r} needs a list value")
    value = _normalise_value(spec, op, value, where)
    return Condition(name, op, value)


def _normalise_value(spec: FieldSpec, op: str, value: Any, where: str) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_normalise_one(spec, op, v, where) for v in value]
    return _normalise_one(spec, op, value, where)


def _normalise_one(spec: FieldSpec, op: str, value: Any, where: str) -> Any:
    kind = spec.kind
    if kind == "plugin":
        return value  # the plugin's own values (true/false, numbers, names) compare as given
    if kind == "status":
        try:
            return int(TicketStatus.parse(value))
        except ValueError as exc:
            raise RuleError(f"{where}: {exc}") from None
    if kind == "tier":
        if isinstance(value, int) and not isinstance(value, bool):
            if value not in {int(t) for t in Tier}:
                raise RuleError(f"{where}: tier {value} is not 0-3")
            return value
        by_label = {t.label: int(t) for t in Tier}
        key = str(value).strip().lower().replace("_", "-")
        if key not in by_label:
            raise RuleError(f"{where}: unknown tier {value!r}; known: {', '.join(by_label)}")
        return by_label[key]
    if kind == "priority":
        key = str(value).strip().lower()
        if key not in PRIORITY_RANK:
            raise RuleError(f"{where}: unknown priority {value!r}; known: {', '.join(PRIORITY_LEVELS)}")
        return key
    if op == "has_bits" and isinstance(value, str):
        from crossdesk.classify import FLAG_BAD_REVIEW, FLAG_CHARGEBACK, FLAG_LEGAL

        names = {"chargeback": FLAG_CHARGEBACK, "legal": FLAG_LEGAL, "bad_review": FLAG_BAD_REVIEW}
        if value.strip().lower() not in names:
            raise RuleError(f"{where}: unknown flag {value!r}; known: {', '.join(names)} (or a bit mask)")
        return names[value.strip().lower()]
    if kind == "number" or op in NUMBER_OPS or op == "has_bits":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RuleError(f"{where}: {spec.name!r} needs a number, not {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise RuleError(f"{where}: {value!r} is not a usable number")
        return value
    if kind == "keywords":
        text = str(value).strip()
        if not text:
            raise RuleError(f"{where}: an empty keyword would match everything")
        return text
    if not isinstance(value, str | int | float):
        raise RuleError(f"{where}: {value!r} is not a value {spec.name!r} can take")
    return str(value)


# ---- the Python evaluator ----------------------------------------------------------------------------


def _scalar_eq(spec: FieldSpec, actual: Any, expected: Any) -> bool:
    if actual is None:
        return False
    if spec.kind == "language":
        a, e = fold(actual), fold(expected)
        return a == e or a.startswith(e + "-")
    if spec.kind in {"number", "status", "tier", "priority"} or isinstance(expected, int | float):
        if spec.kind == "priority":
            return actual == expected
        try:
            return float(actual) == float(expected)
        except (TypeError, ValueError):
            return False
    return fold(actual) == fold(expected)


def _ordered(spec: FieldSpec, value: Any) -> float | None:
    if value is None:
        return None
    if spec.kind == "priority":
        return float(PRIORITY_RANK.get(value, 1))
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def positive_holds(spec: FieldSpec, op: str, actual: Any, expected: Any, matcher: Any = None) -> bool:
    """Evaluate a positive operator on a value already fetched."""
    if op == "is_set":
        return actual not in (None, "", set())
    if spec.kind == "keywords":
        wanted = expected if isinstance(expected, list) else [expected]
        return matcher is not None and matcher.any_in(actual, wanted)
    if spec.kind == "set":
        have = {fold(x) for x in actual or ()}
        wanted = expected if isinstance(expected, list) else [expected]
        return any(fold(w) in have for w in wanted)
    if op == "has_bits":
        return actual is not None and (int(actual) & int(expected)) == int(expected)
    if op == "is":
        return _scalar_eq(spec, actual, expected)
    if op == "in":
        return any(_scalar_eq(spec, actual, e) for e in expected)
    if op == "contains":
        return actual is not None and fold(expected) in fold(actual)
    a, e = _ordered(spec, actual), _ordered(spec, expected)
    if a is None or e is None:
        return False
    return {"gt": a > e, "gte": a >= e, "lt": a < e, "lte": a <= e}[op]


def _change_matches(spec: FieldSpec, cond: Condition, facts: Facts, *, approximate: bool) -> bool:
    """``changed`` / ``changed_from`` / ``changed_to`` against the event's changes."""
    event = facts.event
    changes = (event.data.get("changes") if event is not None else None) or {}
    if spec.change_key not in changes:
        return False
    before, after = changes[spec.change_key]
    if cond.op == "changed":
        return True
    side = before if cond.op == "changed_from" else after
    if spec.kind == "set":  # tags: (removed, None) or (None, added)
        return side is not None and fold(cond.value) in {fold(x) for x in side}
    if spec.change_key in {"assignee_id", "team_id"} and side is not None:
        table = "agents" if spec.change_key == "assignee_id" else "teams"
        side = facts._one(f"SELECT name FROM {table} WHERE id = ?", [side])
    return _scalar_eq(spec, side, cond.value)


def evaluate(
    conditions: Conditions, facts: Facts, vocab: Vocabulary, matcher: KeywordIndex | None = None
) -> bool:
    """True when ``facts`` meet every ``all`` condition and at least one ``any`` condition (if any)."""

    def one(cond: Condition) -> bool:
        spec = vocab.fields[cond.field]
        if cond.op in CHANGE_OPS:
            return _change_matches(spec, cond, facts, approximate=False)
        positive_op = NEGATIVE.get(cond.op, cond.op)
        result = positive_holds(spec, positive_op, spec.getter(facts), cond.value, matcher)
        return not result if cond.op in NEGATIVE else result

    if not all(one(c) for c in conditions.all):
        return False
    return not conditions.any or any(one(c) for c in conditions.any)


# ---- keywords --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _matcher(keywords: tuple[str, ...]) -> Any:
    """One native matcher per keyword set, shared: building the automaton costs far more than a match,
    and the same rules' keywords are asked for by the engine, dry runs, lint and SLA policies."""
    from crossdesk.native import KeywordMatcher

    return KeywordMatcher(list(keywords), ignore_case=True)


class KeywordIndex:
    """Every keyword of a set of rules in one native matcher, so a desk's texts are scanned once."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords = sorted({fold(k) for k in keywords})
        self.ids = {k: i for i, k in enumerate(self.keywords)}
        self._matcher = _matcher(tuple(self.keywords)) if self.keywords else None

    @classmethod
    def for_conditions(cls, groups: Iterable[Conditions], vocab: Vocabulary) -> KeywordIndex:
        words: list[str] = []
        for conds in groups:
            for c in conds:
                if vocab.fields[c.field].kind == "keywords":
                    words.extend(c.value if isinstance(c.value, list) else [c.value])
        return cls(words)

    def found(self, texts: Sequence[str]) -> set[int]:
        """Ids of the keywords found in any of ``texts``."""
        if self._matcher is None:
            return set()
        out: set[int] = set()
        for text in texts:
            out.update(pid for _, _, pid in self._matcher.find(text))
        return out

    def any_in(self, texts: Sequence[str], wanted: Sequence[str]) -> bool:
        ids = {self.ids[fold(w)] for w in wanted if fold(w) in self.ids}
        return bool(ids & self.found(texts))

    def match_many(self, texts: Sequence[str]) -> tuple[Any, Any]:
        """(text index, keyword id) pairs over ``texts`` in one native pass."""
        import numpy as np

        if self._matcher is None or not texts:
            return np.empty(0, np.int64), np.empty(0, np.int32)
        return self._matcher.match_many(texts)
