"""Reputation: seller feedback and product reviews in the desk; a negative one becomes a ticket."""

from __future__ import annotations

from crossdesk.reputation.service import PullReport, ReputationService

__all__ = ["PullReport", "ReputationService"]
