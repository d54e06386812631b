"""Analytics: read-only figures over the desk: per-ticket facts kept by the event pipeline, service
metrics by any dimension (reports), the dashboard (docs/analytics.md)."""

from crossdesk.analytics.dashboard import DAY, PERIODS, Analytics, Board, Dashboard, day_start
from crossdesk.analytics.facts import TicketFacts, is_automated
from crossdesk.analytics.report import EXTRA_METRICS, METRICS, Report

__all__ = [
    "DAY",
    "EXTRA_METRICS",
    "METRICS",
    "PERIODS",
    "Analytics",
    "Board",
    "Dashboard",
    "Report",
    "TicketFacts",
    "day_start",
    "is_automated",
]
