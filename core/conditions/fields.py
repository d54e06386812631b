"""The condition language shared by automation rules and SLA policies: the fields, the operators, and
what one ticket's facts are.

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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from crossdesk.models import PRIORITY_LEVELS

if TYPE_CHECKING:
    import sqlite_utils

    from crossdesk.models import Event


class RuleError(ValueError):
    """A rule (or SLA policy) that is not valid; the message names the rule and the problem."""


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

    def __init__(
        self, db: sqlite_utils.Database, ticket: Mapping[str, Any], now: int, event: Event | None = None
    ) -> None:
        self.db = db
        self.ticket = ticket
        self.now = now
        self.event = event
        self._cache: dict[str, Any] = {}

    def _one(self, sql: str, args: Sequence[Any]) -> Any:
        row = self.db.execute(sql, list(args)).fetchone()
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
                for r in self.db.execute(
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
        for (raw,) in f.db.execute(
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
            for r in f.db.execute("SELECT tag FROM ticket_tags WHERE ticket_id = ?", [f.ticket["id"]])
        },
    )


def _skus(f: Facts) -> set[str]:
    oid = f.ticket.get("order_id")
    if oid is None:
        return set()
    return f.cached(
        "skus",
        lambda: {r[0] for r in f.db.execute("SELECT sku FROM order_lines WHERE order_id = ?", [oid])},
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
        FieldSpec(
            "segment",
            "text",
            lambda f: f.cached(
                "segment",
                lambda: (
                    None
                    if f.ticket.get("customer_id") is None
                    else f._one(
                        "SELECT segment FROM customer_segments WHERE customer_id = ?",
                        [f.ticket["customer_id"]],
                    )
                ),
            ),
            "(SELECT g.segment FROM customer_segments g WHERE g.customer_id = t.customer_id)",
            description="the buyer's segment: new, potential, core, high-value, at-risk, lapsed",
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
            "review",
            "text",
            lambda f: f.cached(
                "review",
                lambda: f._one("SELECT kind FROM reviews WHERE ticket_id = ? ORDER BY id LIMIT 1", [f.ticket["id"]]),
            ),
            "(SELECT r.kind FROM reviews r WHERE r.ticket_id = t.id ORDER BY r.id LIMIT 1)",
            description="the review the ticket came from: seller_feedback or product_review; is_set for any",
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
