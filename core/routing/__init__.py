"""Routing: which agent takes which open, unassigned ticket (``desk.routing``, ``crossdesk route``).

:class:`RoutingService` takes the tickets in queue order, the active agents with their skills, languages,
capacity and load, and makes one call to :func:`crossdesk.native.assign`; a :class:`RoutingPlan` says who
gets what and why the rest stay unassigned, and :meth:`RoutingService.apply` carries it out through the
ticket service. What a ticket needs comes from the skill map (:mod:`crossdesk.routing.skills`), data a
desk overrides with the ``routing.skills`` setting. docs/routing.md describes it.
"""

from crossdesk.routing.hands import Handover, Load
from crossdesk.routing.service import (
    FULL,
    INTAKE_SETTING,
    LAST_SETTING,
    NO_AGENTS,
    NO_LANGUAGE,
    NO_SKILL,
    OFF_SHIFT,
    AgentLoad,
    Assignment,
    RoutingPlan,
    RoutingResult,
    RoutingService,
    Unrouted,
)
from crossdesk.routing.skills import DEFAULT_SKILL_MAP, SKILL_TAG, SKILLS_SETTING

__all__ = [
    "DEFAULT_SKILL_MAP",
    "FULL",
    "INTAKE_SETTING",
    "LAST_SETTING",
    "NO_AGENTS",
    "NO_LANGUAGE",
    "NO_SKILL",
    "OFF_SHIFT",
    "SKILLS_SETTING",
    "SKILL_TAG",
    "AgentLoad",
    "Assignment",
    "Handover",
    "Load",
    "RoutingPlan",
    "RoutingResult",
    "RoutingService",
    "Unrouted",
]
