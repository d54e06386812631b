"""The inbox's filter line: ``platform:amazon lang:de intent:refund mine breaching wo ist mein paket``.

``key:value`` words become filters of :meth:`Desk.list_tickets`, the bare words ``mine``, ``breaching`` and
``unassigned`` are switches, and everything else is full-text search. Parsing is here, not in a widget, so
it is tested without the TUI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crossdesk.models import TicketStatus, Tier

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
        parts = [f"{k}:{v}" for k, v in self.filters.items()]
        parts += [s for s in SWITCHES if s in self.switches]
        parts += self.words
        return " ".join(parts)

    def toggled(self, switch: str) -> Query:
        switches = set(self.switches) ^ {switch}
        return Query(dict(self.filters), switches, list(self.words))


def parse(text: str) -> Query:
    query = Query()
    for word in text.split():
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
        "intent": "refund",
        "tier": "high-value",
        "lang": "de",
        "language": "de",
        "assignee": "ana",
        "tag": "vip",
    }[key]


def to_filters(
    query: Query,
    *,
    agents: Mapping[str, int],
    shops: Mapping[str, int],
    me: int | None,
    breaching_before: int,
) -> dict[str, Any]:
    """Keyword arguments for ``Desk.list_tickets`` (and ``analytics.count_tickets``).

    ``agents`` and ``shops`` map lower-cased names (and shop external ids) to ids."""
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
            elif value.lower() not in agents:
                raise QueryError(f"no agent named {value!r}")
            else:
                out["assignee_id"] = agents[value.lower()]
        elif arg == "shop_id":
            if value.isascii() and value.isdigit() and len(value) < 19:
                out["shop_id"] = int(value)
            elif value.lower() in shops:
                out["shop_id"] = shops[value.lower()]
            else:
                raise QueryError(f"no shop {value!r} (use its id, name or external id)")
        elif arg in ("platform", "language", "intent"):
            out[arg] = value.lower()
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
    return {"agents": {a["name"].lower(): a["id"] for a in agents}, "shops": shop_names}
