"""The outbox: what the desk owes the outside world, queued once and sent once."""

from crossdesk.outbox.service import Address, OutboxService

__all__ = ["Address", "OutboxService"]
