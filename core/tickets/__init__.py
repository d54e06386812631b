"""Tickets: buyer conversations, their messages, tags, replies and notes."""

from crossdesk.tickets.filters import BREACHING_WINDOW, breaching_before, fts_query, ticket_filter
from crossdesk.tickets.service import MAX_BODY_CHARS, UPDATABLE, TicketService
from crossdesk.tickets.text import clean_text

__all__ = [
    "BREACHING_WINDOW",
    "MAX_BODY_CHARS",
    "UPDATABLE",
    "TicketService",
    "breaching_before",
    "clean_text",
    "fts_query",
    "ticket_filter",
]
