"""Shifts: when each agent works, in their own time zone, and who is on shift at a moment.

An agent's week is a list of shifts (weekday, start, end) in local time (``agents.timezone``, an IANA
name read by :mod:`zoneinfo`, so daylight saving moves the shift with the clock on the wall); a shift whose
end is at or before its start runs past midnight into the next day. An agent is *off* on a day of leave
(``shift_exceptions``) and on a public holiday of their country (``agents.country``, the calendars of the
``holidays`` library); a shift belongs to the local day it starts on. An agent with no shifts at all is
always on shift (a desk that has not set shifts up routes as before). docs/team.md describes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor
from crossdesk.store import Store

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(r"^\s*([a-z]{3})(?:\s*-\s*([a-z]{3}))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Shift:
    """One weekly shift in the agent's local time: ``weekday`` 0 is Monday; minutes of the day."""

    weekday: int
    start_min: int
    end_min: int

    @property
    def overnight(self) -> bool:
        return self.end_min <= self.start_min

    def __str__(self) -> str:
        return f"{DAYS[self.weekday]} {_hhmm(self.start_min)}-{_hhmm(self.end_min)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_pattern(text: str) -> list[Shift]:
    """``"mon-fri 09:00-17:00; sat 10:00-14:00"`` -> shifts. Parts are separated by ``;`` or ``,``; a day
    range covers each day in it; ``22:00-06:00`` runs past midnight. Raises DeskError naming the bad part."""
    out: list[Shift] = []
    for part in re.split(r"[;,]", text.strip().lower()):
        if not part.strip():
            continue
        m = _SPEC.match(part)
        if m is None:
            raise DeskError(f"shift {part.strip()!r} is not like 'mon-fri 09:00-17:00'")
        first, last, h1, m1, h2, m2 = m.groups()
        for day in (first, last or first):
            if day not in DAYS:
                raise DeskError(f"shift {part.strip()!r}: {day!r} is not a day ({', '.join(DAYS)})")
        start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
        if int(h1) > 23 or int(m1) > 59 or int(m2) > 59 or end > 1440:
            raise DeskError(f"shift {part.strip()!r}: not a time of day")
        if start == end:
            raise DeskError(f"shift {part.strip()!r} is empty")
        a, b = DAYS.index(first), DAYS.index(last or first)
        days = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
        out.extend(Shift(d, start, end) for d in days)
    return out


def zone(name: str) -> ZoneInfo:
    """The time zone called ``name``; DeskError when there is none."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DeskError(f"unknown time zone {name!r}") from exc


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


def check_country(country: str) -> str:
    """An ISO 3166 alpha-2 code the holidays library has a calendar for ('' for none)."""
    country = (country or "").strip().upper()
    if country and country not in holidays.list_supported_countries():
        raise DeskError(f"no holiday calendar for country {country!r} (use an ISO 3166 code such as DE)")
    return country


@dataclass
class AgentWeek:
    """What the shift rules need of one agent."""

    agent_id: int
    name: str
    tz: ZoneInfo
    country: str
    shifts: list[Shift]
    leave: list[tuple[date, date]]

    def day_off(self, day: date) -> bool:
        if any(a <= day <= b for a, b in self.leave):
            return True
        return bool(self.country) and day in _holidays(self.country, day.year)

    def on_shift(self, at: float) -> bool:
        """Whether the agent works at the instant ``at`` (epoch seconds)."""
        if not self.shifts:
            return not self.day_off(datetime.fromtimestamp(at, self.tz).date())
        local = datetime.fromtimestamp(at, self.tz)
        minute = local.hour * 60 + local.minute
        today, wd = local.date(), local.weekday()
        for s in self.shifts:
            if s.weekday == wd and minute >= s.start_min and (s.overnight or minute < s.end_min):
                started = today
            elif s.overnight and s.weekday == (wd - 1) % 7 and minute < s.end_min:
                started = today - timedelta(days=1)
            else:
                continue
            if not self.day_off(started):
                return True
        return False

    def next_start(self, at: float, horizon_days: int = 21) -> int | None:
        """The start (epoch seconds) of the agent's next shift after ``at``; None when none is in sight
        (no shifts, or leave longer than the horizon)."""
        if not self.shifts:
            return None
        local = datetime.fromtimestamp(at, self.tz)
        best: int | None = None
        for offset in range(horizon_days + 1):
            day = local.date() + timedelta(days=offset)
            if self.day_off(day):
                continue
            for s in self.shifts:
                if s.weekday != day.weekday():
                    continue
                start = datetime(
                    day.year, day.month, day.day, s.start_min // 60, s.start_min % 60, tzinfo=self.tz
                )
                ts = int(start.timestamp())
                if ts > at and (best is None or ts < best):
                    best = ts
            if best is not None:
                return best
        return best


class ShiftService:
    """``desk.shifts``: weekly patterns and leave per agent (writes need ``manage_settings``), and who is
    on shift when (reads need ``view``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _agent(self, agent_id: int) -> dict:
        row = self.store.row("SELECT id, name, timezone, country FROM agents WHERE id = ?", [agent_id])
        if row is None:
            raise NotFound(f"no agent #{agent_id}")
        return row

    def set_pattern(self, actor: Actor, agent_id: int, pattern: str | Sequence[Shift]) -> list[Shift]:
        """Replace the agent's weekly shifts (a text like ``"mon-fri 09:00-17:00"`` or Shift objects)."""
        store = self.store
        store.require(actor, "manage_settings")
        shifts = parse_pattern(pattern) if isinstance(pattern, str) else list(pattern)
        agent = self._agent(agent_id)
        with store.tx():
            before = [str(s) for s in self.pattern(agent_id)]
            store.db.execute("DELETE FROM shifts WHERE agent_id = ?", [agent_id])
            for s in shifts:
                store.insert(
                    "shifts",
                    {
                        "agent_id": agent_id,
                        "weekday": s.weekday,
                        "start_min": s.start_min,
                        "end_min": s.end_min,
                    },
                )
            store.audit(
                actor, "shifts.set", "agent", agent_id, {"shifts": before},
                {"agent": agent["name"], "shifts": [str(s) for s in shifts]},
            )  # fmt: skip
        return shifts

    def pattern(self, agent_id: int) -> list[Shift]:
        return [
            Shift(*row)
            for row in self.store.db.execute(
                "SELECT weekday, start_min, end_min FROM shifts WHERE agent_id = ? ORDER BY weekday, start_min",
                [agent_id],
            )
        ]

    def add_leave(
        self, actor: Actor, agent_id: int, first_day: str, last_day: str | None = None, note: str = ""
    ) -> int:
        """Days off for the agent, local dates (ISO ``YYYY-MM-DD``) with both ends included."""
        store = self.store
        store.require(actor, "manage_settings")
        self._agent(agent_id)
        try:
            a = date.fromisoformat(first_day)
            b = date.fromisoformat(last_day or first_day)
        except ValueError as exc:
            raise DeskError(f"leave days must be dates like 2026-12-24: {exc}") from exc
        if b < a:
            raise DeskError("leave ends before it starts")
        row = {
            "agent_id": agent_id,
            "first_day": a.isoformat(),
            "last_day": b.isoformat(),
            "kind": "leave",
            "note": note,
        }
        with store.tx():
            leave_id = store.insert("shift_exceptions", row)
            store.audit(actor, "shifts.leave", "agent", agent_id, None, row)
        return leave_id

    def weeks(self, agent_ids: Iterable[int] | None = None) -> dict[int, AgentWeek]:
        """The shift rules of the given agents (None: every active agent), by agent id."""
        db = self.store.db
        rows = db.execute("SELECT id, name, timezone, country FROM agents WHERE active = 1").fetchall()
        wanted = None if agent_ids is None else set(agent_ids)
        out: dict[int, AgentWeek] = {}
        for agent_id, name, tz, country in rows:
            if wanted is None or agent_id in wanted:
                out[agent_id] = AgentWeek(agent_id, name, zone(tz), country or "", [], [])
        for agent_id, wd, start, end in db.execute(
            "SELECT agent_id, weekday, start_min, end_min FROM shifts"
        ):
            if agent_id in out:
                out[agent_id].shifts.append(Shift(wd, start, end))
        for agent_id, a, b in db.execute("SELECT agent_id, first_day, last_day FROM shift_exceptions"):
            if agent_id in out:
                out[agent_id].leave.append((date.fromisoformat(a), date.fromisoformat(b)))
        return out

    def on_shift(self, at: float | None = None, agent_ids: Iterable[int] | None = None) -> dict[int, bool]:
        """Per active agent id, whether they are on shift at ``at`` (default: the desk's clock)."""
        at = self.store.now() if at is None else at
        return {k: w.on_shift(at) for k, w in self.weeks(agent_ids).items()}

    def capacity_now(self, agents: Sequence[Mapping], at: float | None = None) -> dict[int, int]:
        """Routing's capacity override: 0 for each agent off shift at ``at``, the stored capacity otherwise."""
        on = self.on_shift(at, [a["id"] for a in agents])
        return {a["id"]: (int(a["capacity"]) if on.get(a["id"], False) else 0) for a in agents}
