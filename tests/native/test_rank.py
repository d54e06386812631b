from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossdesk.native import reference

scores_st = st.integers(0, 300).flatmap(
    lambda n: hnp.arrays(
        np.float32,
        n,
        elements=st.one_of(
            st.sampled_from([0.0, 1.0, -1.0, np.inf, -np.inf, np.nan]),
            st.floats(width=32, allow_nan=True, allow_infinity=True),
        ),
    )
)


@settings(settings.get_profile("native"))
@given(
    scores=scores_st,
    k=st.one_of(st.none(), st.integers(0, 320)),
    created=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_rank_matches_reference(kern, scores, k, created, seed):
    rng = np.random.default_rng(seed)
    created_at = rng.integers(0, 5, len(scores)).astype(np.int64) if created else None
    got = kern.rank(scores, k, created_at)
    want = reference.rank(scores, k, created_at)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, want)


def test_ties_oldest_first_then_index(kern):
    scores = np.array([1, 5, 5, 5, 2], np.float32)
    created = np.array([0, 30, 10, 10, 0], np.int64)
    assert kern.rank(scores, None, created).tolist() == [2, 3, 1, 4, 0]
    assert kern.rank(scores, 2, created).tolist() == [2, 3]
    assert kern.rank(np.full(6, 3, np.float32), 3).tolist() == [0, 1, 2]


def test_nan_ranks_after_minus_inf(kern):
    scores = np.array([np.nan, -np.inf, 0.5, np.inf], np.float32)
    assert kern.rank(scores).tolist() == [3, 2, 1, 0]


def test_partial_selection_on_a_large_input(kern):
    rng = np.random.default_rng(7)
    scores = rng.normal(size=200_000).astype(np.float32)
    top = kern.rank(scores, 50)
    assert np.array_equal(top, np.argsort(-scores, kind="stable")[:50])


def test_empty_and_bad_k(kern):
    assert kern.rank(np.array([], np.float32)).tolist() == []
    assert kern.rank(np.array([1.0], np.float32), 5).tolist() == [0]
    with pytest.raises(ValueError):
        kern.rank(np.array([1.0], np.float32), -1)
    with pytest.raises(ValueError, match="created_at"):
        kern.rank(np.array([1.0, 2.0], np.float32), None, np.zeros(3, np.int64))
