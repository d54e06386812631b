"""Rule conditions: the fields a rule can test, the operators, and their two evaluators.

A condition is ``{"field": ..., "op": ..., "value": ...}``. Every field has a Python getter (used when an
event fires rules on one ticket) and, where the data lives in columns, an SQL expression (used to
evaluate a rule over a whole desk at once: ``crossdesk rules test``, time rules, lint). The two must agree;
``tests/rules/test_parity.py`` checks that they do on random desks. Text comparisons ignore ASCII case
only, because SQLite's ``lower()`` does: a rule then means the same thing in both evaluators.

Fields whose value is a set (intents, tags, sku, keywords) read ``is``/``contains`` as "has", ``in`` as
"has any of". Negative operators (``is_not``, ``not_in``, ``not_contains``) are exactly the negation of
their positive twin, so a missing value (no order, no SLA) makes the positive false and the negative true.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from crossdesk.models import TicketStatus, Tier

if TYPE_CHECKING:
    from crossdesk.api.desk import Desk
    from crossdesk.models import Event


class RuleError(ValueError):
    """A rule (or SLA policy) that is not valid; the message names the rule and the problem."""


PRIORITY_LEVELS = ("low", "normal", "high", "urgent")
PRIORITY_RANK = {name: i for i, name in enumerate(PRIORITY_LEVELS)}

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(value: Any) -> str:
    """Lower-case ASCII letters only, the way SQLite's ``lower()`` does."""
    return str(value).translate(_ASCII_LOWER)


POSITIVE = {
    "is",
    "in",
    "contains",
    "gt",
    "gte",
    "lt",
    "lte",
    "changed",
    "changed_from",
    "changed_to",
    "is_set",
}
NEGATIVE = {"is_not": "is", "not_in": "in", "not_contains": "contains", "is_not_set": "is_set"}
OPERATORS = POSITIVE | set(NEGATIVE)
CHANGE_OPS = {"changed", "changed_from", "changed_to"}
NUMBER_OPS = {"gt", "gte", "lt", "lte"}


@dataclass(frozen=True)
class FieldSpec:
    """One testable field.

    ``kind`` is ``text``, ``number``, ``set`` (a set of strings), ``status``, ``tier`` or ``priority``
    (ordered names). ``sql`` is a scalar SQL expression over the ticket row ``t`` (None for set fields and
    plugin fields); ``set_sql`` is, for set fields, a boolean SQL template where ``{pred_X}`` stands for "the value in column
    X is one of the wanted ones".
    ``change_key`` is the key of the field in a ``ticket_updated`` event's ``changes``.
    """

    name: str
    kind: str
    getter: Callable[[Facts], Any]
    sql: str | None = None
    set_sql: str | None = None
    change_key: str | None = None
    description: str = ""
    uses_now: bool = False


# ---- facts about one ticket -------------------------------------------------------------------------


class Facts:
    """What the Python evaluator knows of one ticket, loaded lazily and cached for one evaluation."""

    def __init__(self, desk: Desk, ticket: Mapping[str, Any], now: int, event: Event | None = None) -> None:
        self.desk = desk
        self.ticket = ticket
        self.now = now
        self.event = event
        self._cache: dict[str, Any] = {}

    def _one(self, sql: str, args: Sequence[Any]) -> Any:
        row = self.desk.db.execute(sql, list(args)).fetchone()
        return None if row is None else row[0]

    def cached(self, key: str, load: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    @property
    def buyer_texts(self) -> list[str]:
        return self.cached(
            "texts",
            lambda: [
                _buyer_text(r[0], r[1])
                for r in self.desk.db.execute(
                    "SELECT body, translation FROM messages WHERE ticket_id = ? AND direction = 'in' ORDER BY id",
                    [self.ticket["id"]],
                )
            ],
        )


def _buyer_text(body: str, translation: str) -> str:
    # The agent-language translation is matched too, so an English keyword finds a translated message.
    return body if not translation else f"{body}\n{translation}"


def _shop(f: Facts) -> str:
    return f.cached(
        "shop", lambda: f._one("SELECT external_id FROM shops WHERE id = ?", [f.ticket["shop_id"]])
    )


def _customer_field(name: str) -> Callable[[Facts], Any]:
    def get(f: Facts) -> Any:
        cid = f.ticket.get("customer_id")
        if cid is None:
            return None
        return f.cached(
            f"customer.{name}", lambda: f._one(f"SELECT {name} FROM customers WHERE id = ?", [cid])
        )

    return get


def _country(f: Facts) -> str:
    country = _customer_field("country")(f) or ""
    if not country and f.ticket.get("order_id") is not None:
        country = f._one("SELECT country FROM orders WHERE id = ?", [f.ticket["order_id"]]) or ""
    return country


def _intents(f: Facts) -> set[str]:
    def load() -> set[str]:
        found = {f.ticket["intent"]} if f.ticket.get("intent") else set()
        for (raw,) in f.desk.db.execute(
            "SELECT intents FROM messages WHERE ticket_id = ? AND direction = 'in'", [f.ticket["id"]]
        ):
            found.update(str(x) for x in orjson.loads(raw or "[]"))
        return found

    return f.cached("intents", load)


def _tags(f: Facts) -> set[str]:
    return f.cached(
        "tags",
        lambda: {
            r[0]
            for r in f.desk.db.execute("SELECT tag FROM ticket_tags WHERE ticket_id = ?", [f.ticket["id"]])
        },
    )


def _skus(f: Facts) -> set[str]:
    oid = f.ticket.get("order_id")
    if oid is None:
        return set()
    return f.cached(
        "skus",
        lambda: {r[0] for r in f.desk.db.execute("SELECT sku FROM order_lines WHERE order_id = ?", [oid])},
    )


def _name_of(table: str, column: str) -> Callable[[Facts], Any]:
    def get(f: Facts) -> Any:
        pk = f.ticket.get(column)
        if pk is None:
            return None
        return f.cached(f"{table}.{pk}", lambda: f._one(f"SELECT name FROM {table} WHERE id = ?", [pk]))

    return get


def _hours_since(column: str) -> Callable[[Facts], float | None]:
    def get(f: Facts) -> float | None:
        at = f.ticket.get(column)
        return None if at is None else (f.now - at) / 3600.0

    return get


def _hours_until_sla(f: Facts) -> float | None:
    due = f.ticket.get("sla_due")
    return None if due is None else (due - f.now) / 3600.0


_COUNTRY_SQL = (
    "COALESCE(NULLIF((SELECT c.country FROM customers c WHERE c.id = t.customer_id), ''), "
    "(SELECT o.country FROM orders o WHERE o.id = t.order_id), '')"
)

BUILTIN_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("platform", "text", lambda f: f.ticket["platform"], "t.platform", change_key="platform"),
        FieldSpec(
            "shop",
            "text",
            _shop,
            "(SELECT s.external_id FROM shops s WHERE s.id = t.shop_id)",
            description="the shop's id on the desk (as configured, e.g. AMZ-DE)",
        ),
        FieldSpec(
            "language",
            "language",
            lambda f: f.ticket["language"],
            "t.language",
            change_key="language",
            description="BCP 47 tag; 'pt' also matches 'pt-BR'",
        ),
        FieldSpec(
            "intent",
            "text",
            lambda f: f.ticket["intent"],
            "t.intent",
            change_key="intent",
            description="the ticket's strongest intent",
        ),
        FieldSpec(
            "intents",
            "set",
            _intents,
            set_sql=(
                "(({pred_t.intent}) OR EXISTS (SELECT 1 FROM messages m, json_each(m.intents) j "
                "WHERE m.ticket_id = t.id AND m.direction = 'in' AND {pred_j.value}))"
            ),
            description="every intent found in the buyer's messages",
        ),
        FieldSpec(
            "sentiment",
            "number",
            lambda f: f.ticket["sentiment"],
            "t.sentiment",
            description="-1 (angry) to 1 (happy)",
        ),
        FieldSpec(
            "keywords",
            "keywords",
            lambda f: f.buyer_texts,
            description="words or phrases in the buyer's messages (native keyword matcher)",
        ),
        FieldSpec(
            "tier",
            "tier",
            lambda f: f.ticket["tier"],
            "t.tier",
            description="new, potential, core, high-value",
        ),
        FieldSpec("country", "text", _country, _COUNTRY_SQL, description="the buyer's country (ISO 3166)"),
        FieldSpec(
            "order_value",
            "number",
            lambda f: f.ticket["order_value_usd"],
            "t.order_value_usd",
            description="the order's value in USD",
        ),
        FieldSpec(
            "tracking_number",
            "text",
            lambda f: f.cached(
                "tracking",
                lambda: (
                    None
                    if f.ticket.get("order_id") is None
                    else f._one("SELECT tracking_number FROM orders WHERE id = ?", [f.ticket["order_id"]])
                ),
            ),
            "(SELECT o.tracking_number FROM orders o WHERE o.id = t.order_id)",
            description="the order's tracking number; is_set when the parcel can be tracked",
        ),
        FieldSpec(
            "sku",
            "set",
            _skus,
            set_sql="EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = t.order_id AND {pred_l.sku})",
        ),
        FieldSpec("status", "status", lambda f: f.ticket["status"], "t.status", change_key="status"),
        FieldSpec(
            "priority",
            "priority",
            lambda f: f.ticket.get("priority_level", "normal"),
            "t.priority_level",
            change_key="priority_level",
            description="low, normal, high, urgent",
        ),
        FieldSpec("type", "text", lambda f: f.ticket["type"], "t.type", change_key="type"),
        FieldSpec(
            "tags",
            "set",
            _tags,
            set_sql="EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND {pred_g.tag})",
            change_key="tags",
        ),
        FieldSpec(
            "assignee",
            "text",
            _name_of("agents", "assignee_id"),
            "(SELECT a.name FROM agents a WHERE a.id = t.assignee_id)",
            change_key="assignee_id",
            description="the agent's name; is_set / is_not_set for assigned or not",
        ),
        FieldSpec(
            "team",
            "text",
            _name_of("teams", "team_id"),
            "(SELECT m.name FROM teams m WHERE m.id = t.team_id)",
            change_key="team_id",
        ),
        FieldSpec(
            "escalated", "number", lambda f: f.ticket["escalated"], "t.escalated", change_key="escalated"
        ),
        FieldSpec(
            "flags",
            "number",
            lambda f: f.ticket["flags"],
            "t.flags",
            change_key="flags",
            description="threat flags from classification: has_bits chargeback, legal, bad_review (or a mask)",
        ),
        FieldSpec(
            "hours_since_created",
            "number",
            _hours_since("created_at"),
            "(({now} - t.created_at) / 3600.0)",
            uses_now=True,
        ),
        FieldSpec(
            "hours_since_buyer_message",
            "number",
            _hours_since("last_customer_msg_at"),
            "(({now} - t.last_customer_msg_at) / 3600.0)",
            uses_now=True,
        ),
        FieldSpec(
            "hours_until_sla_breach",
            "number",
            _hours_until_sla,
            "((t.sla_due - {now}) / 3600.0)",
            uses_now=True,
        ),
    )
}


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
    def for_desk(cls, desk: Desk) -> Vocabulary:
        vocab = cls()
        for answer in desk.pm.hook.crossdesk_rule_conditions():
            for cond in answer or ():
                if cond.name in vocab.fields:
                    raise RuleError(f"plugin condition {cond.name!r} clashes with an existing field")
                vocab.fields[cond.name] = FieldSpec(
                    cond.name,
                    "plugin",
                    (lambda fn: lambda f: fn(f.desk, f.ticket))(cond.value),
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


def _positive(spec: FieldSpec, op: str, actual: Any, expected: Any, matcher: Any = None) -> bool:
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
        result = _positive(spec, positive_op, spec.getter(facts), cond.value, matcher)
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
