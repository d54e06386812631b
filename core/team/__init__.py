"""The team: agents and teams, their shifts (``crossdesk.team.shifts``); routing and coverage build on it."""

from crossdesk.team.service import TeamService
from crossdesk.team.shifts import AgentWeek, Shift, ShiftService, parse_pattern

__all__ = ["AgentWeek", "Shift", "ShiftService", "TeamService", "parse_pattern"]
