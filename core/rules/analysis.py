"""Static analysis of rules for lint: conditions that can never hold together, rule pairs whose conditions
cannot overlap, actions of two rules that undo each other, and the platforms a rule is limited to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from crossdesk.conditions import PRIORITY_RANK, Condition, fold
from crossdesk.models import TicketStatus
from crossdesk.rules.model import SETS_FIELD, Rule


def _values(c: Condition) -> set[str] | None:
    """The values a positive equality condition allows (None when it is not one)."""
    if c.op in {"is", "in"}:
        vals = c.value if isinstance(c.value, list) else [c.value]
        return {fold(v) for v in vals}
    return None


def _interval(conds: Iterable[Condition], name: str) -> tuple[float, float, bool, bool]:
    lo, hi, lo_open, hi_open = float("-inf"), float("inf"), False, False
    for c in conds:
        if c.field != name or c.op not in {"gt", "gte", "lt", "lte"}:
            continue
        v = float(PRIORITY_RANK[c.value]) if isinstance(c.value, str) else float(c.value)
        if c.op in {"gt", "gte"} and (v > lo or (v == lo and c.op == "gt")):
            lo, lo_open = v, c.op == "gt"
        if c.op in {"lt", "lte"} and (v < hi or (v == hi and c.op == "lt")):
            hi, hi_open = v, c.op == "lt"
    return lo, hi, lo_open, hi_open


_SETLIKE = {"intents", "tags", "sku", "keywords"}


def contradiction(conds: Sequence[Condition]) -> str:
    """Why a list of conditions that must all hold can never hold together ('' when it can)."""
    by_field: dict[str, list[Condition]] = {}
    for c in conds:
        by_field.setdefault(c.field, []).append(c)
    for name, group in by_field.items():
        if name not in _SETLIKE:
            allowed: set[str] | None = None
            for c in group:
                vals = _values(c)
                if vals is not None:
                    allowed = vals if allowed is None else allowed & vals
            if allowed is not None and not allowed:
                return f"{name} cannot be {' and '.join(str(c.value) for c in group if _values(c))} at once"
            if allowed:
                excluded = {
                    fold(v)
                    for c in group
                    if c.op in {"is_not", "not_in"}
                    for v in (c.value if isinstance(c.value, list) else [c.value])
                }
                if allowed <= excluded:
                    return f"{name} is required and excluded with the same value"
        else:
            required = {fold(c.value) for c in group if c.op in {"is", "contains"}}
            excluded = {
                fold(v)
                for c in group
                if c.op in {"not_contains", "is_not", "not_in"}
                for v in (c.value if isinstance(c.value, list) else [c.value])
            }
            both = required & excluded
            if both:
                return f"{name} must and must not include {sorted(both)[0]!r}"
        lo, hi, lo_open, hi_open = _interval(group, name)
        if lo > hi or (lo == hi and (lo_open or hi_open)):
            return f"{name} has no value between its bounds"
        if any(c.op == "is_set" for c in group) and any(c.op == "is_not_set" for c in group):
            return f"{name} cannot be set and unset at once"
    return ""


def disjoint(a: Sequence[Condition], b: Sequence[Condition]) -> bool:
    """True when no ticket can meet both ``all`` lists (checked statically)."""
    return bool(contradiction([*a, *b]))


def _set_value(act: Mapping[str, Any]) -> str:
    return str(act.get("value") or act.get("team") or act.get("agent") or "1")


def _comparable(fieldname: str, value: Any) -> str:
    if fieldname == "status":
        try:
            return str(int(TicketStatus.parse(value)))
        except ValueError:
            return fold(value)
    return fold(value)


def _excludes(rule: Rule, fieldname: str, value: str) -> bool:
    """True when ``rule`` cannot match once ``fieldname`` holds ``value`` (its ``all`` conditions say so)."""
    target = _comparable(fieldname, value)
    for c in rule.conditions.all:
        if c.field != fieldname or c.op not in {"is", "in", "is_not", "not_in"}:
            continue
        values = {_comparable(fieldname, v) for v in (c.value if isinstance(c.value, list) else [c.value])}
        if (c.op in {"is", "in"} and target not in values) or (
            c.op in {"is_not", "not_in"} and target in values
        ):
            return True
    return False


def clashing_actions(first: Rule, second: Rule) -> list[str]:
    """What ``second`` (which runs later) undoes of ``first``; a clash is ignored when ``second``'s own
    conditions rule out the value ``first`` sets (it stops matching once ``first`` has fired)."""
    a, b = first, second
    sets_a: dict[str, str] = {}
    for act in first.actions:
        if act["action"] in SETS_FIELD:
            sets_a[SETS_FIELD[act["action"]]] = _set_value(act)
    clashes = []
    for act in second.actions:
        name = act["action"]
        if name in SETS_FIELD:
            fieldname = SETS_FIELD[name]
            value = _set_value(act)
            if (
                fieldname in sets_a
                and _comparable(fieldname, sets_a[fieldname]) != _comparable(fieldname, value)
                and not _excludes(second, fieldname, sets_a[fieldname])
            ):
                clashes.append(f"sets {fieldname} to {sets_a[fieldname]!r}, not {value!r}")
    tags_added = {fold(x["tag"]) for x in a.actions if x["action"] == "add_tag"}
    tags_removed = {fold(x["tag"]) for x in a.actions if x["action"] == "remove_tag"}
    for act in b.actions:
        if act["action"] == "remove_tag" and fold(act["tag"]) in tags_added:
            clashes.append(f"adds tag {act['tag']!r} that the other removes")
        if act["action"] == "add_tag" and fold(act["tag"]) in tags_removed:
            clashes.append(f"removes tag {act['tag']!r} that the other adds")
    return clashes


def platforms_of(rule: Rule) -> list[str] | None:
    for c in rule.conditions.all:
        if c.field == "platform" and c.op in {"is", "in"}:
            return [fold(v) for v in (c.value if isinstance(c.value, list) else [c.value])]
    return None
