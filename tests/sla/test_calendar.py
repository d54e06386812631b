"""Business calendars: weekly hours in a time zone, daylight-saving changes, public holidays."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crossdesk.rules import RuleError
from crossdesk.sla import BusinessCalendar, WallClock

HOUR = 3600


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


BERLIN = BusinessCalendar.from_config(
    {"hours": {d: "09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}}, "Europe/Berlin"
)


def test_add_within_a_day_and_over_a_weekend():
    # Monday 2025-12-15 10:00 Berlin (09:00 UTC) + 3 h
    assert BERLIN.add(ts(2025, 12, 15, 9), 3 * HOUR) == ts(2025, 12, 15, 12)
    # Friday 2025-12-19 16:00 Berlin + 2 h: one hour on Friday, one on Monday from 09:00 Berlin (08:00 UTC)
    assert BERLIN.add(ts(2025, 12, 19, 15), 2 * HOUR) == ts(2025, 12, 22, 9)
    # Starting before opening time counts from opening time
    assert BERLIN.add(ts(2025, 12, 15, 5), HOUR) == ts(2025, 12, 15, 9)
    # Saturday: nothing counts until Monday
    assert BERLIN.add(ts(2025, 12, 20, 12), 30 * 60) == ts(2025, 12, 22, 8, 30)


def test_spring_forward_keeps_local_hours():
    # Friday 2026-03-27 16:00 CET (UTC+1) + 2 h. Berlin moves to CEST (UTC+2) on Sunday 29 March, so Monday
    # opens at 09:00 CEST = 07:00 UTC and the deadline is 10:00 CEST = 08:00 UTC (not 09:00 UTC).
    assert BERLIN.add(ts(2026, 3, 27, 15), 2 * HOUR) == ts(2026, 3, 30, 8)
    assert BERLIN.elapsed(ts(2026, 3, 27, 15), ts(2026, 3, 30, 8)) == 2 * HOUR


def test_fall_back_keeps_local_hours():
    # Friday 2026-10-23 16:00 CEST + 2 h; back to CET on 25 October: Monday 10:00 CET = 09:00 UTC.
    assert BERLIN.add(ts(2026, 10, 23, 14), 2 * HOUR) == ts(2026, 10, 26, 9)


def test_the_short_and_the_long_day_of_a_round_the_clock_calendar():
    every_day = BusinessCalendar.from_config(
        {"hours": {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
        "Europe/Berlin",
    )
    # Sunday 29 March 2026 has 23 local hours, Sunday 25 October 25.
    assert every_day.elapsed(ts(2026, 3, 28, 23), ts(2026, 3, 29, 22)) == 23 * HOUR
    assert every_day.elapsed(ts(2026, 10, 24, 22), ts(2026, 10, 25, 23)) == 25 * HOUR
    # A wall clock knows nothing of local time.
    assert WallClock().add(ts(2026, 3, 28, 23), 24 * HOUR) == ts(2026, 3, 29, 23)


def test_public_holidays_from_the_holidays_package():
    de = BusinessCalendar.from_config({"holidays": {"country": "DE", "subdiv": "BY"}}, "Europe/Berlin")
    plain = BusinessCalendar.from_config({}, "Europe/Berlin")
    start = ts(2025, 12, 24, 15)  # Wednesday 24 December, 16:00 Berlin
    # Without holidays: 1 h on the 24th, 1 h on Thursday the 25th.
    assert plain.add(start, 2 * HOUR) == ts(2025, 12, 25, 9)
    # 25 and 26 December are public holidays, then the weekend: Monday 29th, 10:00 Berlin.
    assert de.add(start, 2 * HOUR) == ts(2025, 12, 29, 9)
    # Epiphany (6 January) is a holiday in Bavaria but not in Berlin.
    berlin = BusinessCalendar.from_config({"holidays": {"country": "DE", "subdiv": "BE"}}, "Europe/Berlin")
    assert de.intervals(datetime(2026, 1, 6).date()) == []
    assert berlin.intervals(datetime(2026, 1, 6).date()) != []


def test_extra_closed_days_and_split_hours():
    cal = BusinessCalendar.from_config(
        {"hours": {"mon": ["09:00-12:00", "13:00-17:00"]}, "closed": ["2025-12-22"]}, "UTC"
    )
    # Monday 15 Dec 11:00 + 2 h: 1 h before lunch, 1 h after -> 14:00
    assert cal.add(ts(2025, 12, 15, 11), 2 * HOUR) == ts(2025, 12, 15, 14)
    # 22 December is closed: the next Monday is the 29th
    assert cal.add(ts(2025, 12, 15, 16), 2 * HOUR) == ts(2025, 12, 29, 10)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"hours": {"mon": "9-17"}}, "must look like '09:00-17:00'"),
        ({"hours": {"funday": "09:00-17:00"}}, "unknown weekday"),
        ({"hours": {"mon": "17:00-09:00"}}, "not a span within one day"),
        ({"hours": {"mon": ["09:00-13:00", "12:00-17:00"]}}, "overlap"),
        ({"hours": {"mon": []}}, "needs some working hours"),
        ({"holidays": "XX"}, "no calendar for 'XX'"),
        ({"closed": ["24/12/2025"]}, "not a YYYY-MM-DD date"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"weekends": True}, "unknown key 'weekends'"),
    ],
)
def test_bad_calendars_are_refused(config, message):
    with pytest.raises(RuleError, match=message):
        BusinessCalendar.from_config(config, config.get("timezone", "UTC"))


def test_short_form_with_weekdays_start_and_end():
    cal = BusinessCalendar.from_config(
        {"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00", "holidays": "JP"}, "Asia/Tokyo"
    )
    # Friday 2025-12-19 17:00 Tokyo (08:00 UTC) + 2 h: 1 h on Friday, Monday 09:00-10:00 Tokyo (01:00 UTC)
    assert cal.add(ts(2025, 12, 19, 8), 2 * HOUR) == ts(2025, 12, 22, 1)
    with pytest.raises(RuleError, match="either hours or weekdays"):
        BusinessCalendar.from_config({"weekdays": [0], "hours": {"mon": "09:00-17:00"}})


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_BAVARIA = BusinessCalendar.from_config(
    {
        "hours": {
            "mon": ["08:00-12:00", "13:00-18:00"],
            "tue": "09:00-17:00",
            "wed": "09:00-17:00",
            "thu": "09:00-17:00",
            "fri": "09:00-15:00",
            "sat": "10:00-12:00",
        },
        "holidays": {"country": "DE", "subdiv": "BY"},
        "closed": ["2026-03-30"],
    },
    "Europe/Berlin",
)
_MOMENTS = st.integers(ts(2025, 12, 1), ts(2026, 11, 30))


@settings(max_examples=60, deadline=None)
@given(
    starts=st.lists(_MOMENTS, min_size=1, max_size=20),
    seconds=st.lists(st.integers(1, 200 * HOUR), min_size=20, max_size=20),
)
def test_vectorised_add_and_elapsed_match_the_scalar_ones(starts, seconds):
    import numpy as np

    secs = seconds[: len(starts)]
    got = _BAVARIA.add_many(np.array(starts), np.array(secs))
    assert got.tolist() == [_BAVARIA.add(s, d) for s, d in zip(starts, secs, strict=True)]
    ends = [s + d for s, d in zip(starts, secs, strict=True)]
    got = _BAVARIA.elapsed_many(np.array(starts), np.array(ends))
    assert got.tolist() == [_BAVARIA.elapsed(s, e) for s, e in zip(starts, ends, strict=True)]
