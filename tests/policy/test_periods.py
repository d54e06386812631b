"""Counting periods per Regulation 1182/71 art. 3 with the holidays package."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from crossdesk.policy import add_months, calendar_for, period_end
from crossdesk.policy.periods import SAT_SUN


def test_add_months_falls_back_to_the_last_day_of_a_short_month():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 3, 24), 12) == date(2026, 3, 24)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_the_event_day_is_not_counted_and_a_holiday_rolls_over():
    cal = calendar_for("DE", None, SAT_SUN)
    p = period_end(date(2025, 12, 12), days=14, calendar=cal)
    assert p.nominal == date(2025, 12, 26)  # Second Day of Christmas
    assert p.end == date(2025, 12, 29)  # Sat, Sun skipped: Monday
    assert "Second Day of Christmas" in p.note


def test_counting_the_event_day_for_japan():
    assert period_end(date(2025, 3, 10), days=8, count_event_day=True).end == date(2025, 3, 17)


def test_two_working_days_at_least_art_3_5():
    cal = calendar_for("DE", None, SAT_SUN)
    # 2 days from Wed 24 Dec: 25 and 26 are holidays, 27-28 the weekend; rolled to Mon 29, which holds
    # only one working day, so art. 3(5) carries it to Tue 30.
    p = period_end(date(2025, 12, 24), days=2, calendar=cal, min_working_days=2)
    assert p.end == date(2025, 12, 30)
    assert "3(5)" in p.note


def test_regional_holiday_only_in_its_region():
    by = calendar_for("DE", "BY", SAT_SUN)
    be = calendar_for("DE", "BE", SAT_SUN)
    assert not by.is_working_day(date(2026, 1, 6))  # Epiphany in Bavaria
    assert be.is_working_day(date(2026, 1, 6))


def test_unknown_region_falls_back_to_national_holidays_and_says_so():
    cal = calendar_for("DE", "XX", SAT_SUN)
    assert cal.region is None and any("XX" in note for note in cal.notes)


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=1, max_value=40),
    country=st.sampled_from(["DE", "FR", "PL", "IT", "ES", "NL"]),
)
def test_a_rolled_period_ends_on_the_first_working_day_not_before_its_nominal_end(start, days, country):
    cal = calendar_for(country, None, SAT_SUN)
    p = period_end(start, days=days, calendar=cal)
    assert p.nominal == date.fromordinal(start.toordinal() + days)
    assert p.end >= p.nominal and cal.is_working_day(p.end)
    day = p.nominal
    while day < p.end:  # every day skipped was a weekend or a holiday
        assert not cal.is_working_day(day)
        day = date.fromordinal(day.toordinal() + 1)
