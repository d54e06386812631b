"""Segmenting 200k buyers: the vectorised RFM scores and segments against a per-buyer Python loop."""

from __future__ import annotations

import bisect
import os

import numpy as np
import pytest

from crossdesk.customers import segments as seg

N = int(os.environ.get("CROSSDESK_BENCH_BUYERS", 200_000))


@pytest.fixture(scope="module")
def figures():
    rng = np.random.default_rng(3)
    ever = rng.geometric(0.6, N).astype(np.int64)
    freq = np.minimum(ever, rng.integers(0, 4, N))
    return {
        "recency": rng.uniform(0, 500, N),
        "first_days": rng.uniform(0, 800, N),
        "freq": freq,
        "money": freq * rng.lognormal(4, 1, N),
        "ever": ever,
    }


def vectorised(f):
    active = f["freq"] > 0
    cuts = seg.cut_points(f["recency"][active], f["freq"][active], f["money"][active])
    r = seg.score(f["recency"], cuts.recency, lower_is_better=True)
    m = seg.score(f["money"], cuts.monetary)
    return seg.classify(f["recency"], f["freq"], f["first_days"], f["ever"], m, seg.DEFAULTS), r


def per_buyer(f):
    active = f["freq"] > 0
    cuts = seg.cut_points(f["recency"][active], f["freq"][active], f["money"][active])
    t = seg.DEFAULTS
    out = []
    for rec, fr, first, ev, money in zip(
        f["recency"].tolist(),
        f["freq"].tolist(),
        f["first_days"].tolist(),
        f["ever"].tolist(),
        f["money"].tolist(),
        strict=True,
    ):
        m = 1 + bisect.bisect_right(cuts.monetary, money)
        if ev and rec > t["window_days"]:
            s = "lapsed"
        elif (
            ev
            and rec > t["at_risk_days"]
            and (fr >= t["core_orders"] or m >= t["high_value_m"] or ev >= t["core_orders"])
        ):
            s = "at-risk"
        elif m >= t["high_value_m"] and fr >= t["high_value_orders"]:
            s = "high-value"
        elif fr >= t["core_orders"]:
            s = "core"
        elif not ev or first <= t["new_days"]:
            s = "new"
        else:
            s = "potential"
        out.append(seg.SEGMENTS.index(s))
    return np.array(out)


@pytest.mark.benchmark(group="segments")
def test_segments_vectorised(benchmark, figures):
    out, _ = benchmark.pedantic(lambda: vectorised(figures), rounds=5, warmup_rounds=1)
    benchmark.extra_info["n"] = N
    np.testing.assert_array_equal(out, per_buyer(figures))


@pytest.mark.benchmark(group="segments")
def test_segments_per_buyer(benchmark, figures):
    benchmark.pedantic(lambda: per_buyer(figures), rounds=1)
