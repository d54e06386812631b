"""Service metrics over a period, grouped by any dimensions: the one computation behind
``crossdesk report``, its exports, the HTML report and the TUI dashboard (docs/analytics.md).

Each report is three queries, none of which reads a message: the tickets created in the period with their
facts row (``ticket_facts``, one index range), the tickets open now (the backlog), and the refunds made
in the period. Rows come back as numpy columns; groups are formed by sorting their keys once, and every
statistic is computed per group on those columns.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crossdesk.analytics import dimensions as dims
from crossdesk.analytics.cohort import SLA_TARGETS, cohort_summary, cohort_tallies
from crossdesk.analytics.rollup import Rollups
from crossdesk.errors import DeskError
from crossdesk.store import Store

DAY = 86_400
#: Metrics a report can hold, in the order they are shown.
METRICS = (
    "volume",
    "first_reply",
    "first_reply_business",
    "auto_reply",
    "resolution",
    "reopen_rate",
    "fcr",
    "sla",
    "backlog",
    "refunds",
    "ratings",
)
#: The dimensions a review has (reviews are not tickets): under any other, ratings are only in the total.
RATING_DIMENSIONS = ("platform", "shop", "sku", "day", "week")
#: Extra metrics by name: ``fn(store, since, until) -> {ticket_id: value}`` (e.g. CSAT, NPS). A metric
#: registered here is summarised per group like ``first_reply`` (count, median, p90, mean), over the
#: tickets of the period that have a value.
EXTRA_METRICS: dict[str, Callable[[Store, int, int], Mapping[int, float]]] = {}

#: Each ticket of the period as numbers, the definitions of docs/analytics.md ("Metrics") written once
#: in SQL so that only what the statistics need crosses into Python. ``:now`` is the report's now. NULL
#: becomes NaN.
_SOLVED = "(t.status IN (4, 5) AND t.solved_at IS NOT NULL)"
_COHORT_COLUMNS = {
    "id": "t.id",
    "created": "t.created_at",
    "fr": "f.first_human_at - f.first_in_at",
    "bh": "f.first_reply_bh",
    "ar": "f.first_auto_at - f.first_in_at",
    "solved": _SOLVED,
    "res": f"CASE WHEN {_SOLVED} THEN t.solved_at - t.created_at END",
    "reopened": "f.reopens > 0",
    "fcr": f"{_SOLVED} AND f.human_replies = 1 AND f.reopens = 0",
    "f_due": "f.first_reply_due IS NOT NULL AND (t.first_replied_at IS NOT NULL OR f.first_reply_due <= :now)",
    "f_met": "t.first_replied_at IS NOT NULL AND t.first_replied_at <= f.first_reply_due",
    "n_due": "f.next_due + (t.next_reply_due IS NOT NULL AND t.next_reply_due <= :now)",
    "n_met": "f.next_met",
    "r_due": (
        f"({_SOLVED} AND f.resolution_due IS NOT NULL) OR "
        f"(NOT {_SOLVED} AND t.resolution_due IS NOT NULL AND t.resolution_due <= :now)"
    ),
    "r_met": f"{_SOLVED} AND t.solved_at <= f.resolution_due",
}
_NAMES = list(_COHORT_COLUMNS)
_NULL = -1.0e300  # stands for NULL on the way into numpy
_COHORT = ", ".join(f"IFNULL({sql}, {_NULL})" for sql in _COHORT_COLUMNS.values())


@dataclass
class Report:
    """A report: the period, the grouping and one entry per group (plus ``total`` over all)."""

    since: int
    until: int
    now: int
    timezone: str
    by: list[str]
    metrics: list[str]
    groups: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "now": self.now,
            "timezone": self.timezone,
            "by": self.by,
            "metrics": self.metrics,
            "total": self.total,
            "groups": self.groups,
        }


def _col(cols: Sequence[tuple], k: int) -> np.ndarray:
    """Column ``k`` (of columns transposed from rows) as float64 with NaN for NULL."""
    if not cols:
        return np.empty(0, dtype=np.float64)
    return np.array(cols[k], dtype=np.float64)


def _numbers(rows: list[tuple], width: int) -> dict[str, np.ndarray]:
    """The first ``width`` columns of ``rows`` (numbers, NULL sent as ``_NULL``) as float64 arrays with
    NaN for NULL, read in one pass of C."""
    flat = np.fromiter(
        itertools.chain.from_iterable(r[:width] if len(r) > width else r for r in rows),
        dtype=np.float64,
        count=len(rows) * width,
    ).reshape(len(rows), width)
    flat[flat == _NULL] = np.nan
    return {name: flat[:, k] for k, name in enumerate(_NAMES[:width])}


def _columns(rows: list[tuple]) -> list[tuple]:
    return list(zip(*rows, strict=True)) if rows else []


#: Page cache for a report's reads (KiB): the facts and tickets of a large desk do not fit SQLite's
#: default 2 MB, and every miss is a system call.
CACHE_KIB = 256 * 1024


class Reports:
    """Computes :class:`Report` objects from the store (``desk.analytics.report`` calls it)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rollups = Rollups(store)

    def timezone(self) -> str:
        """The desk's time zone: the ``timezone`` setting, else the SLA calendar's, else UTC."""
        tz = self.store.get_setting("timezone", None)
        if not tz:
            tz = (self.store.get_setting("sla_calendar", None) or {}).get("timezone", "UTC")
        return str(tz or "UTC")

    def _setup(
        self, since: int | None, until: int | None, by: Sequence[str], metrics: Sequence[str] | None
    ) -> Report:
        """The empty report of a request, validated (a clear error for a bad period, metric or dimension)."""
        now = self.store.now()
        until = now + 1 if until is None else int(until)
        since = until - 28 * DAY if since is None else int(since)
        if since >= until:
            raise DeskError("the period is empty: --since must be before --until")
        wanted = list(metrics or METRICS)
        for m in wanted:
            if m not in METRICS and m not in EXTRA_METRICS:
                raise DeskError(f"unknown metric {m!r}; known: {', '.join((*METRICS, *EXTRA_METRICS))}")
        by = dims.check(by)
        tz_name = self.timezone()
        dims.zone(tz_name)
        return Report(since, until, now, tz_name, list(by), wanted)

    def build(
        self,
        since: int | None = None,
        until: int | None = None,
        by: Sequence[str] = (),
        metrics: Sequence[str] | None = None,
    ) -> Report:
        """The report from the day rollups (refreshed first): what every caller uses."""
        from crossdesk.analytics.columnar import from_rollups

        report = self._setup(since, until, by, metrics)
        try:
            self.rollups.refresh()
        except Exception as exc:
            if not read_only(exc):
                raise
            return self.build_direct(since, until, by, metrics)  # a desk we may not write: row by row
        parts = from_rollups(self.store, self.rollups, report, EXTRA_METRICS)
        if "ratings" in report.metrics:
            self._ratings(parts, report)
        return self._finish(report, parts)

    def build_direct(
        self,
        since: int | None = None,
        until: int | None = None,
        by: Sequence[str] = (),
        metrics: Sequence[str] | None = None,
    ) -> Report:
        """The same report computed from ``ticket_facts`` and ``tickets`` row by row, without the
        rollups: the reference the rollups are tested and benchmarked against."""
        report = self._setup(since, until, by, metrics)
        since, until, now, by, wanted = report.since, report.until, report.now, report.by, report.metrics
        select, join, distinct, plain, _ = self._query_parts(by)
        keyed = self._keyer(report)

        db = self.store.db
        if -int(db.execute("PRAGMA cache_size").fetchone()[0]) < CACHE_KIB:
            db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")

        parts: dict[tuple, dict[str, Any]] = {}
        cohort_metrics = [m for m in wanted if m not in ("backlog", "refunds", "ratings")]
        if cohort_metrics:
            rows = db.execute(
                self._cohort_sql(since, until, distinct, select, join),
                {"since": since, "until": until, "now": now},
            ).fetchall()
            cols = _numbers(rows, len(_NAMES))
            raw = _columns([r[len(_NAMES) :] for r in rows]) if plain else []
            extra = {
                m: EXTRA_METRICS[m](self.store, since, until) for m in cohort_metrics if m in EXTRA_METRICS
            }
            keys = keyed(raw, len(rows), 0, cols["created"])
            self._each(
                keys,
                lambda idx, key: parts.setdefault(key, {}).update(
                    _cohort({n: c[idx] for n, c in cols.items()}, cohort_metrics, extra, now)
                ),
                len(by),
            )
        if "backlog" in wanted:
            rows = self.store.db.execute(
                f"SELECT {distinct}t.id, t.created_at{', ' + select if select else ''} FROM tickets t "
                f"LEFT JOIN ticket_facts f ON f.ticket_id = t.id {join} WHERE t.status < 4"
            ).fetchall()
            raw = _columns(rows)
            created = _col(raw, 1)
            keys = keyed(raw, len(rows), 2, created)
            self._each(
                keys,
                lambda idx, key: parts.setdefault(key, {}).update(
                    backlog={"count": len(idx), "age": dims.stats(now - created[idx])}
                ),
                len(by),
            )
        if "refunds" in wanted:
            self._refunds(parts, since, until, select, join, distinct, keyed)
        if "ratings" in wanted:
            self._ratings(parts, report)
        return self._finish(report, parts)

    def _ratings(self, parts: dict, report: Report) -> None:
        """Reviews written in the period (``reviews``, pulled by crossdesk.reputation): count, mean stars,
        negative ones and their share, by platform, shop, SKU and day or week (total only otherwise)."""
        if not self.store.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'reviews'").fetchone():
            return
        by = report.by if all(d in RATING_DIMENSIONS for d in report.by) else []
        sql = {
            "platform": "r.platform",
            "shop": "(SELECT s.name FROM shops s WHERE s.id = r.shop_id)",
            "sku": "r.sku",
        }
        plain = [d for d in by if d not in dims.TIME_BUCKETS]
        select = "".join(f", COALESCE({sql[d]}, '')" for d in plain)
        rows = self.store.db.execute(
            f"SELECT r.created_at, r.rating, r.negative{select} FROM reviews r "
            "WHERE r.created_at >= ? AND r.created_at < ?",
            [report.since, report.until],
        ).fetchall()
        tz = dims.zone(report.timezone)
        when = np.array([r[0] for r in rows], dtype=np.float64)
        stars = np.array([r[1] for r in rows], dtype=np.float64)
        negative = np.array([r[2] for r in rows], dtype=np.int64)
        keys = np.empty((len(rows), len(by)), dtype=object)
        for j, d in enumerate(by):
            if d in dims.TIME_BUCKETS:
                keys[:, j] = dims.buckets(when, d, tz)
            elif rows:
                column = np.array([r[3 + plain.index(d)] for r in rows], dtype=object)
                column[column == ""] = dims.NONE
                keys[:, j] = column

        def one(idx: np.ndarray, key: tuple) -> None:
            n, bad = len(idx), int(negative[idx].sum())
            parts.setdefault(key, {})["ratings"] = {
                "count": n,
                "mean": float(stars[idx].mean()) if n else None,
                "negative": bad,
                "negative_rate": dims.ratio(bad, n),
            }

        self._each(keys, one, len(by))

    def _query_parts(self, by: list[str]) -> tuple[str, str, str, list[str], str | None]:
        columns = {r[1] for r in self.store.db.execute("PRAGMA table_info(customers)")}
        plain = [d for d in by if d not in dims.TIME_BUCKETS]
        bucket = next((d for d in by if d in dims.TIME_BUCKETS), None)
        select = ", ".join(f"COALESCE({dims.sql_for(d, columns)}, '')" for d in plain)
        join = dims.SKU_JOIN if "sku" in plain else ""
        distinct = "DISTINCT " if "sku" in plain else ""
        return select, join, distinct, plain, bucket

    def _keyer(self, report: Report) -> Callable[[list[tuple], int, int, np.ndarray], np.ndarray]:
        """Rows' group keys (object array, one column per dimension) from their dimension columns."""
        by = report.by
        _, _, _, plain, bucket = self._query_parts(by)
        tz = dims.zone(report.timezone)

        def keyed(cols: list[tuple], n: int, width: int, when: np.ndarray) -> np.ndarray:
            keys = np.empty((n, len(by)), dtype=object)
            for j, d in enumerate(by):
                if d == bucket:
                    keys[:, j] = dims.buckets(when, d, tz)
                elif n:
                    column = np.array(cols[width + plain.index(d)], dtype=object)
                    column[column == ""] = dims.NONE
                    keys[:, j] = column
            return keys

        return keyed

    def _finish(self, report: Report, parts: dict) -> Report:
        by, wanted = report.by, report.metrics
        zero = _empty(wanted)
        for key in sorted(parts, key=lambda k: tuple(str(x) for x in k)):
            entry = {**zero, **parts[key]}
            if key == ("__total__",):
                continue
            report.groups.append({"key": dict(zip(by, key, strict=True)), **entry})
        report.total = {**zero, **parts.get(("__total__",), {})}
        return report

    def _cohort_sql(self, since: int, until: int, distinct: str, select: str, join: str) -> str:
        """The cohort query: an index range on the facts for a short period; for a period holding a good
        part of the desk, both tables walked in id order (sequential pages, not one seek per ticket)."""
        db = self.store.db
        inside = db.execute(
            "SELECT COUNT(*) FROM ticket_facts WHERE created_at >= ? AND created_at < ?", [since, until]
        ).fetchone()[0]
        total = db.execute("SELECT COUNT(*) FROM ticket_facts").fetchone()[0]
        extra = f", {select}" if select else ""
        if inside * 5 < total:
            return (
                f"SELECT {distinct}{_COHORT}{extra} FROM ticket_facts f JOIN tickets t ON t.id = f.ticket_id "
                f"{join} WHERE f.created_at >= :since AND f.created_at < :until"
            )
        return (
            f"SELECT {distinct}{_COHORT}{extra} FROM ticket_facts f NOT INDEXED CROSS JOIN tickets t "
            f"ON t.id = f.ticket_id {join} WHERE f.created_at >= :since AND f.created_at < :until"
        )

    def _each(self, keys: np.ndarray, fn: Callable[[np.ndarray, tuple], None], width: int) -> None:
        """Call ``fn(row indexes, key)`` for every group of ``keys``, and once for all rows (``__total__``)
        when the report is grouped (ungrouped, the total is the only group)."""
        n = len(keys)
        fn(np.arange(n), ("__total__",))
        if width == 0 or n == 0:
            return
        codes, sizes = [], []
        for j in range(width):
            uniq, inverse = np.unique(keys[:, j].astype(str), return_inverse=True)
            codes.append(inverse.ravel())
            sizes.append(len(uniq))
        combined = np.ravel_multi_index(codes, sizes) if width > 1 else codes[0]
        order = np.argsort(combined, kind="stable")
        ranked = combined[order]
        cuts = np.flatnonzero(ranked[1:] != ranked[:-1]) + 1
        for idx in np.split(order, cuts):
            fn(idx, tuple(keys[idx[0]]))

    def _refunds(
        self, parts: dict, since: int, until: int, select: str, join: str, distinct: str, keyed
    ) -> None:  # type: ignore[no-untyped-def]
        rows = self.store.db.execute(
            f"SELECT {distinct}r.id, r.created_at, r.currency, r.amount_minor, "
            "COALESCE(rt.usd_per_unit, 0) / (CASE COALESCE(rt.minor_digits, 2) WHEN 0 THEN 1 WHEN 3 THEN 1000 "
            f"ELSE 100 END){', ' + select if select else ''} FROM refunds r JOIN cases c ON c.id = r.case_id "
            "LEFT JOIN tickets t ON t.id = c.ticket_id LEFT JOIN ticket_facts f ON f.ticket_id = t.id "
            f"LEFT JOIN rates rt ON rt.currency = r.currency {join} "
            "WHERE r.created_at >= ? AND r.created_at < ?",
            [since, until],
        ).fetchall()
        raw = _columns(rows)
        created = _col(raw, 1)
        keys = keyed(raw, len(rows), 5, created)

        factors = {r[2]: r[4] for r in rows}

        def one(idx: np.ndarray, key: tuple) -> None:
            per: dict[str, int] = {}
            for i in idx:
                r = rows[i]
                per[r[2]] = per.get(r[2], 0) + int(r[3])
            parts.setdefault(key, {})["refunds"] = dims.refund_summary(len(idx), per, factors)

        self._each(keys, one, keys.shape[1])


def read_only(exc: BaseException) -> bool:
    """Whether ``exc`` says the desk cannot be written (a read-only file or medium)."""
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text


def _empty(metrics: Sequence[str]) -> dict[str, Any]:
    """What a group with no rows shows for each metric."""
    nothing = dims.stats(np.array([], dtype=np.float64))
    out: dict[str, Any] = {}
    for m in metrics:
        if m == "volume":
            out[m] = 0
        elif m in ("reopen_rate", "fcr"):
            out[m] = {"count": 0, "of": 0, "rate": None}
        elif m == "sla":
            out[m] = {t: {"due": 0, "met": 0, "breached": 0, "rate": None} for t in SLA_TARGETS}
        elif m == "backlog":
            out[m] = {"count": 0, "age": nothing}
        elif m == "refunds":
            out[m] = {"count": 0, "by_currency": {}, "usd": 0.0}
        elif m == "ratings":
            out[m] = {"count": 0, "mean": None, "negative": 0, "negative_rate": None}
        else:
            out[m] = nothing
    return out


def _cohort(c: dict[str, np.ndarray], metrics: Sequence[str], extra: dict, now: int) -> dict[str, Any]:
    """The metrics of one group of tickets created in the period (docs/analytics.md, "Metrics")."""
    sums = {name: int(np.nansum(v)) for name, v in cohort_tallies(c).items()}
    return cohort_summary(len(c["id"]), sums, c, metrics, extra)
