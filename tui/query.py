"""The inbox's filter line: ``platform:amazon lang:de intent:refund mine breaching wo ist mein paket``.

``key:value`` words become filters of :meth:`Desk.list_tickets`, the bare words ``mine``, ``breaching`` and
``unassigned`` are switches, and everything else is full-text search. Parsing is here, not in a widget, so
it is tested without the TUI.
"""

from __future__ import annotations

import shlex
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crossdesk.models import INTENT_NAMES, PLATFORM_CODES, TicketStatus, Tier
from crossdesk.tickets.filters import MESSAGE_TYPES

#: Accepted keys, with the list_tickets argument each maps to.
KEYS = {
    "platform": "platform",
    "shop": "shop_id",
    "status": "status",
    "intent": "intent",
    "tier": "tier",
    "lang": "language",
    "language": "language",
    "assignee": "assignee_id",
    "tag": "tag",
    "order": "order_status",
    "msg": "message_type",
}
SWITCHES = ("mine", "breaching", "unassigned")


class QueryError(ValueError):
    """A filter word the inbox cannot use; the message names it."""


@dataclass
class Query:
    """A parsed filter line."""

    filters: dict[str, str] = field(default_factory=dict)
    switches: set[str] = field(default_factory=set)
    words: list[str] = field(default_factory=list)

    @property
    def search(self) -> str:
        return " ".join(self.words)

    def text(self) -> str:
        """The query written back in its canonical form."""
        parts = [f'{k}:"{v}"' if " " in v else f"{k}:{v}" for k, v in self.filters.items()]
        parts += [s for s in SWITCHES if s in self.switches]
        parts += self.words
        return " ".join(parts)

    def toggled(self, switch: str) -> Query:
        switches = set(self.switches) ^ {switch}
        return Query(dict(self.filters), switches, list(self.words))


def _split(text: str) -> list[str]:
    """Words, where ``key:"two words"`` (or 'two words') is one word without its quotes."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        raise QueryError("a quote is not closed: write assignee:\"Anna Becker\"") from None


def parse(text: str) -> Query:
    query = Query()
    for word in _split(text):
        key, sep, value = word.partition(":")
        if sep and key.lower() in KEYS:
            if not value:
                raise QueryError(f"{key}: needs a value, e.g. {key}:{_example(key.lower())}")
            query.filters[key.lower()] = value
        elif word.lower() in SWITCHES:
            query.switches.add(word.lower())
        else:
            query.words.append(word)
    return query


def _example(key: str) -> str:
    return {
        "platform": "amazon",
        "shop": "3",
        "status": "open",
        "intent": "refund_request",
        "tier": "high-value",
        "lang": "de",
        "language": "de",
        "assignee": "me",
        "tag": "vip",
        "order": "shipped",
        "msg": "note",
    }[key]


def to_filters(
    query: Query,
    *,
    agents: Mapping[str, int],
    shops: Mapping[str, int],
    me: int | None,
    breaching_before: int,
    languages: Collection[str] = (),
    order_statuses: Collection[str] = (),
) -> dict[str, Any]:
    """Keyword arguments for ``Desk.list_tickets`` (and ``analytics.count_tickets``).

    ``agents`` and ``shops`` map lower-cased names (and shop external ids) to ids; ``languages`` and
    ``order_statuses`` are the values the desk holds (when given, anything else is an error that lists
    them). An unknown platform, intent or message type is an error listing the valid ones: a typo never
    gives a silently empty list."""
    out: dict[str, Any] = {}
    for key, value in query.filters.items():
        arg = KEYS[key]
        if arg == "status":
            if value.lower() == "all":
                out["status"] = [s.label for s in TicketStatus]
            else:
                try:
                    out["status"] = [TicketStatus.parse(v).label for v in value.split(",")]
                except ValueError as exc:
                    raise QueryError(str(exc)) from None
        elif arg == "tier":
            out["tier"] = _tier(value)
        elif arg == "assignee_id":
            if value.lower() in ("none", "nobody"):
                out["unassigned"] = True
            elif value.lower() == "me":
                if me is None:
                    raise QueryError("'assignee:me' needs a signed-in agent")
                out["assignee_id"] = me
            else:
                out["assignee_id"] = _agent(value, agents)
        elif arg == "shop_id":
            if value.isascii() and value.isdigit() and len(value) < 19:
                out["shop_id"] = int(value)
            elif value.lower() in shops:
                out["shop_id"] = shops[value.lower()]
            else:
                raise QueryError(f"no shop {value!r} (use its id, name or external id)")
        elif arg == "platform":
            out[arg] = _one_of(value, PLATFORM_CODES, "platform")
        elif arg == "intent":
            out[arg] = _one_of(value, [n for n in INTENT_NAMES if n], "intent")
        elif arg == "language":
            out[arg] = _one_of(value, languages, "language") if languages else value.lower()
        elif arg == "order_status":
            out[arg] = _one_of(value, order_statuses, "order status") if order_statuses else value.lower()
        elif arg == "message_type":
            out[arg] = _one_of(value, MESSAGE_TYPES, "message type")
        else:
            out[arg] = value
    if "mine" in query.switches:
        if me is None:
            raise QueryError("'mine' needs a signed-in agent")
        out["assignee_id"] = me
    if "unassigned" in query.switches:
        out["unassigned"] = True
    if "breaching" in query.switches:
        out["breaching_before"] = breaching_before
    if query.words:
        out["search"] = query.search
    return out


def every_status(filters: Mapping[str, Any]) -> dict[str, Any] | None:
    """``filters`` widened to every status, when they search (``#440``, an order number, a buyer...) and
    name no status: a search that finds nothing open then says what it finds closed or solved instead of
    an empty list. None when there is nothing to widen."""
    if "search" not in filters or "status" in filters:
        return None
    return {**filters, "status": [s.label for s in TicketStatus]}


def _one_of(value: str, valid: Iterable[str], what: str) -> str:
    known = sorted(set(valid))
    if value.lower() not in known:
        raise QueryError(f"unknown {what} {value!r}; expected one of {', '.join(known)}")
    return value.lower()


def _agent(value: str, agents: Mapping[str, int]) -> int:
    """An agent by full name, or by a prefix of the name (or of any word of it) that only one agent has."""
    wanted = value.lower()
    if wanted in agents:
        return agents[wanted]
    found = {
        name: aid
        for name, aid in agents.items()
        if name.startswith(wanted) or any(w.startswith(wanted) for w in name.split())
    }
    if len(found) == 1:
        return next(iter(found.values()))
    if found:
        raise QueryError(f"{value!r} names more than one agent: {', '.join(sorted(found))}; type more of the name")
    raise QueryError(f"no agent named {value!r} (write a full name in quotes, a unique part of it, or me)")


def _tier(value: str) -> int:
    if value.isdigit() and int(value) in {t.value for t in Tier}:
        return int(value)
    for tier in Tier:
        if value.lower() in (tier.label, tier.name.lower()):
            return int(tier)
    raise QueryError(f"unknown tier {value!r}; expected one of {', '.join(t.label for t in Tier)} or 0-3")


def read_names(desk: Any, actor: Any) -> dict[str, dict[str, int]]:
    """The ``agents`` and ``shops`` lookups of :func:`to_filters` for ``actor`` on ``desk`` (the inbox and
    ``crossdesk tickets list`` read them the same way)."""
    agents = desk.agents(actor)
    shop_names = {}
    for s in desk.shops.list(actor):
        shop_names[s["name"].lower()] = s["id"]
        shop_names[s["external_id"].lower()] = s["id"]
    values = desk.tickets.filter_values(actor)
    return {
        "agents": {a["name"].lower(): a["id"] for a in agents},
        "shops": shop_names,
        "languages": values["languages"],
        "order_statuses": sorted({*values["order_statuses"], *ORDER_STATUSES}),
    }


#: Order statuses every desk knows, whether or not an order has one yet.
ORDER_STATUSES = ("paid", "shipped", "delivered", "cancelled", "refunded")
