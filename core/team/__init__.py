"""The team: agents and teams (routing, shifts and coverage build on it)."""

from crossdesk.team.service import TeamService

__all__ = ["TeamService"]
