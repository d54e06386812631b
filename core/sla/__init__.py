"""SLA clocks: policies, business-hours calendars, deadlines, pauses, breach events.

``desk.sla`` is a :class:`SlaService`; its ``on_event`` is the pipeline step the
:class:`~crossdesk.api.Desk` facade wires into the store; ``crossdesk automate`` runs
:meth:`SlaService.check` (through ``Desk.automate``). docs/sla.md describes the behaviour.
"""

from __future__ import annotations

from crossdesk.sla.calendar import BusinessCalendar, WallClock
from crossdesk.sla.policy import SlaPolicy, parse_duration
from crossdesk.sla.service import CLOCK_STATE, SlaCheck, SlaService

__all__ = [
    "CLOCK_STATE",
    "BusinessCalendar",
    "SlaCheck",
    "SlaPolicy",
    "SlaService",
    "WallClock",
    "parse_duration",
]
