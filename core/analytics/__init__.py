"""Analytics: read-only figures over the desk (the dashboard today; reports by platform, market, agent
and SKU build on it)."""

from crossdesk.analytics.dashboard import DAY, Analytics, Dashboard, day_start

__all__ = ["DAY", "Analytics", "Dashboard", "day_start"]
