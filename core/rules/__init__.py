"""Automation rules: event-driven and time-based actions on tickets.

``desk.rules`` is a :class:`RuleService`; :func:`on_event` is the pipeline step (see
:mod:`crossdesk.api.pipeline`). The semantics are in docs/automation.md.
"""

from __future__ import annotations

from crossdesk.rules.conditions import RuleError
from crossdesk.rules.engine import MAX_DEPTH, on_event
from crossdesk.rules.model import ACTIONS, RULE_EVENTS, Rule, load_rules_file
from crossdesk.rules.service import DryRun, LintIssue, RuleService

__all__ = [
    "ACTIONS",
    "MAX_DEPTH",
    "RULE_EVENTS",
    "DryRun",
    "LintIssue",
    "Rule",
    "RuleError",
    "RuleService",
    "load_rules_file",
    "on_event",
]
