"""The fast paths of a grouped report and of the quality check agree with the plain ones they replace:
codes numbered through a table equal ``np.unique``; a cohort's groups summed at once (``np.bincount``)
equal each group summarised on its own rows; the edge days counted through the covering index of
migration 0195 equal the counts without it."""

from __future__ import annotations

import numpy as np
import pytest

from crossdesk.analytics import columnar
from crossdesk.analytics.quality import COMPLAINT_INTENTS
from crossdesk.analytics.report import METRICS, _cohort
from crossdesk.analytics.sales import LINES_INDEX, SkuSales

DAY = 86_400
COHORT = [m for m in METRICS if m not in ("backlog", "refunds", "ratings")]


@pytest.mark.parametrize(
    "raw",
    [
        np.array([7, 3, 3, 9, 7, 7, 120], dtype=np.int32),
        np.array([-1, 5, -1, 2], dtype=np.int64),
        np.array([4], dtype=np.int32),
        np.array([], dtype=np.int32),
        np.array([0, columnar.DENSE_SPAN + 5, 3, 0], dtype=np.int64),  # too wide for a table: sorted
    ],
)
def test_dense_codes_equal_unique(raw):
    uniq, inverse = columnar.dense(raw)
    want_uniq, want_inverse = np.unique(raw, return_inverse=True)
    assert uniq.tolist() == want_uniq.tolist()
    assert inverse.tolist() == want_inverse.ravel().tolist()
    assert uniq.dtype == raw.dtype


def _cohort_columns(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A cohort as the rollups give it, with missing times (NaN) and NaN tallies among the values."""

    def times() -> np.ndarray:
        v = rng.integers(60, 90_000, n).astype(np.float64)
        v[rng.random(n) < 0.3] = np.nan
        return v

    def flags() -> np.ndarray:
        return rng.integers(0, 2, n).astype(np.int32)

    f_due = rng.integers(0, 2, n).astype(np.float64)
    f_due[rng.random(n) < 0.1] = np.nan
    return {
        "id": np.arange(1, n + 1, dtype=np.float64),
        "created": rng.integers(0, 10 * DAY, n).astype(np.float64),
        **{name: times() for name in ("fr", "bh", "ar", "res")},
        **{name: flags() for name in ("solved", "reopened", "fcr", "f_met", "n_met", "r_met")},
        "f_due": f_due,
        "n_due": rng.integers(0, 4, n).astype(np.float64),
        "r_due": flags().astype(np.float64),
    }


@pytest.mark.parametrize("span", [columnar.BINCOUNT_SPAN, 0])  # 0: groups numbered first
@pytest.mark.parametrize("dims", [1, 2])
def test_groups_summed_at_once_equal_each_group_on_its_own(dims, span, monkeypatch):
    monkeypatch.setattr(columnar, "BINCOUNT_SPAN", span)
    rng = np.random.default_rng(dims)
    n = 5_000
    arrays = _cohort_columns(n, rng)
    codes = [rng.integers(0, k, n) for k in (7, 3)[:dims]]
    labels = [[f"v{j}" for j in range(k)] for k in (7, 3)[:dims]]
    codes[0][codes[0] == 4] = 5  # a label no row holds: no group for it
    csat = {int(i): float(i % 5) for i in arrays["id"] if i % 3}
    extra = {"csat": csat}
    metrics = [*COHORT, "csat"]

    fast: dict[tuple, dict] = {}
    columnar._cohort_groups(arrays, codes, labels, metrics, extra, fast)
    slow: dict[tuple, dict] = {}
    columnar._groups(
        arrays, codes, labels, lambda c, key: slow.setdefault(key, {}).update(_cohort(c, metrics, extra, 0))
    )
    assert list(fast) == list(slow)
    assert fast == slow
    assert ("v4",) not in fast and len(fast) > 4


def test_an_empty_cohort_has_only_a_total():
    arrays = _cohort_columns(0, np.random.default_rng(0))
    parts: dict[tuple, dict] = {}
    columnar._cohort_groups(arrays, [np.empty(0, dtype=np.intp)], [[]], COHORT, {}, parts)
    assert list(parts) == [("__total__",)]
    assert parts[("__total__",)]["volume"] == 0
    assert parts[("__total__",)]["fcr"] == {"count": 0, "of": 0, "rate": None}


def test_edge_days_through_the_covering_index_equal_the_counts_without_it(desk):
    db = desk.store.db
    assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'orders_ordered_platform'").fetchone()
    indexed = SkuSales(desk.store, COMPLAINT_INTENTS)
    assert indexed._order_lines() == f"order_lines l INDEXED BY {LINES_INDEX}"
    plan = " ".join(
        r[3]
        for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT l.sku FROM orders o JOIN "
            f"{indexed._order_lines()} ON l.order_id = o.id WHERE o.ordered_at >= 0 AND o.ordered_at < 1"
        )
    )
    assert f"COVERING INDEX {LINES_INDEX}" in plan
    now = desk.store.now()
    windows = [(now - 14 * DAY + 3600, now), (now - 70 * DAY + 7, now - 14 * DAY + 3600)]
    fast = [indexed._aggregate(a, b, by_day=False) for a, b in windows]
    assert any(fast[0].values())

    db.execute(f"DROP INDEX {LINES_INDEX}")  # a desk without it: the plain join, the same counts
    plain = SkuSales(desk.store, COMPLAINT_INTENTS)
    assert plain._order_lines() == "order_lines l"
    assert [plain._aggregate(a, b, by_day=False) for a, b in windows] == fast
