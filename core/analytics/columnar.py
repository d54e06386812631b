"""A report's cohort and backlog computed from the day rollups (docs/analytics.md, "Rollups").

The rows of the days the period touches (all days for the backlog) come back as numpy columns; the rows
are then cut to the period exactly, the deadlines compared with the report's now, the groups formed by
sorting integer codes once, and every group summarised by the same functions as the row-by-row report
(``analytics.cohort``), so both give the same figures to the second.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from crossdesk.analytics import dimensions as dims
from crossdesk.analytics.cohort import TIME_VALUES, cohort_summary, cohort_tallies
from crossdesk.analytics.rollup import DAY, Columns, Rollups
from crossdesk.store import Store


def bucket_codes(times: np.ndarray, kind: str, tz: ZoneInfo) -> tuple[np.ndarray, list[str]]:
    """Per time, the index of its local day (or Monday of the week) in the returned labels."""
    if not len(times):
        return np.empty(0, dtype=np.int64), []
    first = dt.datetime.fromtimestamp(int(times.min()), tz).date() - dt.timedelta(days=7)
    last = dt.datetime.fromtimestamp(int(times.max()), tz).date() + dt.timedelta(days=1)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    starts = np.array([int(dt.datetime.combine(d, dt.time(), tz).timestamp()) for d in days], dtype=np.int64)
    index = np.searchsorted(starts, times.astype(np.int64), side="right") - 1
    labels = [(d - dt.timedelta(days=d.weekday()) if kind == "week" else d).isoformat() for d in days]
    uniq, inverse = np.unique(np.array(labels), return_inverse=True)
    return inverse.ravel()[index], [str(u) for u in uniq]


def _rows_and_keys(
    cols: Columns, idx: np.ndarray, by: Sequence[str], tz: ZoneInfo, values: Mapping[int, str]
) -> tuple[np.ndarray, list[np.ndarray], list[list[str]]]:
    """The rows of ``idx`` (one per ticket, one per ticket and SKU when grouped by SKU), and per dimension
    their codes (0..k-1) and the labels of those codes."""
    rows = idx
    sku_codes = None
    if "sku" in by:
        inside = np.zeros(len(cols), dtype=bool)
        inside[idx] = True
        pairs = cols.skus[inside[cols.skus[:, 0]]] if len(cols.skus) else cols.skus
        rows, sku_codes = pairs[:, 0].astype(np.int64), pairs[:, 1]
    codes, labels = [], []
    for d in by:
        if d in dims.TIME_BUCKETS:
            c, lab = bucket_codes(cols.num("created")[rows], d, tz)
            codes.append(c)
            labels.append(lab)
            continue
        raw = sku_codes if d == "sku" else cols.dim(d)[rows]
        uniq, inverse = dense(raw)
        codes.append(inverse)
        labels.append([values.get(int(u), "") or dims.NONE for u in uniq])
    return rows, codes, labels


#: Widest range of codes :func:`dense` numbers with a table (beyond it, by sorting).
DENSE_SPAN = 1 << 22


def dense(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(raw, return_inverse=True)`` for integer codes, in linear time when their range is
    narrow (dimension codes are: a table of the range instead of sorting a million rows)."""
    if not len(raw):
        return raw[:0], np.empty(0, dtype=np.intp)
    lo, hi = int(raw.min()), int(raw.max())
    if hi - lo >= DENSE_SPAN:
        uniq, inverse = np.unique(raw, return_inverse=True)
        return uniq, inverse.ravel()
    shifted = raw.astype(np.intp) - lo
    present = np.flatnonzero(np.bincount(shifted, minlength=hi - lo + 1))
    number = np.zeros(hi - lo + 1, dtype=np.intp)
    number[present] = np.arange(len(present))
    return (present + lo).astype(raw.dtype), number[shifted]


def _order(
    codes: list[np.ndarray], labels: list[list[str]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Rows grouped: each row's combined code, the rows' stable order by it, where each group starts in
    that order (and the end), and how many combined codes there can be."""
    sizes = [max(1, len(lab)) for lab in labels]
    combined = np.ravel_multi_index(codes, sizes) if len(codes) > 1 else codes[0]
    size = math.prod(sizes)
    # a report has few groups: a 16-bit key is sorted by radix (linear time), the same stable order
    order = np.argsort(combined.astype(np.uint16) if size <= 1 << 16 else combined, kind="stable")
    ranked = combined[order]
    starts = np.concatenate([[0], np.flatnonzero(ranked[1:] != ranked[:-1]) + 1, [len(combined)]])
    return combined, order, starts, size


def _groups(
    arrays: dict[str, np.ndarray],
    codes: list[np.ndarray],
    labels: list[list[str]],
    fn: Callable[[dict[str, np.ndarray], tuple], None],
) -> None:
    """``fn(columns of the group, key)`` for all rows (``__total__``) and, when grouped, for every group
    (the rows sorted by group once, each group a slice)."""
    fn(arrays, ("__total__",))
    n = len(next(iter(arrays.values()))) if arrays else 0
    if not codes or n == 0:
        return
    _, order, starts, _ = _order(codes, labels)
    ordered = {name: a[order] for name, a in arrays.items()}
    for lo, hi in itertools.pairwise(starts):
        first = order[lo]
        key = tuple(labels[j][int(codes[j][first])] for j in range(len(codes)))
        fn({name: a[lo:hi] for name, a in ordered.items()}, key)


#: Most combined codes summed by code directly; beyond, by group number (the rows' groups numbered first).
BINCOUNT_SPAN = 1 << 22
#: Metrics that count tallies (``cohort_tallies``) rather than summarise times.
_TALLIED = ("reopen_rate", "fcr", "sla")


def _countable(v: np.ndarray) -> np.ndarray:
    """A tally as bincount weights: NaN (no value) counts 0, as ``np.nansum`` has it."""
    return np.where(np.isnan(v), 0.0, v) if v.dtype.kind == "f" else v


def _cohort_groups(
    arrays: dict[str, np.ndarray],
    codes: list[np.ndarray],
    labels: list[list[str]],
    metrics: Sequence[str],
    extra: dict,
    parts: dict[tuple, dict[str, Any]],
) -> None:
    """The cohort's metrics for all rows (``__total__``) and every group. Each group's tallies are summed
    for all groups at once (``np.bincount``, exact integers) and only the per-ticket values a metric
    summarises are put in group order, so the rows of a large report are not copied column by column."""
    tallies = cohort_tallies(arrays) if any(m in _TALLIED for m in metrics) else {}
    total = {name: int(np.nansum(v)) for name, v in tallies.items()}
    parts.setdefault(("__total__",), {}).update(
        cohort_summary(len(arrays["id"]), total, arrays, metrics, extra)
    )
    n = len(arrays["id"])
    if not codes or n == 0:
        return
    combined, order, starts, size = _order(codes, labels)
    heads = order[starts[:-1]]
    if size <= BINCOUNT_SPAN:  # sum by combined code, then keep the codes present (in group order)
        keys, width = combined, size
        present = combined[heads]
    else:
        keys, width = np.empty(n, dtype=np.int64), len(heads)
        keys[order] = np.repeat(np.arange(width), np.diff(starts))
        present = np.arange(width)
    sums = {
        name: np.rint(np.bincount(keys, weights=_countable(v), minlength=width)[present]).astype(np.int64)
        for name, v in tallies.items()
    }
    needed = [TIME_VALUES[m] for m in metrics if m in TIME_VALUES]
    if any(m in extra for m in metrics):
        needed.append("id")
    ordered = {name: arrays[name][order] for name in dict.fromkeys(needed)}
    for g, (lo, hi) in enumerate(itertools.pairwise(starts)):
        first = heads[g]
        key = tuple(labels[j][int(codes[j][first])] for j in range(len(codes)))
        group_sums = {name: int(v[g]) for name, v in sums.items()}
        values = {name: a[lo:hi] for name, a in ordered.items()}
        parts.setdefault(key, {}).update(cohort_summary(int(hi - lo), group_sums, values, metrics, extra))


def cohort_arrays(cols: Columns, rows: np.ndarray, now: int) -> dict[str, np.ndarray]:
    """The per-ticket values ``analytics.cohort`` summarises, for ``rows``, with "came due" decided at now."""

    def due(at: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return (at <= now).astype(np.float64)  # NaN (no target) compares False

    num = {name: cols.num(name)[rows] for name in ("id", "created", "fr", "bh", "ar", "res")}
    flag = {name: cols.flag(name)[rows] for name in ("solved", "reopened", "fcr", "f_met", "n_met", "r_met")}
    return {
        **num,
        **flag,
        "f_due": due(cols.num("f_due_at")[rows]),
        "n_due": cols.flag("n_due")[rows] + due(cols.num("n_live_at")[rows]),
        "r_due": due(cols.num("r_due_at")[rows]),
    }


def from_rollups(
    store: Store, rollups: Rollups, report: Any, extra_metrics: Mapping[str, Callable]
) -> dict[tuple, dict[str, Any]]:
    """The cohort and backlog parts of ``report`` (groups keyed by label tuples, ``("__total__",)`` for
    all), from the day rollups."""
    since, until, now, by, wanted = report.since, report.until, report.now, report.by, report.metrics
    tz = dims.zone(report.timezone)
    cohort_metrics = [m for m in wanted if m not in ("backlog", "refunds", "ratings")]
    if "backlog" in wanted or "refunds" in wanted:  # open tickets and refunded ones may be of any day
        cols = rollups.load()
    else:
        cols = rollups.load(since // DAY, (until - 1) // DAY)
    values = rollups.values()
    parts: dict[tuple, dict[str, Any]] = {}
    created = cols.num("created")
    if cohort_metrics:
        idx = np.flatnonzero((cols.flag("facts") == 1) & (created >= since) & (created < until))
        rows, codes, labels = _rows_and_keys(cols, idx, by, tz, values)
        extra = {m: extra_metrics[m](store, since, until) for m in cohort_metrics if m in extra_metrics}
        _cohort_groups(cohort_arrays(cols, rows, now), codes, labels, cohort_metrics, extra, parts)
    if "backlog" in wanted:
        idx = np.flatnonzero(cols.flag("open") == 1)
        rows, codes, labels = _rows_and_keys(cols, idx, by, tz, values)
        _groups(
            {"age": now - created[rows]},
            codes,
            labels,
            lambda c, key: parts.setdefault(key, {}).update(
                backlog={"count": len(c["age"]), "age": dims.stats(c["age"])}
            ),
        )
    if "refunds" in wanted:
        _refunds(store, cols, report, tz, values, parts)
    return parts


def _refunds(
    store: Store, cols: Columns, report: Any, tz: ZoneInfo, values: Mapping[int, str], parts: dict
) -> None:
    """Refunds made in the period, grouped by their ticket's dimensions (read from the rollups, which hold
    every ticket) and by the day they were made."""
    rows = store.db.execute(
        "SELECT r.created_at, r.currency, r.amount_minor, c.ticket_id FROM refunds r "
        "JOIN cases c ON c.id = r.case_id WHERE r.created_at >= ? AND r.created_at < ?",
        [report.since, report.until],
    ).fetchall()
    rates = {
        cur: (usd or 0.0) / {0: 1, 3: 1000}.get(2 if digits is None else digits, 100)
        for cur, usd, digits in store.db.execute("SELECT currency, usd_per_unit, minor_digits FROM rates")
    }
    factors = {r[1]: rates.get(r[1], 0.0) for r in rows}
    currencies = sorted(factors)
    when = np.array([r[0] for r in rows], dtype=np.float64)
    currency = np.array([currencies.index(r[1]) for r in rows], dtype=np.int64)
    amount = np.array([r[2] for r in rows], dtype=np.int64)
    ticket = np.array([-1 if r[3] is None else r[3] for r in rows], dtype=np.int64)
    # the rollup row of each refund's ticket (-1: no ticket, every dimension "none")
    ids = cols.num("id").astype(np.int64)
    row = np.full(len(rows), -1, dtype=np.int64)
    if len(ids):
        by_id = np.argsort(ids, kind="stable")
        cand = by_id[np.searchsorted(ids, ticket, sorter=by_id).clip(0, len(ids) - 1)]
        row = np.where((ticket >= 0) & (ids[cand] == ticket), cand, -1)
    pick = np.arange(len(rows))
    sku = None
    if "sku" in report.by:
        pairs = cols.skus
        lo = np.searchsorted(pairs[:, 0], row, side="left")
        hi = np.searchsorted(pairs[:, 0], row, side="right")
        counts = np.where(row >= 0, hi - lo, 0)
        pick = np.repeat(pick, counts)
        start = np.repeat(np.cumsum(counts) - counts, counts)
        sku = pairs[np.arange(len(pick)) - start + np.repeat(lo, counts), 1]
    codes, labels = [], []
    for d in report.by:
        if d in dims.TIME_BUCKETS:
            c, lab = bucket_codes(when[pick], d, tz)
            codes.append(c)
            labels.append(lab)
            continue
        if d == "sku":
            raw = sku
        else:
            raw = np.where(row[pick] >= 0, cols.dim(d)[np.maximum(row[pick], 0)], -1)  # -1: "none"
        uniq, inverse = np.unique(raw, return_inverse=True)
        codes.append(inverse.ravel())
        labels.append([values.get(int(u), "") or dims.NONE for u in uniq])

    def one(c: dict[str, np.ndarray], key: tuple) -> None:
        sums = np.bincount(c["currency"], weights=c["amount"], minlength=len(currencies))
        counts = np.bincount(c["currency"], minlength=len(currencies))
        per = {currencies[i]: int(np.rint(sums[i])) for i in range(len(currencies)) if counts[i]}
        parts.setdefault(key, {})["refunds"] = dims.refund_summary(len(c["amount"]), per, factors)

    _groups({"currency": currency[pick], "amount": amount[pick]}, codes, labels, one)
