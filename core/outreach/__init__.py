"""Outreach campaigns to a segment or filter, within each marketplace's messaging rules."""

from crossdesk.outreach.service import KINDS, PERMITTED, OutreachService, PlanRow, zone_of

__all__ = ["KINDS", "PERMITTED", "OutreachService", "PlanRow", "zone_of"]
