"""Notifications (``desk.notifications``): an agent is told when a ticket is assigned to them, when an SLA
is about to breach on their ticket and when an approval they asked for is decided; through the
``crossdesk_notify`` hook (terminal, desktop and webhook notifiers built in) and in the TUI."""

from crossdesk.notify.service import NOTIFIED, NotificationService

__all__ = ["NOTIFIED", "NotificationService"]
