from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossdesk.native import reference

U64 = st.integers(0, 2**64 - 1)


@st.composite
def routing(draw):
    n = draw(st.integers(0, 120))
    na = draw(st.integers(0, 30))
    # Few distinct bits make eligibility likely; 64-bit values exercise the top bit.
    bits = st.one_of(st.integers(0, 7), U64, st.sampled_from([0, 1 << 63, (1 << 64) - 1]))
    langs = st.one_of(st.integers(1, 3), U64)
    order = draw(st.permutations(range(n)))
    order = order[: draw(st.integers(0, n))]
    return dict(
        order=np.array(order, dtype=np.int64),
        ticket_skills=np.array(draw(st.lists(bits, min_size=n, max_size=n)), dtype=np.uint64),
        ticket_langs=np.array(draw(st.lists(langs, min_size=n, max_size=n)), dtype=np.uint64),
        agent_skills=np.array(draw(st.lists(bits, min_size=na, max_size=na)), dtype=np.uint64),
        agent_langs=np.array(draw(st.lists(langs, min_size=na, max_size=na)), dtype=np.uint64),
        capacity=np.array(draw(st.lists(st.integers(0, 6), min_size=na, max_size=na)), dtype=np.int32),
        load=np.array(draw(st.lists(st.integers(0, 4), min_size=na, max_size=na)), dtype=np.int32),
        last_assigned=np.array(draw(st.lists(st.integers(0, 5), min_size=na, max_size=na)), dtype=np.int64),
        waited=np.array(draw(st.lists(st.integers(0, 100), min_size=n, max_size=n)), dtype=np.int64),
    )


@settings(settings.get_profile("native"))
@given(r=routing(), timeout=st.one_of(st.none(), st.integers(0, 100)))
def test_assign_matches_reference(kern, r, timeout):
    waited = r.pop("waited")
    got = kern.assign(**r, waited=waited, skills_timeout=timeout)
    waived = (waited > timeout) if timeout is not None else None
    want = reference.assign(*r.values(), waived)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, want)


def agents(**cols):
    base = dict(
        agent_skills=np.array([0b01, 0b11, 0b11], np.uint64),
        agent_langs=np.array([1, 1, 2], np.uint64),
        capacity=np.array([5, 5, 5], np.int32),
        load=np.array([0, 0, 0], np.int32),
        last_assigned=np.array([0, 0, 0], np.int64),
    )
    base.update({k: np.asarray(v, dtype=base[k].dtype) for k, v in cols.items()})
    return base


def tickets(skills, langs):
    n = len(skills)
    return dict(
        order=np.arange(n, dtype=np.int64),
        ticket_skills=np.array(skills, np.uint64),
        ticket_langs=np.array(langs, np.uint64),
    )


def test_most_spare_capacity_then_least_recently_assigned(kern):
    out = kern.assign(**tickets([0, 0, 0, 0], [1, 1, 1, 1]), **agents(load=[1, 0, 0]))
    # agent 1 has most room; then 0 and 1 tie on room and 0 was assigned longer ago, and so on.
    assert out.tolist() == [1, 0, 1, 0]


def test_skills_language_and_off_shift(kern):
    out = kern.assign(**tickets([0b10, 0b10, 0b01, 0], [1, 2, 1, 4]), **agents(capacity=[5, 0, 5]))
    # agent 1 (the only one with skill 2 in language 1) is off shift; nobody speaks language 4.
    assert out.tolist() == [-1, 2, 0, -1]


def test_skills_timeout_widens_the_pool(kern):
    t = tickets([0b100, 0b100], [1, 1])
    out = kern.assign(**t, **agents(), waited=np.array([10, 4000]), skills_timeout=3600)
    assert out.tolist() == [-1, 0]


def test_capacity_runs_out(kern):
    out = kern.assign(**tickets([0] * 5, [1] * 5), **agents(capacity=[1, 1, 0]))
    assert out.tolist() == [0, 1, -1, -1, -1]


def test_only_tickets_in_order_are_assigned(kern):
    t = tickets([0, 0, 0], [1, 1, 1])
    t["order"] = np.array([2], np.int64)
    assert kern.assign(**t, **agents()).tolist() == [-1, -1, 0]


def test_bad_input_fails_clearly(kern):
    t = tickets([0], [1])
    t["order"] = np.array([3], np.int64)
    with pytest.raises(ValueError, match="order"):
        kern.assign(**t, **agents())
    a = agents()
    a["capacity"] = np.ones(2, np.int32)
    with pytest.raises(ValueError, match="agent"):
        kern.assign(**tickets([0], [1]), **a)
