"""Service reports over a demo desk, each against what it spares, in the same run:

- a report from the day rollups (what ``crossdesk report`` does) against the same report computed row by
  row from ``ticket_facts`` and ``tickets`` (``Reports.build_direct``, the reference it is tested equal
  to), and against first-reply medians read from every message;
- a report's cohort grouped by SKU (every ticket once per SKU of its order) with each group's tallies
  summed at once and only the times put in group order, against the way before: codes numbered by
  ``np.unique``, every column copied into group order, each group summarised on its own (asserted equal);
- the quality check's window counts from the per-day SKU counts against counting the orders of the same
  windows directly.
"""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

from crossdesk.analytics import columnar
from crossdesk.analytics.quality import COMPLAINT_INTENTS
from crossdesk.analytics.report import METRICS, _cohort
from crossdesk.analytics.sales import SkuSales
from crossdesk.api import Desk
from crossdesk.demo import build_demo, enrich
from crossdesk.models import Actor

REPORT_N = int(os.environ.get("CROSSDESK_BENCH_REPORT_N", 50_000))
ADMIN = Actor.system("bench")
DAY = 86_400
BY = ["platform", "agent"]


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    path = tmp_path_factory.mktemp("analytics") / "demo.db"
    build_demo(path, size=REPORT_N, seed=7)
    desk = Desk.open(path)
    enrich(desk)
    desk.analytics.report(ADMIN)  # facts and rollups built once, as on a desk in use
    frozen = desk.store.now()
    desk.store.clock = lambda: frozen  # the rollups and the reference compare deadlines with one now
    yield desk
    desk.close()


def _cold(desk):
    """Each round reads the rollups afresh (no load kept from the round before)."""
    desk.analytics.rollups._all = None
    return (), {}


@pytest.mark.benchmark(group="report")
def test_report_rollups(benchmark, desk):
    reports = desk.analytics.reports
    report = benchmark.pedantic(lambda: reports.build(0, None, BY), setup=lambda: _cold(desk), rounds=3)
    benchmark.extra_info["tickets"] = report.total["volume"]
    assert report.total["volume"] >= REPORT_N


@pytest.mark.benchmark(group="report")
def test_report_row_by_row(benchmark, desk):
    reports = desk.analytics.reports
    slow = benchmark.pedantic(lambda: reports.build_direct(0, None, BY), rounds=3)
    fast = reports.build(0, None, BY)
    assert slow.groups == fast.groups and slow.total == fast.total


COHORT = [m for m in METRICS if m not in ("backlog", "refunds", "ratings")]


def _sku_rows(desk):
    """The cohort of every day by SKU: the rollup rows (one per ticket and SKU) and their SKU codes."""
    cols = desk.analytics.rollups.load()
    idx = np.flatnonzero(cols.flag("facts") == 1)
    inside = np.zeros(len(cols), dtype=bool)
    inside[idx] = True
    pairs = cols.skus[inside[cols.skus[:, 0]]]
    return cols, pairs[:, 0].astype(np.int64), pairs[:, 1]


def _by_sku_before(desk):
    """The grouping before: np.unique codes, a comparison sort, every column copied into group order."""
    cols, rows, skus = _sku_rows(desk)
    now = desk.store.now()
    arrays = columnar.cohort_arrays(cols, rows, now)
    uniq, codes = np.unique(skus, return_inverse=True)
    parts = {("__total__",): _cohort(arrays, COHORT, {}, now)}
    order = np.argsort(codes.ravel(), kind="stable")
    ranked = codes.ravel()[order]
    starts = np.concatenate([[0], np.flatnonzero(ranked[1:] != ranked[:-1]) + 1, [len(order)]])
    ordered = {name: a[order] for name, a in arrays.items()}
    for lo, hi in itertools.pairwise(starts):
        key = (int(uniq[ranked[lo]]),)
        parts[key] = _cohort({name: a[lo:hi] for name, a in ordered.items()}, COHORT, {}, now)
    return parts


def _by_sku_now(desk):
    cols, rows, skus = _sku_rows(desk)
    now = desk.store.now()
    uniq, codes = columnar.dense(skus)
    parts: dict[tuple, dict] = {}
    labels = [[str(int(u)) for u in uniq]]
    columnar._cohort_groups(columnar.cohort_arrays(cols, rows, now), [codes], labels, COHORT, {}, parts)
    return {k if k == ("__total__",) else (int(k[0]),): v for k, v in parts.items()}


@pytest.mark.benchmark(group="by sku")
def test_by_sku_grouped_at_once(benchmark, desk):
    got = benchmark.pedantic(_by_sku_now, args=(desk,), rounds=5)
    benchmark.extra_info["groups"] = len(got) - 1
    assert len(got) > 2


@pytest.mark.benchmark(group="by sku")
def test_by_sku_group_by_group(benchmark, desk):
    before = benchmark.pedantic(_by_sku_before, args=(desk,), rounds=5)
    assert before == _by_sku_now(desk)
    assert before[("__total__",)]["volume"] == len(_sku_rows(desk)[1])


def _from_messages(desk):
    rows = desk.db.execute(
        "SELECT t.platform, MIN(CASE WHEN m.direction = 'in' THEN m.created_at END), "
        "MIN(CASE WHEN m.direction = 'out' AND m.author NOT LIKE 'rule:%' AND m.author <> 'system' "
        "THEN m.created_at END) FROM tickets t JOIN messages m ON m.ticket_id = t.id GROUP BY t.id"
    ).fetchall()
    out = {}
    for platform in {r[0] for r in rows}:
        waits = [r[2] - r[1] for r in rows if r[0] == platform and r[1] is not None and r[2] is not None]
        out[platform] = float(np.median(waits))
    return out


@pytest.mark.benchmark(group="report")
def test_report_from_messages(benchmark, desk):
    medians = benchmark.pedantic(_from_messages, args=(desk,), rounds=3)
    report = desk.analytics.report(ADMIN, since=0, by=["platform"])
    assert {g["key"]["platform"]: g["first_reply"]["median"] for g in report.groups} == pytest.approx(medians)


def _windows(desk):
    now = desk.store.now()
    start = now - 14 * DAY
    return [(start, now), (start - 56 * DAY, start)]


@pytest.mark.benchmark(group="quality")
def test_quality_counts_sku_days(benchmark, desk):
    sales = SkuSales(desk.store, COMPLAINT_INTENTS)
    sales.refresh()
    got = benchmark.pedantic(lambda: [sales.counts(a, b) for a, b in _windows(desk)], rounds=3)
    benchmark.extra_info["skus"] = len(got[0])
    assert got[0]


@pytest.mark.benchmark(group="quality")
def test_quality_counts_orders(benchmark, desk):
    sales = SkuSales(desk.store, COMPLAINT_INTENTS)
    direct = benchmark.pedantic(
        lambda: [sales._aggregate(a, b, by_day=False) for a, b in _windows(desk)], rounds=3
    )
    fast = [sales.counts(a, b) for a, b in _windows(desk)]
    for d, f in zip(direct, fast, strict=True):
        assert {(k[1], k[2]): v for k, v in d.items()} == {k: v for k, v in f.items() if any(v)}
