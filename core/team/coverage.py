"""Coverage: for each hour of a week, how many agents on shift read each language and hold each skill.

An hour counts an agent when they are on shift at each quarter of it (so a shift starting at 09:30 covers
from the 10:00 hour). Languages are those the agents list plus those of the open tickets (a language
nobody reads is uncovered all week); skills are those the agents list. ``crossdesk team coverage --week``
prints the 24x7 grid and the uncovered hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import orjson

from crossdesk.models import Actor
from crossdesk.store import Store
from crossdesk.team.shifts import DAYS, ShiftService, zone

HOURS = 7 * 24


@dataclass(frozen=True)
class Coverage:
    """``languages`` and ``skills``: name -> 168 counts, hour 0 = Monday 00:00 of ``week`` in ``tz``."""

    week: date
    tz: str
    languages: dict[str, list[int]] = field(default_factory=dict)
    skills: dict[str, list[int]] = field(default_factory=dict)

    def gaps(self, counts: list[int]) -> list[tuple[int, int]]:
        """The uncovered hours as (first, end) hour-of-week ranges, end excluded."""
        out: list[tuple[int, int]] = []
        for h, n in enumerate(counts):
            if n:
                continue
            if out and out[-1][1] == h:
                out[-1] = (out[-1][0], h + 1)
            else:
                out.append((h, h + 1))
        return out

    def uncovered_hours(self) -> dict[str, int]:
        """Per ``language:xx`` and ``skill:name``, how many hours of the week nobody covers."""
        out = {f"language:{k}": sum(1 for n in v if not n) for k, v in self.languages.items()}
        out.update({f"skill:{k}": sum(1 for n in v if not n) for k, v in self.skills.items()})
        return out


def span(first: int, end: int) -> str:
    """``Mon 00-08`` for hours 0..8 of the week; across days ``Mon 21 - Tue 06``."""
    d1, h1 = divmod(first, 24)
    d2, h2 = divmod(end, 24)
    if d1 == d2 or (h2 == 0 and d2 == d1 + 1):
        return f"{DAYS[d1].title()} {h1:02d}-{h2 if h2 else 24:02d}"
    return f"{DAYS[d1].title()} {h1:02d} - {DAYS[d2 % 7].title()} {h2:02d}"


def coverage(
    store: Store, shifts: ShiftService, actor: Actor, *, week: date | None = None, tz: str = "UTC"
) -> Coverage:
    """The week's coverage (``week``: any day of it; default the desk clock's week), hours in ``tz``."""
    store.require(actor, "view")
    where = zone(tz)
    today = week or datetime.fromtimestamp(store.now(), where).date()
    monday = today - timedelta(days=today.weekday())
    start = int(datetime(monday.year, monday.month, monday.day, tzinfo=where).timestamp())
    agents = store.db.execute("SELECT id, languages, skills FROM agents WHERE active = 1").fetchall()
    weeks = shifts.weeks([a[0] for a in agents])
    ticket_langs = {
        (r[0] or "").split("-")[0].lower()
        for r in store.db.execute("SELECT DISTINCT language FROM tickets WHERE status < 4 AND language != ''")
    }
    out = Coverage(monday, tz)
    for lang in ticket_langs:
        out.languages[lang] = [0] * HOURS
    for agent_id, languages, skills in agents:
        week_of = weeks[agent_id]
        hours = [all(week_of.on_shift(start + h * 3600 + q * 900) for q in range(4)) for h in range(HOURS)]
        langs = {str(x).strip().replace("_", "-").split("-")[0].lower() for x in orjson.loads(languages)}
        for items, table in (
            (langs, out.languages),
            ({str(x).strip().lower() for x in orjson.loads(skills)}, out.skills),
        ):
            for item in items - {""}:
                counts = table.setdefault(item, [0] * HOURS)
                for h, on in enumerate(hours):
                    counts[h] += on
    return out
