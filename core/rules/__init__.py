"""Automation rules: event-driven and time-based actions on tickets.

``desk.rules`` is a :class:`RuleService`; its ``on_event`` is the last step of the event pipeline the
:class:`~crossdesk.api.Desk` facade wires into the store. The semantics are in docs/automation.md.
"""

from __future__ import annotations

from crossdesk.conditions import RuleError
from crossdesk.rules.engine import MAX_DEPTH, RuleEngine
from crossdesk.rules.model import ACTIONS, RULE_EVENTS, Rule, load_rules_file
from crossdesk.rules.service import DryRun, LintIssue, RuleService

__all__ = [
    "ACTIONS",
    "MAX_DEPTH",
    "RULE_EVENTS",
    "DryRun",
    "LintIssue",
    "Rule",
    "RuleEngine",
    "RuleError",
    "RuleService",
    "load_rules_file",
]
