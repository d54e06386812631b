"""The inbox filters: one definition of what "open", "breaching", "unassigned" or a search means, used by
the ticket list, its counts and the reports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crossdesk.errors import DeskError
from crossdesk.models import OPEN_STATUSES, TicketStatus

#: A ticket is "breaching" when its nearest SLA deadline falls within this many seconds from now (or has
#: passed). One hour gives an agent time to act before the clock runs out.
BREACHING_WINDOW = 3_600


def breaching_before(now: int) -> int:
    """The ``breaching_before`` bound of the inbox's "breaching" filter at ``now``."""
    return now + BREACHING_WINDOW


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word quoted, all required."""
    if "\x00" in text:
        raise DeskError("search text contains a NUL character")
    words = [w.replace('"', '""') for w in text.split() if w.strip()]
    if not words:
        raise DeskError("search needs at least one word")
    return " ".join(f'"{w}"' for w in words)


def ticket_filter(
    *,
    status: Iterable[str | int] | None = None,
    platform: str | None = None,
    shop_id: int | None = None,
    language: str | None = None,
    intent: str | None = None,
    tier: int | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    tag: str | None = None,
    search: str | None = None,
    breaching_before: int | None = None,
) -> tuple[str, list[Any]]:
    """The SQL condition (over ``tickets t``) and its arguments for the inbox filters. Without
    ``status``, the open statuses; ``search`` is full text over message bodies and translations."""
    where: list[str] = []
    args: list[Any] = []
    statuses = (
        [int(TicketStatus.parse(s)) for s in status]
        if status is not None
        else [int(s) for s in OPEN_STATUSES]
    )
    where.append(f"t.status IN ({','.join('?' * len(statuses))})")
    args += statuses
    for column, value in (
        ("platform", platform),
        ("shop_id", shop_id),
        ("language", language),
        ("intent", intent),
        ("tier", tier),
        ("assignee_id", assignee_id),
    ):
        if value is not None:
            where.append(f"t.{column} = ?")
            args.append(value)
    if unassigned:
        where.append("t.assignee_id IS NULL")
    if tag:
        where.append("EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ?)")
        args.append(tag.lower())
    if breaching_before is not None:
        where.append("t.sla_due IS NOT NULL AND t.sla_due <= ?")
        args.append(breaching_before)
    if search:
        where.append(
            "t.id IN (SELECT m.ticket_id FROM messages m JOIN messages_fts f ON f.rowid = m.id "
            "WHERE messages_fts MATCH ?)"
        )
        args.append(fts_query(search))
    return " AND ".join(where), args
