"""SLA policies: which tickets they cover, on which clock, with which targets per priority.

In a file (TOML ``[[policies]]`` or JSON ``{"policies": [...]}``)::

    [[policies]]
    name = "Amazon: 24 hours, every day"
    clock = "marketplace"           # business (team calendar), wall (24/7, pausable), marketplace (24/7, never paused)
    all = [{ field = "platform", op = "is", value = "amazon" }]
    warn_before = "2h"              # near-breach window
    [policies.targets.normal]
    first_reply = "24h"
    next_reply = "24h"

Durations are minutes (an integer) or text like "90m", "8h", "2d", "1h30m". A priority without targets
uses the ``normal`` ones. The first active policy (by position) whose conditions the ticket meets applies.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from crossdesk.conditions import (
    CHANGE_OPS,
    PRIORITY_LEVELS,
    Conditions,
    RuleError,
    Vocabulary,
    parse_conditions,
)

CLOCKS = ("business", "wall", "marketplace")
TARGETS = ("first_reply", "next_reply", "resolution")
_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")
_KEYS = {
    "name",
    "position",
    "clock",
    "team",
    "all",
    "any",
    "conditions",
    "targets",
    "warn_before",
    "active",
    "id",
    "team_id",
}


def parse_duration(value: Any, where: str) -> int:
    """Seconds from minutes (int) or "1d2h30m"-style text."""
    if isinstance(value, bool):
        raise RuleError(f"{where}: {value!r} is not a duration")
    if isinstance(value, int):
        if value <= 0:
            raise RuleError(f"{where}: a duration must be positive")
        return value * 60
    m = _DURATION.match(str(value)) if isinstance(value, str) else None
    if not m or not any(m.groups()):
        raise RuleError(f"{where}: {value!r} is not a duration (minutes, or like '8h', '2d', '1h30m')")
    d, h, mins = (int(x or 0) for x in m.groups())
    seconds = ((d * 24 + h) * 60 + mins) * 60
    if seconds <= 0:
        raise RuleError(f"{where}: a duration must be positive")
    return seconds


@dataclass(frozen=True)
class SlaPolicy:
    name: str
    conditions: Conditions
    clock: str
    targets: Mapping[str, Mapping[str, int]]  # priority -> target -> seconds
    position: int = 0
    team: str | None = None
    warn_before: int = 3600
    active: bool = True
    id: int | None = None

    @property
    def pausable(self) -> bool:
        """Marketplace clocks never stop: the marketplace measures them, not us."""
        return self.clock != "marketplace"

    def target(self, priority: str, which: str) -> int | None:
        for level in (priority, "normal"):
            value = self.targets.get(level, {}).get(which)
            if value:
                return value
        return None

    def as_row(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "position": self.position,
            "conditions": orjson.dumps(self.conditions.as_dict()).decode(),
            "clock": self.clock,
            "targets": orjson.dumps({k: dict(v) for k, v in self.targets.items()}).decode(),
            "warn_before": self.warn_before,
            "active": int(self.active),
        }


def parse_policy(raw: Any, where: str, vocab: Vocabulary, default_position: int = 0) -> SlaPolicy:
    if not isinstance(raw, Mapping):
        raise RuleError(f"{where}: a policy is a table")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleError(f"{where}: a policy needs a name")
    where = f"{where} {name!r}"
    extra = set(raw) - _KEYS
    if extra:
        raise RuleError(f"{where}: unknown key {sorted(extra)[0]!r}")
    clock = raw.get("clock", "business")
    if clock not in CLOCKS:
        raise RuleError(f"{where}: clock must be one of {', '.join(CLOCKS)}, not {clock!r}")
    cond_raw = (
        raw.get("conditions") if "conditions" in raw else {k: raw[k] for k in ("all", "any") if k in raw}
    )
    if isinstance(cond_raw, str):
        cond_raw = orjson.loads(cond_raw)
    conditions = parse_conditions(cond_raw, where, vocab)
    for c in conditions:
        if c.op in CHANGE_OPS:
            raise RuleError(f"{where}: a policy cannot use {c.op!r} (policies describe tickets, not events)")
        if c.field.startswith("hours_"):
            raise RuleError(
                f"{where}: a policy cannot depend on {c.field!r} (it would change with the clock)"
            )
    targets_raw = raw.get("targets")
    if isinstance(targets_raw, str):
        targets_raw = orjson.loads(targets_raw)
    if not isinstance(targets_raw, Mapping) or not targets_raw:
        raise RuleError(f"{where}: a policy needs targets, e.g. targets.normal.first_reply = '8h'")
    targets: dict[str, dict[str, int]] = {}
    for level, spec in targets_raw.items():
        if level not in PRIORITY_LEVELS:
            raise RuleError(
                f"{where}: unknown priority {level!r} in targets; known: {', '.join(PRIORITY_LEVELS)}"
            )
        if not isinstance(spec, Mapping):
            raise RuleError(
                f"{where}: targets.{level} must be a table of first_reply, next_reply, resolution"
            )
        bad = set(spec) - set(TARGETS)
        if bad:
            raise RuleError(f"{where}: unknown target {sorted(bad)[0]!r}; known: {', '.join(TARGETS)}")
        from_db = "id" in raw  # stored policies hold seconds already
        targets[level] = {
            k: (int(v) if from_db else parse_duration(v, f"{where}, targets.{level}.{k}"))
            for k, v in spec.items()
        }
    warn = raw.get("warn_before", 3600 if "id" in raw else "1h")
    warn_seconds = int(warn) if "id" in raw else parse_duration(warn, f"{where}, warn_before")
    position = raw.get("position", default_position)
    if isinstance(position, bool) or not isinstance(position, int):
        raise RuleError(f"{where}: position must be an integer")
    team = raw.get("team")
    if team is not None and clock != "business":
        raise RuleError(f"{where}: only a business clock uses a team calendar")
    return SlaPolicy(
        name=name.strip(),
        conditions=conditions,
        clock=clock,
        targets=targets,
        position=position,
        team=team,
        warn_before=warn_seconds,
        active=bool(raw.get("active", True)),
        id=raw.get("id"),
    )


def read_policies_file(path: str | Path, vocab: Vocabulary) -> list[SlaPolicy]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RuleError(f"{path}: no such file") from None
    try:
        doc: Any = (
            orjson.loads(data) if path.suffix.lower() == ".json" else tomllib.loads(data.decode("utf-8"))
        )
    except (tomllib.TOMLDecodeError, orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path}: cannot be read: {exc}") from None
    if isinstance(doc, Mapping):
        extra = set(doc) - {"policies"}
        if extra:
            raise RuleError(f"{path}: unknown top-level key {sorted(extra)[0]!r} (expected 'policies')")
        doc = doc.get("policies", [])
    if not isinstance(doc, Sequence) or isinstance(doc, str):
        raise RuleError(f"{path}: expected a list of policies")
    out = [parse_policy(raw, f"{path}: policy {i + 1}", vocab, (i + 1) * 10) for i, raw in enumerate(doc)]
    names = [p.name for p in out]
    if len(set(names)) != len(names):
        raise RuleError(f"{path}: two policies share a name")
    return out
