"""Approvals and escalation tiers (``desk.approvals``, ``crossdesk approvals``, ``crossdesk escalate``):
what an agent may not do alone waits in a supervisor's queue. docs/team.md describes it."""

from crossdesk.approvals.service import KINDS, TIERS, ApprovalService, Outcome

__all__ = ["KINDS", "TIERS", "ApprovalService", "Outcome"]
