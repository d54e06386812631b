"""The queue priority of tickets: one pass over the score columns, no temporaries.

See docs/scoring.md for the formula and its weights; ``crossdesk.native.reference.score`` is the oracle.
"""

from cython.parallel cimport prange
from openmp cimport omp_get_max_threads
from libc.math cimport INFINITY, log
from libc.string cimport memcpy
from libc.stdint cimport INT64_MAX

from _types cimport clamp, epoch_t, int8_t, int16_t, int64_t, uint8_t

# Index of each scalar in the ``params`` array (the order of ScoreWeights.scalars()).
cdef enum:
    P_SLA = 0
    P_SLA_TAU = 1
    P_BREACH = 2
    P_OVERDUE = 3
    P_WAIT = 4
    P_WAIT_TAU = 5
    P_VALUE = 6
    P_VALUE_CAP = 7
    P_SENTIMENT = 8
    P_ESCALATED = 9
    P_RISK_WINDOW = 10
    N_PARAMS = 11
    # Below this many tickets the threads cost more than they save.
    PARALLEL_MIN = 200000


# ln(1 + x) by table: y = 1 + x = 2^e * m, m in [1, 2); the top LOG_BITS bits of m pick a centre c with
# known ln(c) and 1/c, and ln(m) = ln(c) + ln(1 + r), r = m/c - 1 tiny (|r| < 2^-8), by a short series.
# No division, no libm call, no branch: about 1e-13 relative, far below float32 output precision.
cdef enum:
    LOG_BITS = 7
cdef double LOG_C[1 << LOG_BITS]
cdef double INV_C[1 << LOG_BITS]
cdef int64_t MANTISSA = 0x000FFFFFFFFFFFFF
cdef int64_t EXP_ZERO = 0x3FF0000000000000


cdef void _init_tables() noexcept:
    cdef int i
    cdef double c
    for i in range(1 << LOG_BITS):
        c = 1.0 + (i + 0.5) / (1 << LOG_BITS)
        LOG_C[i] = log(c)
        INV_C[i] = 1.0 / c


_init_tables()


cdef inline double _ln1p(double x) noexcept nogil:
    """ln(1 + x) for 0 <= x < 2^1000."""
    cdef double y = 1.0 + x
    cdef double m, r
    cdef int64_t bits, e, i
    memcpy(&bits, &y, sizeof(double))
    e = (bits >> 52) - 1023
    i = (bits >> (52 - LOG_BITS)) & ((1 << LOG_BITS) - 1)
    bits = (bits & MANTISSA) | EXP_ZERO
    memcpy(&m, &bits, sizeof(double))
    r = m * INV_C[i] - 1.0
    return <double>e * 0.6931471805599453 + LOG_C[i] + r * (1.0 - r * (0.5 - r * (1.0 / 3 - r * 0.25)))


cdef struct Columns:
    const epoch_t* sla_due
    const epoch_t* last_msg
    const float* value
    const int8_t* tier
    const int16_t* intent
    const float* sentiment
    const int8_t* platform
    const int8_t* status
    const uint8_t* escalated
    float* out


cdef struct Tables:
    const double* p  # the scalar weights, risk window already inverted
    const double* tier_w
    const double* intent_w
    const double* platform_w
    const double* status_w
    Py_ssize_t n_tier, n_intent, n_platform, n_status


cdef void _score_range(Columns c, Tables t, double now, Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    # Everything the loop reads is copied into locals first: extensions build with
    # -fno-strict-aliasing, so through pointers the compiler would reload every weight after each store
    # to ``out``.
    #
    # Straight-line code: both sides of each condition are computed and one is selected, because on
    # real queues the conditions (breached or not, waiting or not) are as good as random per ticket and
    # mispredicted branches would cost more than the arithmetic.
    cdef const epoch_t* sla_due = c.sla_due
    cdef const epoch_t* last_msg = c.last_msg
    cdef const float* value = c.value
    cdef const int8_t* tier = c.tier
    cdef const int16_t* intent = c.intent
    cdef const float* sentiment = c.sentiment
    cdef const int8_t* platform = c.platform
    cdef const int8_t* status = c.status
    cdef const uint8_t* escalated = c.escalated
    cdef float* out = c.out
    cdef const double* tier_w = t.tier_w
    cdef const double* intent_w = t.intent_w
    cdef const double* platform_w = t.platform_w
    cdef const double* status_w = t.status_w
    cdef Py_ssize_t n_tier = t.n_tier, n_intent = t.n_intent, n_platform = t.n_platform
    cdef Py_ssize_t n_status = t.n_status
    cdef double w_sla = t.p[P_SLA], tau_sla = t.p[P_SLA_TAU], w_breach = t.p[P_BREACH]
    cdef double w_overdue = t.p[P_OVERDUE], w_wait = t.p[P_WAIT], tau_wait = t.p[P_WAIT_TAU]
    cdef double w_value = t.p[P_VALUE], value_cap = t.p[P_VALUE_CAP], w_sentiment = t.p[P_SENTIMENT]
    cdef double w_escalated = t.p[P_ESCALATED], inv_window = t.p[P_RISK_WINDOW]
    cdef double sla_at_deadline = w_sla * tau_sla, sla_breached = w_sla + w_breach
    cdef double s, h, snt, after, w, hp, b, d, r, risk
    cdef Py_ssize_t i, k
    cdef int8_t st
    for i in range(lo, hi):
        st = status[i]
        s = status_w[st] if <Py_ssize_t>st < n_status and st >= 0 else 0.0
        h = (<double>sla_due[i] - now) * (1.0 / 3600.0)
        hp = clamp(h, 0.0, 1e9)
        w = clamp((now - <double>last_msg[i]) * (1.0 / 3600.0), 0.0, 1e9)
        # The two hyperbolic terms share one division: a/b and c/d from 1/(b*d). Clamping to a billion
        # hours keeps b*d finite and changes the terms by less than float32 can show.
        b = tau_sla + hp
        d = w + tau_wait
        r = 1.0 / (b * d)
        after = sla_breached + w_overdue * _ln1p(clamp(-h, 0.0, 1e9))
        s += (sla_at_deadline * d * r if h >= 0.0 else after) if sla_due[i] != INT64_MAX else 0.0
        s += w_wait * w * b * r
        k = platform[i]
        risk = platform_w[k] if k < n_platform and k >= 0 else 0.0
        s += risk * clamp(w * inv_window, 0.0, 1.0)
        s += w_value * _ln1p(clamp(value[i], 0.0, value_cap))
        s += tier_w[<Py_ssize_t>clamp(tier[i], 0, n_tier - 1)] if n_tier > 0 else 0.0
        k = intent[i]
        s += intent_w[k] if k < n_intent and k >= 0 else 0.0
        snt = sentiment[i]
        snt = -1.0 if snt < -1.0 else snt
        s -= w_sentiment * (snt if snt < 0.0 else 0.0)  # NaN compares false: adds nothing
        s += w_escalated if escalated[i] else 0.0
        out[i] = <float>s if st != 4 and st != 5 else -INFINITY


def score(
    const epoch_t[::1] sla_due,
    const epoch_t[::1] last_customer_msg_at,
    const float[::1] order_value_usd,
    const int8_t[::1] tier,
    const int16_t[::1] intent,
    const float[::1] sentiment,
    const int8_t[::1] platform,
    const int8_t[::1] status,
    const uint8_t[::1] escalated,
    double now,
    const double[::1] params,
    const double[::1] tier_w,
    const double[::1] intent_w,
    const double[::1] platform_w,
    const double[::1] status_w,
    float[::1] out,
):
    """Write the priority of each ticket into ``out`` (float32[n]); solved and closed get -inf.

    Parameters
    ----------
    sla_due, last_customer_msg_at : int64[n]
        Epoch seconds; ``sla_due`` is INT64_MAX when no SLA applies.
    order_value_usd, sentiment : float32[n]
    tier, platform, status : int8[n]
    intent : int16[n]
    escalated : uint8[n]
    now : float
        Epoch seconds.
    params : float64[11]
        The scalar weights in the order of ``ScoreWeights.scalars()``.
    tier_w, intent_w, platform_w, status_w : float64[*]
        Lookup tables by code.
    out : float32[n]
        Written in place.
    """
    cdef Py_ssize_t n = out.shape[0], i
    if params.shape[0] != N_PARAMS:
        raise ValueError(f"params must hold {N_PARAMS} values, got {params.shape[0]}")
    for length in (sla_due.shape[0], last_customer_msg_at.shape[0], order_value_usd.shape[0],
                   tier.shape[0], intent.shape[0], sentiment.shape[0], platform.shape[0], status.shape[0],
                   escalated.shape[0]):
        if length != n:
            raise ValueError("every score column must have the same length as out")
    if n == 0:
        return
    # The kernel multiplies by the reciprocal of the risk window instead of dividing per ticket.
    cdef double pp[N_PARAMS]
    for i in range(N_PARAMS):
        pp[i] = params[i]
    pp[P_RISK_WINDOW] = 1.0 / params[P_RISK_WINDOW]
    cdef const double* p = pp
    # Empty lookup tables are legal; point at params so the pointer is valid, lengths guard every read.
    cdef const double* tw = &tier_w[0] if tier_w.shape[0] else p
    cdef const double* iw = &intent_w[0] if intent_w.shape[0] else p
    cdef const double* pw = &platform_w[0] if platform_w.shape[0] else p
    cdef const double* sw = &status_w[0] if status_w.shape[0] else p
    cdef Py_ssize_t nt = tier_w.shape[0], ni = intent_w.shape[0], npf = platform_w.shape[0]
    cdef Py_ssize_t ns = status_w.shape[0]
    cdef Columns c
    cdef Tables t
    cdef Py_ssize_t n_chunks, k
    c.sla_due = &sla_due[0]
    c.last_msg = &last_customer_msg_at[0]
    c.value = &order_value_usd[0]
    c.tier = &tier[0]
    c.intent = &intent[0]
    c.sentiment = &sentiment[0]
    c.platform = &platform[0]
    c.status = &status[0]
    c.escalated = &escalated[0]
    c.out = &out[0]
    t.p = p
    t.tier_w = tw
    t.intent_w = iw
    t.platform_w = pw
    t.status_w = sw
    t.n_tier = nt
    t.n_intent = ni
    t.n_platform = npf
    t.n_status = ns
    if n >= PARALLEL_MIN:
        # A few contiguous ranges per thread: each a plain loop over its own slice.
        n_chunks = 4 * omp_get_max_threads()
        for k in prange(n_chunks, nogil=True, schedule="dynamic", chunksize=1):
            _score_range(c, t, now, k * n // n_chunks, (k + 1) * n // n_chunks)
    else:
        with nogil:
            _score_range(c, t, now, 0, n)
