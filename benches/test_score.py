"""score on 10M tickets: the kernel, the numpy reference, and a bandwidth probe over the same bytes."""

from __future__ import annotations

import numpy as np
import pytest

from crossdesk import native
from crossdesk.native import reference

from corpus import NOW  # isort: skip


@pytest.mark.benchmark(group="score")
def test_score_native(benchmark, score_cols):
    benchmark.extra_info["n"] = len(score_cols["status"])
    benchmark.extra_info["backend"] = native.BACKEND
    # Many cheap rounds: the table uses the minimum, the round least disturbed by other work on the box.
    out = benchmark.pedantic(native.score, args=(score_cols, None, NOW), rounds=15, warmup_rounds=1)
    assert np.isfinite(out).any()


@pytest.mark.benchmark(group="score")
def test_score_reference(benchmark, score_cols):
    out = benchmark.pedantic(reference.score, args=(score_cols, None, NOW), rounds=3)
    np.testing.assert_allclose(native.score(score_cols, None, NOW), out, rtol=2e-6, atol=2e-5)


@pytest.mark.benchmark(group="score")
def test_score_bandwidth_probe(benchmark, score_cols):
    """Read every byte the score kernel reads (all columns), on all threads, doing nothing with it."""
    from crossdesk._native import probe

    words = np.concatenate([col.view(np.uint8) for col in score_cols.values()])
    words = words[: len(words) // 8 * 8].view(np.uint64)
    benchmark.extra_info["bytes"] = int(words.nbytes)
    benchmark.pedantic(probe.read_words, args=(words,), rounds=15, warmup_rounds=2)
