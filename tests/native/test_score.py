from __future__ import annotations

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossdesk.models import PLATFORM_CODES, TicketStatus, Tier
from crossdesk.native import INT64_MAX, SCORE_COLUMNS, ScoreWeights, default_weights, reference

NOW = 1_760_000_000
HOUR = 3600

times = st.one_of(
    st.integers(NOW - 400 * 24 * HOUR, NOW + 60 * 24 * HOUR),
    st.just(INT64_MAX),
    st.integers(-(2**63), 2**63 - 1),
)
floats32 = st.floats(width=32, allow_nan=True, allow_infinity=True)


@st.composite
def columns(draw, max_n: int = 40) -> dict[str, np.ndarray]:
    n = draw(st.integers(0, max_n))

    def col(dtype, elements):
        return draw(hnp.arrays(dtype, n, elements=elements))

    return {
        "created_at": col(np.int64, st.integers(NOW - 10**8, NOW)),
        "sla_due": col(np.int64, times),
        "last_customer_msg_at": col(np.int64, times),
        "order_value_usd": col(np.float32, floats32),
        "tier": col(np.int8, st.integers(-128, 127)),
        "intent": col(np.int16, st.integers(-5, 40)),
        "sentiment": col(np.float32, floats32),
        "platform": col(np.int8, st.integers(-3, 12)),
        "status": col(np.int8, st.integers(-1, 7)),
        "escalated": col(np.uint8, st.integers(0, 255)),
    }


positive = st.floats(0.01, 100, allow_nan=False)
weights = st.builds(
    ScoreWeights,
    sla=positive,
    sla_tau_hours=positive,
    breach=positive,
    overdue=positive,
    wait=positive,
    wait_tau_hours=positive,
    value=positive,
    sentiment=positive,
    escalated=positive,
    risk_window_hours=positive,
    tier=st.lists(st.floats(-10, 10), max_size=5).map(tuple),
    intent=st.lists(st.floats(-10, 10), max_size=20).map(tuple),
    platform=st.lists(st.floats(-10, 10), max_size=8).map(tuple),
)


def assert_same(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == np.float32
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-5)


@settings(settings.get_profile("native"))
@given(cols=columns(), w=st.one_of(st.none(), weights), now=st.integers(NOW - 10**7, NOW + 10**7))
def test_score_matches_reference(kern, cols, w, now):
    assert_same(kern.score(cols, w, now), reference.score(cols, w, now))


def ticket(**overrides) -> dict[str, np.ndarray]:
    base = {
        "created_at": NOW - 10 * HOUR,
        "sla_due": NOW + 5 * HOUR,
        "last_customer_msg_at": NOW - 2 * HOUR,
        "order_value_usd": 40.0,
        "tier": int(Tier.CORE),
        "intent": 1,
        "sentiment": 0.0,
        "platform": PLATFORM_CODES["ebay"],
        "status": int(TicketStatus.OPEN),
        "escalated": 0,
    }
    base.update(overrides)
    return {k: np.array([v], dtype=SCORE_COLUMNS.get(k, np.int64)) for k, v in base.items()}


def one(kern, **overrides) -> float:
    return float(kern.score(ticket(**overrides), None, NOW)[0])


@pytest.mark.parametrize("status", [TicketStatus.SOLVED, TicketStatus.CLOSED])
def test_solved_and_closed_score_minus_inf(kern, status):
    assert one(kern, status=int(status), escalated=1, intent=15) == -math.inf


@settings(settings.get_profile("native"))
@given(
    hours=st.lists(st.floats(-500, 500, allow_nan=False), min_size=2, max_size=2),
    value=st.lists(st.floats(0, 1e6), min_size=2, max_size=2),
    sentiment=st.lists(st.floats(-1, 1), min_size=2, max_size=2),
    waited=st.lists(st.floats(0, 1000), min_size=2, max_size=2),
    tier=st.lists(st.integers(0, 3), min_size=2, max_size=2),
    platform=st.sampled_from(sorted(PLATFORM_CODES.values())),
)
def test_more_urgent_valuable_angrier_is_never_lower(kern, hours, value, sentiment, waited, tier, platform):
    """Monotonicity, one factor at a time, around a random ticket."""
    (h_late, h_early), (v_lo, v_hi), (s_calm, s_angry), (w_lo, w_hi), (t_lo, t_hi) = (
        sorted(hours),
        sorted(value),
        sorted(sentiment, reverse=True),
        sorted(waited),
        sorted(tier),
    )
    base = dict(platform=platform)
    pairs = [
        ({"sla_due": NOW + int(h_early * HOUR)}, {"sla_due": NOW + int(h_late * HOUR)}),
        ({"sla_due": INT64_MAX}, {"sla_due": NOW + int(h_late * HOUR)}),
        ({"order_value_usd": v_lo}, {"order_value_usd": v_hi}),
        ({"sentiment": s_calm}, {"sentiment": s_angry}),
        ({"last_customer_msg_at": NOW - int(w_lo * HOUR)}, {"last_customer_msg_at": NOW - int(w_hi * HOUR)}),
        ({"tier": t_lo}, {"tier": t_hi}),
        ({"escalated": 0}, {"escalated": 1}),
    ]
    for calm, urgent in pairs:
        assert one(kern, **base, **urgent) >= one(kern, **base, **calm), (calm, urgent)


def test_sla_urgency_rises_steeply_and_more_after_breach(kern):
    at = [one(kern, sla_due=NOW + h * HOUR) for h in (48, 8, 2, 0)]
    late = [one(kern, sla_due=NOW - h * HOUR) for h in (1, 24)]
    assert at == sorted(at)
    assert at[3] - at[2] > at[1] - at[0]  # the last two hours count more than the 40 before
    assert late[0] > at[3] and late[1] > late[0]


def test_intent_weights_order_threats_above_questions(kern):
    from crossdesk.models import intent_code

    q = one(kern, intent=intent_code("product_question"))
    assert one(kern, intent=intent_code("chargeback_threat")) > q
    assert one(kern, intent=intent_code("item_not_received")) > q


def test_amazon_risk_grows_towards_24_hours(kern):
    amazon, web = PLATFORM_CODES["amazon"], PLATFORM_CODES["web"]
    gap = [
        one(kern, platform=amazon, last_customer_msg_at=NOW - h * HOUR)
        - one(kern, platform=web, last_customer_msg_at=NOW - h * HOUR)
        for h in (1, 12, 23)
    ]
    assert gap == sorted(gap) and gap[0] > 0


def test_missing_or_mismatched_columns_fail_clearly(kern):
    cols = ticket()
    del cols["sentiment"]
    with pytest.raises(KeyError, match="sentiment"):
        kern.score(cols, None, NOW)
    cols = ticket()
    cols["tier"] = np.zeros(3, np.int8)
    with pytest.raises(ValueError, match="tier"):
        kern.score(cols, None, NOW)


def test_default_weights_are_documented():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "scoring.md").read_text()
    w = default_weights()
    for name in (
        "sla",
        "sla_tau_hours",
        "breach",
        "overdue",
        "wait",
        "wait_tau_hours",
        "value",
        "sentiment",
        "escalated",
        "risk_window_hours",
    ):
        assert f"`{name}`" in doc, name
        assert f"{getattr(w, name):g}" in doc, name


def test_bad_weights_fail_clearly():
    with pytest.raises(ValueError, match="sla_tau_hours"):
        ScoreWeights(sla_tau_hours=0)


def test_score_columns_are_the_compiled_kernels_arguments():
    # The dispatcher passes SCORE_COLUMNS' arrays to the compiled kernel positionally, in dict order: the
    # .pyx signature must list the same names, in the same order, with the same element types.
    import re
    from pathlib import Path

    pyx = (Path(__file__).parents[2] / "ext" / "score.pyx").read_text()
    signature = re.search(r"^def score\((.*?)\):", pyx, re.S | re.M).group(1)
    args = re.findall(r"const (\w+)\[::1\] (\w+)", signature.split("double now")[0])
    c_types = {
        "epoch_t": np.int64,
        "float": np.float32,
        "int8_t": np.int8,
        "int16_t": np.int16,
        "uint8_t": np.uint8,
    }
    assert [name for _, name in args] == list(SCORE_COLUMNS)
    assert {name: np.dtype(c_types[t]) for t, name in args} == {
        k: np.dtype(v) for k, v in SCORE_COLUMNS.items()
    }
