"""Counting legal periods: days and months from an event, and the roll-over past non-working days.

The EU rule is Regulation (EEC, Euratom) No 1182/71 art. 3: the day of the event is not counted (3(1));
a period of days ends at the end of its last day, a period of months on the same date of the last month or
that month's last day (3(2)); Saturdays, Sundays and public holidays count (3(3)), but a period whose last
day is one of them ends at the end of the next working day (3(4)); and any period of two days or more
includes at least two working days (3(5)). Most national codes say the same in their own words (BGB
187/188/193, the Russian Civil Code 191-193, the Brazilian Civil Code art. 132, the Korean Civil Act
157/161, the Chinese Civil Code art. 201-203); the policies say which they follow.

Public holidays come from the ``holidays`` package, for the buyer's country and, when it is known, the
buyer's subdivision (a Bavarian holiday only counts for a buyer in Bavaria).
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

__all__ = ["Calendar", "Period", "add_days", "add_months", "calendar_for", "period_end"]

#: Regulation 1182/71 art. 3(4) names Saturdays and Sundays; so do BGB 193 and most codes here.
SAT_SUN = frozenset({5, 6})


def add_days(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same date ``months`` later, or the last day of that month when it has no such date
    (1182/71 art. 3(2)(c), BGB 188(3)): 31 January + 1 month is 28 or 29 February."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = _calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


class Calendar:
    """Working days of one country (and subdivision): weekends and public holidays.

    ``weekend=None`` takes the country's weekend and its moved working days from the holidays package
    (China and Russia move weekends around their holidays); a set such as ``{5, 6}`` fixes the weekend,
    as Regulation 1182/71 does for every member state.
    """

    def __init__(self, country: str, region: str | None = None, *, weekend: frozenset[int] | None = None):
        self.country = country
        self.notes: list[str] = []
        self.region = None
        self._fixed_weekend = weekend
        supported = holidays.list_supported_countries()
        if country not in supported:
            self._holidays = None
            self.notes.append(f"no public-holiday calendar is known for {country}; only weekends are skipped")
            return
        subdiv = _subdivision(country, region)
        if region and subdiv not in supported[country]:
            self.notes.append(
                f"region {region!r} is not a known subdivision of {country}; national holidays only"
            )
            subdiv = None
        self.region = subdiv
        self._holidays = holidays.country_holidays(country, subdiv=subdiv)

    @property
    def place(self) -> str:
        return f"{self.country}-{self.region}" if self.region else self.country

    def holiday(self, day: dt.date) -> str | None:
        """The name of the public holiday on ``day``, or None."""
        if self._holidays is None:
            return None
        return self._holidays.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        if self._fixed_weekend is not None or self._holidays is None:
            weekend = self._fixed_weekend if self._fixed_weekend is not None else SAT_SUN
            return day.weekday() not in weekend and self.holiday(day) is None
        return bool(self._holidays.is_working_day(day))

    def why_not_working(self, day: dt.date) -> str:
        name = self.holiday(day)
        if name:
            return f"a public holiday in {self.place} ({name})"
        return f"a {day.strftime('%A')}"

    def next_working_day(self, day: dt.date) -> dt.date:
        day = add_days(day, 1)
        while not self.is_working_day(day):
            day = add_days(day, 1)
        return day


def _subdivision(country: str, region: str | None) -> str | None:
    if not region:
        return None
    region = region.strip().upper()
    if region.startswith(country + "-"):  # ISO 3166-2 "DE-BY"
        region = region[len(country) + 1 :]
    return region or None


@lru_cache(maxsize=256)
def calendar_for(country: str, region: str | None = None, weekend: frozenset[int] | None = None) -> Calendar:
    """A cached :class:`Calendar` (holiday tables are built once per place)."""
    return Calendar(country, region, weekend=weekend)


@dataclass(frozen=True, slots=True)
class Period:
    """Where a period ends: ``nominal`` by plain counting, ``end`` after any roll-over, and why."""

    start: dt.date  # the event the period runs from
    nominal: dt.date
    end: dt.date
    note: str = ""

    @property
    def rolled(self) -> bool:
        return self.end != self.nominal


def period_end(
    event: dt.date,
    *,
    days: int = 0,
    months: int = 0,
    calendar: Calendar | None = None,
    count_event_day: bool = False,
    min_working_days: int = 0,
    rule: str = "Regulation 1182/71 art. 3(4)",
) -> Period:
    """The last day of a period of ``months`` then ``days`` running from ``event``.

    The event day is not counted unless ``count_event_day`` (Japan's "counting the day of delivery").
    With a ``calendar``, a last day that is not a working day rolls to the next working day, and
    ``min_working_days`` makes sure the period holds that many working days (1182/71 art. 3(5)).
    Without a calendar nothing rolls: the period ends on its nominal day.
    """
    nominal = add_months(event, months) if months else event
    nominal = add_days(nominal, days - 1 if count_event_day and days else days)
    end, note = nominal, ""
    if calendar is not None:
        if not calendar.is_working_day(nominal):
            end = calendar.next_working_day(nominal)
            note = (
                f"day {nominal.isoformat()} is {calendar.why_not_working(nominal)}, so the period ends "
                f"at the end of the next working day, {end.isoformat()} ({rule})"
            )
        if min_working_days:
            first = event if count_event_day else add_days(event, 1)
            while _working_days(calendar, first, end) < min_working_days:
                end = calendar.next_working_day(end)
                note = f"the period must include {min_working_days} working days, so it ends {end.isoformat()} (Regulation 1182/71 art. 3(5))"
    return Period(start=event, nominal=nominal, end=end, note=note)


def _working_days(calendar: Calendar, first: dt.date, last: dt.date) -> int:
    count, day = 0, first
    while day <= last:
        count += calendar.is_working_day(day)
        day = add_days(day, 1)
    return count
