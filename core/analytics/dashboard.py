"""The dashboard: today's volume, first-reply time, SLA breaches, top intents and returns per SKU.

Read-only; every figure checks the ``view`` permission first, like the services. Days are UTC days of the
desk's clock, so a test with a fixed clock gets fixed figures.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from crossdesk.analytics.facts import SlaSource, TicketFacts
from crossdesk.analytics.quality import Quality, QualityWarning
from crossdesk.analytics.report import Report, Reports
from crossdesk.models import OPEN_STATUSES, Actor
from crossdesk.store import Store

DAY = 86_400


class _NoSla:
    """A desk without SLA service: no policies, so no deadlines."""

    def policies(self) -> list:
        return []

    def clock_for(self, policy: object, ticket: object) -> None:
        return None


def _no_sla() -> SlaSource:
    return _NoSla()


def day_start(now: int) -> int:
    """Midnight UTC of the day holding ``now``."""
    return now - now % DAY


@dataclass
class Dashboard:
    """The figures of the dashboard screen, for one UTC day."""

    day_start: int
    now: int
    created_today: int = 0
    messages_in_today: int = 0
    replies_today: int = 0
    open_tickets: int = 0
    sla_breaches: int = 0
    first_reply_median_s: float | None = None
    first_reply_count: int = 0
    volume_by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    top_intents: list[tuple[str, int]] = field(default_factory=list)
    returns_per_sku: list[tuple[str, int]] = field(default_factory=list)


#: The periods the dashboard offers, in days.
PERIODS = (1, 7, 28, 90)


@dataclass
class Board:
    """The dashboard's read model: the period's report by one dimension, its days, the quality warnings."""

    days: int
    by: str
    report: Report
    daily: Report
    warnings: list[QualityWarning]

    @property
    def empty(self) -> bool:
        return not self.report.total.get("volume") and not self.report.total.get("backlog", {}).get("count")


class Analytics:
    """``desk.analytics``: figures over the whole desk (reading needs ``view``)."""

    def __init__(self, store: Store, sla: Callable[[], SlaSource] | None = None) -> None:
        """``sla`` gives ``desk.sla`` when first needed: the facts count SLA deadlines on its clocks."""
        self.store = store
        self.facts = TicketFacts(store, sla or _no_sla)
        self.reports = Reports(store)
        self.rollups = self.reports.rollups
        self.quality = Quality(store)

    def automate(self, actor: Actor) -> dict[str, Any]:
        """The scheduled work of analytics (``crossdesk automate``): quality warnings (raising their
        events), and the weekly HTML report when the ``report_html`` setting asks for one and it is due.
        Both read the rollups: while days wait for a rebuild they wait too, and say so (``waiting``)."""
        from crossdesk.analytics.html import scheduled_html

        left = self.rollups_pending()
        if left:
            return {"waiting": f"the rollups ({left} day(s) left to build)", "quality_warnings": []}
        new = self.quality.check(actor)
        return {"quality_warnings": [str(w) for w in new], "html_report": scheduled_html(self, actor)}

    def build_rollups(self, actor: Actor, days: int) -> int:
        """One slice of the rollups' build for ``crossdesk automate``: at most ``days`` marked days, the
        oldest of the day rollups first, then of the SKU-day counts. Returns how many it built: fewer than
        ``days`` means both are complete."""
        self.store.require(actor, "manage_rules")
        built = self.rollups.refresh(limit=days)
        if built < days:
            built += self.quality.sales.refresh(limit=days - built)
        return built

    def rollups_pending(self) -> int:
        """Days waiting for a rebuild, in the day rollups and the SKU-day counts together."""
        return self.rollups.pending() + self.quality.sales.pending()

    def board(self, actor: Actor, *, days: int = 7, by: str = "platform") -> Board:
        """What the TUI dashboard shows: the last ``days`` by ``by``, per day (the same computations as
        ``crossdesk report``), and the quality warnings ``crossdesk automate`` raised this week."""
        self.store.require(actor, "view")
        now = self.store.now()
        since = now + 1 - days * DAY
        report = self.report(actor, since=since, by=[by])
        daily = self.report(actor, since=since, by=["day"], metrics=["volume", "first_reply"])
        return Board(days, by, report, daily, self.quality.recent(actor))

    def report(
        self,
        actor: Actor,
        *,
        since: int | None = None,
        until: int | None = None,
        by: Sequence[str] = (),
        metrics: Sequence[str] | None = None,
    ) -> Report:
        """Service metrics of the tickets created in [since, until) (default: the last 28 days), grouped
        by ``by`` (docs/analytics.md). Rebuilds the per-ticket facts first if the desk has never had
        them (a desk migrated with tickets, a bulk load)."""
        self.store.require(actor, "view")
        if self.facts.stale():
            self.facts.rebuild(Actor.system("analytics"))
        return self.reports.build(since, until, by, metrics)

    def dashboard(self, actor: Actor, *, top: int = 8) -> Dashboard:
        """Today's volume, first-reply time, SLA breaches, top intents of open tickets and returned units
        per SKU."""
        self.store.require(actor, "view")
        now = self.store.now()
        start = day_start(now)
        out = Dashboard(day_start=start, now=now)
        db = self.store.db
        open_codes = [int(s) for s in OPEN_STATUSES]
        marks = ",".join("?" * len(open_codes))
        for hour, n in db.execute(
            "SELECT (created_at - ?) / 3600 AS h, COUNT(*) FROM tickets WHERE created_at >= ? AND created_at < ? "
            "GROUP BY h",
            [start, start, start + DAY],
        ):
            out.volume_by_hour[int(hour)] = n
        out.created_today = sum(out.volume_by_hour)
        for direction, n in db.execute(
            "SELECT direction, COUNT(*) FROM messages WHERE created_at >= ? AND created_at < ? GROUP BY direction",
            [start, start + DAY],
        ):
            if direction == "in":
                out.messages_in_today = n
            elif direction == "out":
                out.replies_today = n
        out.open_tickets = db.execute(
            f"SELECT COUNT(*) FROM tickets WHERE status IN ({marks})", open_codes
        ).fetchone()[0]
        out.sla_breaches = db.execute(
            f"SELECT COUNT(*) FROM tickets WHERE status IN ({marks}) AND sla_due IS NOT NULL AND sla_due < ?",
            [*open_codes, now],
        ).fetchone()[0]
        waits = [
            r[0]
            for r in db.execute(
                "SELECT first_replied_at - created_at FROM tickets "
                "WHERE first_replied_at IS NOT NULL AND first_replied_at >= ? AND first_replied_at < ?",
                [start, start + DAY],
            )
        ]
        out.first_reply_count = len(waits)
        out.first_reply_median_s = float(statistics.median(waits)) if waits else None
        out.top_intents = [
            (r[0] or "(none)", r[1])
            for r in db.execute(
                f"SELECT intent, COUNT(*) AS n FROM tickets WHERE status IN ({marks}) GROUP BY intent "
                "ORDER BY n DESC, intent LIMIT ?",
                [*open_codes, top],
            )
        ]
        out.returns_per_sku = [
            (r[0], r[1])
            for r in db.execute(
                "SELECT l.sku, SUM(cl.quantity) AS n FROM case_lines cl JOIN cases c ON c.id = cl.case_id "
                "JOIN order_lines l ON l.id = cl.order_line_id WHERE c.type IN ('return', 'exchange') "
                "GROUP BY l.sku ORDER BY n DESC, l.sku LIMIT ?",
                [top],
            )
        ]
        return out
