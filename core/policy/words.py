"""A return verdict in the words a person would use (issue 17): never "eligible until None", never "not
eligible until <date>" (which reads as if the buyer will become eligible on that date)."""

from __future__ import annotations

import datetime as dt
from typing import Any


def _date(value: Any) -> dt.date | None:
    if value in (None, "", "None"):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _day(d: dt.date) -> str:
    return d.isoformat()


def verdict_words(eligible: bool, deadline: Any, today: dt.date | None = None) -> str:
    """``eligible: returns accepted until 2025-12-18``, ``eligible (no deadline)``, ``not eligible: the
    return window closed on 2025-12-18``; ``today`` tells a window that closed from one still open."""
    day = _date(deadline)
    if eligible:
        return f"eligible: returns accepted until {_day(day)}" if day else "eligible (no deadline)"
    if day is None:
        return "not eligible"
    if today is not None and day >= today:
        return f"not eligible, although the return window runs until {_day(day)}"
    return (
        f"not eligible: the return window closed on {_day(day)}"
        if today
        else f"not eligible (return window: until {_day(day)})"
    )
