"""Given tickets as routing's queue entries (the intake path routes one ticket, not the whole queue)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_IN = 500  # ids per IN (...) query: below SQLite's bound-parameter limit


@dataclass(frozen=True)
class Entry:
    ticket_id: int
    priority: float


def entries(db: Any, ticket_ids: Sequence[int]) -> list[Entry]:
    """The given tickets as queue entries, best first (priority, then oldest)."""
    out: list[tuple] = []
    ids = list(dict.fromkeys(int(t) for t in ticket_ids))
    for start in range(0, len(ids), _IN):
        part = ids[start : start + _IN]
        out += db.execute(
            f"SELECT id, priority, created_at FROM tickets WHERE id IN ({','.join('?' * len(part))})", part
        ).fetchall()
    out.sort(key=lambda r: (-r[1], r[2], r[0]))
    return [Entry(r[0], r[1]) for r in out]
