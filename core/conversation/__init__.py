"""The conversation an agent reads (``desk.conversation``): one ticket with its thread, buyer, order, SLA
state, rule firings, knowledge-base suggestions and audit rows, as one read model; and reply checks."""

from __future__ import annotations

from crossdesk.conversation.service import ConversationService, Draft, TicketView

__all__ = ["ConversationService", "Draft", "TicketView"]
