"""The inbox filters: one definition of what "open", "breaching", "unassigned" or a search means, used by
the ticket list, its counts and the reports."""

from __future__ import annotations

import re
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
    order_status: str | None = None,
    message_type: str | None = None,
) -> tuple[str, list[Any]]:
    """The SQL condition (over ``tickets t``) and its arguments for the inbox filters. Without
    ``status``, the open statuses; ``search`` finds what agents type (:func:`search_filter`);
    ``order_status`` the status of the ticket's order; ``message_type`` one of :data:`MESSAGE_TYPES`
    (tickets with at least one such message)."""
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
    if order_status:
        where.append("t.order_id IN (SELECT o.id FROM orders o WHERE o.status = ?)")
        args.append(order_status.lower())
    if message_type:
        if message_type not in MESSAGE_TYPES:
            raise DeskError(f"unknown message type {message_type!r}; expected one of {', '.join(MESSAGE_TYPES)}")
        column, value = MESSAGE_TYPES[message_type]
        where.append(f"EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.{column} = ?)")
        args.append(value)
    if search:
        sql, more = search_filter(search)
        where.append(sql)
        args += more
    return " AND ".join(where), args


#: Message types of the ``msg:`` filter: name -> (messages column, value).
MESSAGE_TYPES: dict[str, tuple[str, str]] = {
    "buyer": ("direction", "in"),
    "reply": ("direction", "out"),
    "note": ("direction", "note"),
    "email": ("channel", "email"),
}

_TICKET_NUMBER = re.compile(r"#?(\d{1,18})")


def search_filter(text: str) -> tuple[str, list[Any]]:
    """What an agent types in the search, as an SQL condition over ``tickets t``.

    ``#440`` (or a bare number that is a ticket's) is that ticket; otherwise a ticket matches when any of
    these does: the words in its messages (full text), its buyer's name (a part of it) or e-mail, the
    e-mail or handle of any of the buyer's identities (marketplace relay addresses), its order's number
    (whether or not a message quotes it), a SKU on its order, or a tracking number of its order or of a
    shipment on it."""
    text = text.strip()
    if not text:
        raise DeskError("search needs at least one word")
    number = _TICKET_NUMBER.fullmatch(text)
    if number and text.startswith("#"):
        return "t.id = ?", [int(number.group(1))]
    exact = text.lower()
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    ors = [
        "t.customer_id IN (SELECT c.id FROM customers c WHERE c.name LIKE ? ESCAPE '\\' OR lower(c.email) = ?)",
        "t.customer_id IN (SELECT i.customer_id FROM customer_identities i "
        "WHERE lower(i.email) = ? OR lower(i.handle) = ?)",
        "t.order_id IN (SELECT o.id FROM orders o WHERE o.external_id = ? COLLATE NOCASE "
        "OR (o.tracking_number <> '' AND o.tracking_number = ? COLLATE NOCASE))",
        "t.order_id IN (SELECT l.order_id FROM order_lines l WHERE l.sku = ? COLLATE NOCASE)",
        "t.order_id IN (SELECT s.order_id FROM shipments s WHERE s.tracking_number = ? COLLATE NOCASE)",
    ]
    args: list[Any] = [like, exact, exact, exact, text, text, text, text]
    if number:
        ors.append("t.id = ?")
        args.append(int(number.group(1)))
    if any(w.strip('"') for w in text.split()):
        ors.insert(
            0,
            "t.id IN (SELECT m.ticket_id FROM messages m JOIN messages_fts f ON f.rowid = m.id "
            "WHERE messages_fts MATCH ?)",
        )
        args.insert(0, fts_query(text))
    return "(" + " OR ".join(ors) + ")", args
