"""Clocks that SLA deadlines are counted on.

A :class:`BusinessCalendar` counts only working time: weekly hours in a team's time zone (zoneinfo, so a
daylight-saving change moves the UTC hours, not the local ones), minus public holidays from the
``holidays`` package and any extra closed days. A :class:`WallClock` counts every second, every day, as
marketplaces do (Amazon's 24 hours are 24 real hours, weekend or not).

Both answer the same two questions: ``add(start, seconds)`` (when does a budget of working seconds that
starts at ``start`` run out) and ``elapsed(start, end)`` (how much working time lies between two moments).
Times are UTC epoch seconds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import numpy as np

from crossdesk.conditions import RuleError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Weekly hours when a calendar names none: Monday to Friday, 09:00-17:00.
DEFAULT_HOURS = {d: ["09:00-17:00"] for d in DAYS[:5]}
#: How far ahead a deadline is searched before the calendar is declared to have no working time.
MAX_DAYS = 3 * 366

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class WallClock:
    """Every second counts (marketplace clocks, and "24/7" policies)."""

    kind = "wall"

    def add(self, start: int, seconds: int) -> int:
        return int(start) + int(seconds)

    def elapsed(self, start: int, end: int) -> int:
        return max(0, int(end) - int(start))

    def add_many(self, starts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        return np.asarray(starts, dtype=np.int64) + np.asarray(seconds, dtype=np.int64)

    def elapsed_many(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        return np.maximum(0, np.asarray(ends, dtype=np.int64) - np.asarray(starts, dtype=np.int64))


@lru_cache(maxsize=256)
def _holiday_dates(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year).keys())


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly working hours in a time zone, minus public holidays and extra closed days.

    ``hours`` maps weekday index (0 Monday) to sorted (start, end) minute offsets within the local day;
    an end of 1440 is midnight.
    """

    timezone: str = "UTC"
    hours: Mapping[int, tuple[tuple[int, int], ...]] = field(
        default_factory=lambda: _parse_hours(DEFAULT_HOURS, "calendar")
    )
    country: str | None = None
    subdiv: str | None = None
    closed: frozenset[date] = frozenset()
    _days: dict[date, list[tuple[int, int]]] = field(default_factory=dict, compare=False, repr=False)

    kind = "business"

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any] | None, timezone: str = "UTC", where: str = "calendar"
    ) -> BusinessCalendar:
        """Build from a team's calendar JSON::

        {"hours": {"mon": ["09:00-12:00", "13:00-17:00"], ...},   # default Mon-Fri 09:00-17:00
         "holidays": "DE" or {"country": "DE", "subdiv": "BY"},
         "closed": ["2026-12-24"]}
        """
        config = dict(config or {})
        extra = set(config) - {"hours", "holidays", "closed", "timezone", "weekdays", "start", "end"}
        if extra:
            raise RuleError(f"{where}: unknown key {sorted(extra)[0]!r} (expected hours, holidays, closed)")
        if {"weekdays", "start", "end"} & set(config):
            # The short form: the same hours on each listed weekday (0 Monday, or names).
            if "hours" in config:
                raise RuleError(f"{where}: give either hours or weekdays/start/end, not both")
            days = config.pop("weekdays", [0, 1, 2, 3, 4])
            span = f"{config.pop('start', '09:00')}-{config.pop('end', '17:00')}"
            names = []
            for day in days if isinstance(days, list) else [days]:
                if isinstance(day, int) and not isinstance(day, bool) and 0 <= day < 7:
                    names.append(DAYS[day])
                elif isinstance(day, str):
                    names.append(day)
                else:
                    raise RuleError(f"{where}: weekday {day!r} is not 0-6 or a day name")
            config["hours"] = {name: [span] for name in names}
        timezone = config.get("timezone", timezone) or "UTC"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise RuleError(f"{where}: unknown time zone {timezone!r}") from None
        hours = _parse_hours(config.get("hours", DEFAULT_HOURS), where)
        country = subdiv = None
        spec = config.get("holidays")
        if isinstance(spec, str) and spec:
            country = spec
        elif isinstance(spec, Mapping):
            country, subdiv = spec.get("country"), spec.get("subdiv")
        elif spec not in (None, ""):
            raise RuleError(f"{where}: holidays must be a country code or {{country, subdiv}}")
        if country:
            country = str(country).upper()
            try:
                _holiday_dates(country, subdiv, 2026)
            except NotImplementedError:
                raise RuleError(
                    f"{where}: the holidays package has no calendar for {country!r}"
                    + (f" / {subdiv!r}" if subdiv else "")
                ) from None
        closed = set()
        for raw in config.get("closed", []) or []:
            try:
                closed.add(date.fromisoformat(str(raw)))
            except ValueError:
                raise RuleError(f"{where}: closed day {raw!r} is not a YYYY-MM-DD date") from None
        return cls(timezone=timezone, hours=hours, country=country, subdiv=subdiv, closed=frozenset(closed))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        if day in self.closed:
            return True
        return bool(self.country) and day in _holiday_dates(self.country, self.subdiv, day.year)  # type: ignore[arg-type]

    def intervals(self, day: date) -> list[tuple[int, int]]:
        """Working intervals of a local day, as UTC epoch seconds (memoised: deadlines of a desk fall on
        the same few hundred days)."""
        cached = self._days.get(day)
        if cached is not None:
            return cached
        spans = self.hours.get(day.weekday(), ())
        out: list[tuple[int, int]] = []
        if spans and not self.is_holiday(day):
            zone = self.zone
            out = [(_local_ts(day, start, zone), _local_ts(day, end, zone)) for start, end in spans]
        if len(self._days) > 20_000:  # a long-running process must not grow without bound
            self._days.clear()
        self._days[day] = out
        return out

    def _local_day(self, ts: int) -> date:
        return datetime.fromtimestamp(ts, self.zone).date()

    def add(self, start: int, seconds: int) -> int:
        """The moment at which ``seconds`` of working time, counted from ``start``, have passed."""
        remaining = int(seconds)
        cursor = int(start)
        day = self._local_day(cursor) - timedelta(days=1)  # a late interval of the previous local day
        for _ in range(MAX_DAYS):
            for s, e in self.intervals(day):
                if e <= cursor:
                    continue
                s = max(s, cursor)
                if remaining <= e - s:
                    return s + remaining
                remaining -= e - s
                cursor = e
            day += timedelta(days=1)
        raise RuleError(f"calendar ({self.timezone}) has no working time in {MAX_DAYS} days")

    def elapsed(self, start: int, end: int) -> int:
        """Working seconds between ``start`` and ``end``."""
        start, end = int(start), int(end)
        if end <= start:
            return 0
        total = 0
        day = self._local_day(start) - timedelta(days=1)
        last = self._local_day(end)
        while day <= last:
            for s, e in self.intervals(day):
                lo, hi = max(s, start), min(e, end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    # ---- many at once (recomputing a whole desk) ------------------------------------------------------

    def _table(self, first: int, last: int, budget: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Working intervals from the local day before ``first`` until ``budget`` working seconds past
        ``last``: (starts, ends, working seconds before each interval)."""
        starts: list[int] = []
        ends: list[int] = []
        day = self._local_day(first) - timedelta(days=1)
        end_day = self._local_day(last)
        after = 0
        for _ in range(MAX_DAYS + (end_day - day).days):
            for s, e in self.intervals(day):
                starts.append(s)
                ends.append(e)
                if day > end_day:
                    after += e - s
            if day > end_day and after > budget:
                break
            day += timedelta(days=1)
        else:
            raise RuleError(f"calendar ({self.timezone}) has no working time in {MAX_DAYS} days")
        s_arr = np.asarray(starts, dtype=np.int64)
        e_arr = np.asarray(ends, dtype=np.int64)
        before = np.concatenate([[0], np.cumsum(e_arr - s_arr)[:-1]]).astype(np.int64)
        return s_arr, e_arr, before

    @staticmethod
    def _position(t: np.ndarray, s: np.ndarray, e: np.ndarray, before: np.ndarray) -> np.ndarray:
        """Working seconds from the table's start to each moment ``t``."""
        i = np.searchsorted(s, t, side="right") - 1
        inside = np.clip(t - s[np.maximum(i, 0)], 0, (e - s)[np.maximum(i, 0)])
        return np.where(i >= 0, before[np.maximum(i, 0)] + inside, 0)

    def add_many(self, starts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """:meth:`add` for arrays (same answers; a parity test holds them together), by binary search in
        a table of working intervals rather than a walk per deadline."""
        starts = np.asarray(starts, dtype=np.int64)
        seconds = np.asarray(seconds, dtype=np.int64)
        if starts.size == 0:
            return starts.copy()
        if np.any(seconds <= 0):
            raise ValueError("add_many needs positive durations")
        s, e, before = self._table(int(starts.min()), int(starts.max()), int(seconds.max()))
        target = self._position(starts, s, e, before) + seconds
        j = np.searchsorted(before + (e - s), target, side="left")
        return s[np.minimum(j, len(s) - 1)] + (target - before[np.minimum(j, len(s) - 1)])

    def elapsed_many(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """:meth:`elapsed` for arrays."""
        starts = np.asarray(starts, dtype=np.int64)
        ends = np.asarray(ends, dtype=np.int64)
        if starts.size == 0:
            return starts.copy()
        s, e, before = self._table(int(min(starts.min(), ends.min())), int(max(starts.max(), ends.max())), 0)
        return np.maximum(0, self._position(ends, s, e, before) - self._position(starts, s, e, before))


def _local_ts(day: date, minute: int, zone: ZoneInfo) -> int:
    if minute >= 1440:
        day, minute = day + timedelta(days=1), minute - 1440
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return int(local.timestamp())


def _parse_hours(raw: Any, where: str) -> dict[int, tuple[tuple[int, int], ...]]:
    if not isinstance(raw, Mapping):
        raise RuleError(f"{where}: hours must map weekdays (mon..sun) to lists like ['09:00-17:00']")
    out: dict[int, tuple[tuple[int, int], ...]] = {}
    for name, spans in raw.items():
        key = str(name).strip().lower()[:3]
        if key not in DAYS:
            raise RuleError(f"{where}: unknown weekday {name!r}")
        if isinstance(spans, str):
            spans = [spans]
        parsed = []
        for span in spans or []:
            m = _SPAN.match(str(span))
            if not m:
                raise RuleError(f"{where}: {name} hours {span!r} must look like '09:00-17:00'")
            h1, m1, h2, m2 = map(int, m.groups())
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if m1 > 59 or m2 > 59 or start >= end or end > 1440:
                raise RuleError(f"{where}: {name} hours {span!r} are not a span within one day")
            parsed.append((start, end))
        parsed.sort()
        for (_, e1), (s2, _) in itertools.pairwise(parsed):
            if s2 < e1:
                raise RuleError(f"{where}: {name} hours overlap")
        out[DAYS.index(key)] = tuple(parsed)
    if not any(out.values()):
        raise RuleError(f"{where}: a business calendar needs some working hours")
    return out
