"""SLA clocks: policies, business-hours calendars, deadlines, pauses, breach events.

``desk.sla`` is a :class:`SlaService`; :func:`on_event` is the pipeline step; :func:`automate` is what
``crossdesk automate`` runs. docs/sla.md describes the behaviour.
"""

from __future__ import annotations

from crossdesk.sla.calendar import BusinessCalendar, WallClock
from crossdesk.sla.policy import SlaPolicy, parse_duration
from crossdesk.sla.service import SlaCheck, SlaService, automate, on_event

__all__ = [
    "BusinessCalendar",
    "SlaCheck",
    "SlaPolicy",
    "SlaService",
    "WallClock",
    "automate",
    "on_event",
    "parse_duration",
]
