"""Weekly shifts in each agent's time zone, leave and public holidays."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crossdesk.errors import DeskError, PermissionDenied
from crossdesk.models import Actor, Role
from crossdesk.team import Shift, parse_pattern

from .conftest import ADMIN


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def test_parse_pattern_ranges_and_overnight():
    shifts = parse_pattern("mon-fri 09:00-17:00; sat 22:00-06:00")
    assert [s.weekday for s in shifts] == [0, 1, 2, 3, 4, 5]
    assert shifts[0] == Shift(0, 540, 1020)
    assert shifts[-1].overnight
    assert [s.weekday for s in parse_pattern("fri-mon 08:00-12:00")] == [4, 5, 6, 0]


@pytest.mark.parametrize(
    "bad",
    ["monday 9-5", "mon 09:00", "xyz 09:00-10:00", "mon 25:00-26:00", "mon 09:00-09:00", "mon 09:61-10:00"],
)
def test_bad_patterns_are_refused_in_one_line(bad):
    with pytest.raises(DeskError, match="shift"):
        parse_pattern(bad)


def test_on_shift_in_the_agents_own_time_zone(td):
    # 09:00-17:00 in Tokyo is 00:00-08:00 UTC; in Berlin (winter, UTC+1) 08:00-16:00 UTC.
    tokyo = td.agent("aki", tz="Asia/Tokyo", shifts="mon-fri 09:00-17:00")
    berlin = td.agent("bea", tz="Europe/Berlin", shifts="mon-fri 09:00-17:00")
    always = td.agent("cy")  # no shifts: always on
    on = td.desk.shifts.on_shift(ts("2025-12-15T07:30"))
    assert on == {tokyo: True, berlin: False, always: True}
    on = td.desk.shifts.on_shift(ts("2025-12-15T08:30"))
    assert on == {tokyo: False, berlin: True, always: True}
    # Saturday: nobody with a shift works.
    assert td.desk.shifts.on_shift(ts("2025-12-20T10:00")) == {tokyo: False, berlin: False, always: True}


def test_daylight_saving_moves_the_shift_with_the_wall_clock(td):
    ny = td.agent("ned", tz="America/New_York", shifts="mon-sun 09:00-10:00")
    assert td.desk.shifts.on_shift(ts("2025-12-15T14:30"))[ny]  # EST, UTC-5
    assert not td.desk.shifts.on_shift(ts("2025-07-14T14:30"))[ny]  # EDT, UTC-4: 10:30 local
    assert td.desk.shifts.on_shift(ts("2025-07-14T13:30"))[ny]


def test_overnight_shift_belongs_to_the_day_it_starts(td):
    night = td.agent("nia", shifts="sun 22:00-06:00")
    assert td.desk.shifts.on_shift(ts("2025-12-14T23:00"))[night]  # Sunday night
    assert td.desk.shifts.on_shift(ts("2025-12-15T05:59"))[night]  # Monday early: Sunday's shift
    assert not td.desk.shifts.on_shift(ts("2025-12-15T06:00"))[night]
    td.desk.shifts.add_leave(ADMIN, night, "2025-12-14")
    assert not td.desk.shifts.on_shift(ts("2025-12-15T05:00"))[night]


def test_leave_and_country_holidays(td):
    de = td.agent("dora", tz="Europe/Berlin", country="DE", shifts="mon-fri 09:00-17:00")
    assert td.desk.shifts.on_shift(ts("2025-12-24T10:00"))[de]  # Christmas Eve is not a DE holiday
    assert not td.desk.shifts.on_shift(ts("2025-12-25T10:00"))[de]  # Christmas Day is
    td.desk.shifts.add_leave(ADMIN, de, "2025-12-15", "2025-12-16", note="training")
    assert not td.desk.shifts.on_shift(ts("2025-12-16T10:00"))[de]
    assert td.desk.shifts.on_shift(ts("2025-12-17T10:00"))[de]
    week = td.desk.shifts.weeks()[de]
    assert week.next_start(ts("2025-12-15T10:00")) == ts("2025-12-17T08:00")


def test_bad_input_is_refused_and_nothing_changes(td):
    with pytest.raises(DeskError, match="time zone"):
        td.agent("x", tz="Mars/Olympus")
    with pytest.raises(DeskError, match="holiday calendar"):
        td.agent("y", country="XX")
    a = td.agent("z", shifts="mon 09:00-10:00")
    with pytest.raises(DeskError):
        td.desk.shifts.set_pattern(ADMIN, a, "mon 09:00-10:00; tue nine")
    assert [str(s) for s in td.desk.shifts.pattern(a)] == ["mon 09:00-10:00"]
    with pytest.raises(DeskError, match="dates"):
        td.desk.shifts.add_leave(ADMIN, a, "next week")
    with pytest.raises(PermissionDenied):
        td.desk.shifts.set_pattern(Actor("ana", Role.AGENT), a, "tue 09:00-10:00")


def test_changes_are_audited(td):
    a = td.agent("z", shifts="mon 09:00-10:00")
    td.desk.shifts.add_leave(ADMIN, a, "2025-12-24")
    actions = [r["action"] for r in td.desk.store.audit_trail(ADMIN, "agent", a)]
    assert actions[:2] == ["shifts.leave", "shifts.set"]
