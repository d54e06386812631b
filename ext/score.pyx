"""The queue priority of tickets: one pass over the score columns, no temporaries.

See docs/scoring.md for the formula and its weights; ``crossdesk.native.reference.score`` is the oracle.
"""

import numpy as np

from cython.parallel cimport prange
from openmp cimport omp_get_max_threads

from _types cimport epoch_t, int8_t, int16_t, int64_t, uint8_t

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


# The per-ticket loop is C inside this file (below), not Cython: it must be one flat loop that gcc turns
# into SIMD code, and it is built three times (AVX-512, AVX2 and the baseline x86-64 SSE2) with the
# copy for the running CPU picked once at load time (gcc's target_clones; other compilers and
# platforms get the baseline build only). The arithmetic is the reference's, in double precision:
#
# * int64 -> double without the conversion instruction (only AVX-512 has a vector one): the biased
#   value's two 32-bit halves are put into the mantissas of two doubles (exact), and their sum is the
#   one rounding, so the result is the correctly rounded (double)x the reference uses.
# * ln(1 + x) by table: y = 1 + x = 2^e * m, m in [1, 2); the top LOG_BITS bits of m pick a centre c
#   with known ln(c) and 1/c, and ln(m) = ln(c) + ln(1 + r), r = m/c - 1 tiny (|r| < 2^-8), by a short
#   series. No division, no libm call, no branch: about 1e-13 relative, far below float32 output.
# * Every condition is a select of two computed values and every lookup indexes a table padded with
#   a 0 for codes outside it: no branch in the loop, and on real queues the conditions (breached or
#   not, waiting or not) are as good as random per ticket.
cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #include <math.h>

    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && __GNUC__ >= 11
    #define CD_SCORE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
    #else
    #define CD_SCORE_CLONES
    #endif

    #define CD_LOG_BITS 7
    static double cd_log_c[1 << CD_LOG_BITS];
    static double cd_inv_c[1 << CD_LOG_BITS];

    static void cd_score_init(void) {
        for (int i = 0; i < (1 << CD_LOG_BITS); i++) {
            double c = 1.0 + (i + 0.5) / (1 << CD_LOG_BITS);
            cd_log_c[i] = log(c);
            cd_inv_c[i] = 1.0 / c;
        }
    }

    typedef struct {
        const int64_t *sla_due, *last_msg;
        const float *value, *sentiment;
        const int8_t *tier, *platform, *status;
        const int16_t *intent;
        const uint8_t *escalated;
        float *out;
        /* Lookup tables padded with one 0 at index n_* (where out-of-range codes go). Status and tier are
           one table, [status code or n_status][tier clamped to 0 .. n_tier - 1], n_tier >= 1. */
        const double *status_tier_w, *intent_w, *platform_w;
        int64_t n_tier, n_intent, n_platform, n_status;
        double p[11];  /* the scalar weights, risk window already inverted */
        double now;
    } cd_score_args;

    static inline double cd_bits_to_double(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
    static inline uint64_t cd_double_to_bits(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }

    /* (double)x, correctly rounded, from integer and double operations that vectorise everywhere. */
    static inline double cd_i64_to_double(int64_t x) {
        uint64_t u = (uint64_t)x ^ 0x8000000000000000ULL;  /* x + 2^63 */
        double hi = cd_bits_to_double(0x4530000000000000ULL | (u >> 32)) - (19342813113834066795298816.0 + 9223372036854775808.0);  /* 2^84 + 2^63 */
        double lo = cd_bits_to_double(0x4330000000000000ULL | (u & 0xFFFFFFFFULL)) - 4503599627370496.0;  /* 2^52 */
        return hi + lo;
    }

    static inline double cd_clamp(double x, double lo, double hi) {
        /* NaN compares false both ways and falls through to lo. */
        return x > hi ? hi : (x >= lo ? x : lo);
    }

    static inline double cd_ln1p(double x) {  /* 0 <= x < 2^1000 */
        double y = 1.0 + x;
        uint64_t bits = cd_double_to_bits(y);
        /* e + 2^52 + 1023 as a double, then exact subtraction: no int -> double conversion. */
        double e = cd_bits_to_double(0x4330000000000000ULL | (bits >> 52)) - (4503599627370496.0 + 1023.0);
        uint64_t i = (bits >> (52 - CD_LOG_BITS)) & ((1 << CD_LOG_BITS) - 1);
        double m = cd_bits_to_double((bits & 0x000FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL);
        double r = m * cd_inv_c[i] - 1.0;
        return e * 0.6931471805599453 + cd_log_c[i] + r * (1.0 - r * (0.5 - r * (1.0 / 3 - r * 0.25)));
    }

    static inline int64_t cd_code(int64_t k, int64_t n) { return (k >= 0 && k < n) ? k : n; }

    CD_SCORE_CLONES
    static void cd_score_range(const cd_score_args *a, ptrdiff_t lo, ptrdiff_t hi) {
        /* Everything the loop reads is copied into locals first: extensions build with
           -fno-strict-aliasing, so through pointers the compiler would reload every weight after each
           store to out. */
        const int64_t *restrict sla_due = a->sla_due, *restrict last_msg = a->last_msg;
        const float *restrict value = a->value, *restrict sentiment = a->sentiment;
        const int8_t *restrict tier = a->tier, *restrict platform = a->platform, *restrict status = a->status;
        const int16_t *restrict intent = a->intent;
        const uint8_t *restrict escalated = a->escalated;
        float *restrict out = a->out;
        const double *restrict intent_w = a->intent_w;
        const double *restrict platform_w = a->platform_w, *restrict status_tier_w = a->status_tier_w;
        const int64_t n_tier = a->n_tier, n_intent = a->n_intent, n_platform = a->n_platform, n_status = a->n_status;
        const double w_sla = a->p[0], tau_sla = a->p[1], w_breach = a->p[2], w_overdue = a->p[3];
        const double w_wait = a->p[4], tau_wait = a->p[5], w_value = a->p[6], value_cap = a->p[7];
        const double w_sentiment = a->p[8], w_escalated = a->p[9], inv_window = a->p[10];
        const double now = a->now;
        const double sla_at_deadline = w_sla * tau_sla, sla_breached = w_sla + w_breach;
        /* INT64_MAX (no SLA) biased by 2^63 is all ones: both halves at their maximum. */
        for (ptrdiff_t i = lo; i < hi; i++) {
            int64_t st = status[i];
            int64_t t = tier[i];
            t = t < 0 ? 0 : t;
            t = t > n_tier - 1 ? n_tier - 1 : t;
            double s = status_tier_w[cd_code(st, n_status) * n_tier + t];
            int64_t due = sla_due[i];
            double h = (cd_i64_to_double(due) - now) * (1.0 / 3600.0);
            double hp = cd_clamp(h, 0.0, 1e9);
            double w = cd_clamp((now - cd_i64_to_double(last_msg[i])) * (1.0 / 3600.0), 0.0, 1e9);
            /* The two hyperbolic terms share one division: a/b and c/d from 1/(b*d). Clamping to a
               billion hours keeps b*d finite and changes the terms by less than float32 can show. */
            double b = tau_sla + hp;
            double d = w + tau_wait;
            double r = 1.0 / (b * d);
            double after = sla_breached + w_overdue * cd_ln1p(cd_clamp(-h, 0.0, 1e9));
            double sla = h >= 0.0 ? sla_at_deadline * d * r : after;
            s += due != INT64_MAX ? sla : 0.0;
            s += w_wait * w * b * r;
            s += platform_w[cd_code(platform[i], n_platform)] * cd_clamp(w * inv_window, 0.0, 1.0);
            s += w_value * cd_ln1p(cd_clamp((double)value[i], 0.0, value_cap));
            s += intent_w[cd_code(intent[i], n_intent)];
            double snt = (double)sentiment[i];
            snt = snt < -1.0 ? -1.0 : snt;
            s -= w_sentiment * (snt < 0.0 ? snt : 0.0);  /* NaN compares false: adds nothing */
            s += escalated[i] ? w_escalated : 0.0;
            out[i] = (st == 4 || st == 5) ? -INFINITY : (float)s;
        }
    }
    """
    ctypedef struct cd_score_args:
        const epoch_t* sla_due
        const epoch_t* last_msg
        const float* value
        const float* sentiment
        const int8_t* tier
        const int8_t* platform
        const int8_t* status
        const int16_t* intent
        const uint8_t* escalated
        float* out
        const double* status_tier_w
        const double* intent_w
        const double* platform_w
        int64_t n_tier, n_intent, n_platform, n_status
        double p[11]
        double now
    void cd_score_init() noexcept nogil
    void cd_score_range(const cd_score_args* a, Py_ssize_t lo, Py_ssize_t hi) noexcept nogil


cd_score_init()


cdef _padded(const double[::1] table):
    """The table with one 0 appended: the kernel sends codes outside the table there."""
    out = np.zeros(table.shape[0] + 1, dtype=np.float64)
    out[: table.shape[0]] = table
    return out


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
    cdef cd_score_args a
    for i in range(N_PARAMS):
        a.p[i] = params[i]
    # The kernel multiplies by the reciprocal of the risk window instead of dividing per ticket.
    a.p[P_RISK_WINDOW] = 1.0 / params[P_RISK_WINDOW]
    # Solved and closed tickets are -inf whatever their status weight says (an infinite weight must not
    # turn open tickets into NaN either): the reference zeroes non-finite status weights the same way.
    sw = np.nan_to_num(_padded(status_w), nan=0.0, posinf=0.0, neginf=0.0)
    cdef const double[::1] iw = _padded(intent_w)
    cdef const double[::1] pw = _padded(platform_w)
    # Tier codes clamp to the table; an empty table adds 0 to everyone, like a one-entry table of 0.
    tw = np.asarray(tier_w) if tier_w.shape[0] else np.zeros(1)
    # One lookup for both: every status weight plus every tier weight, rows by status.
    cdef const double[::1] stw = (sw[:, None] + tw[None, :]).ravel()
    a.sla_due = &sla_due[0]
    a.last_msg = &last_customer_msg_at[0]
    a.value = &order_value_usd[0]
    a.sentiment = &sentiment[0]
    a.tier = &tier[0]
    a.platform = &platform[0]
    a.status = &status[0]
    a.intent = &intent[0]
    a.escalated = &escalated[0]
    a.out = &out[0]
    a.intent_w = &iw[0]
    a.platform_w = &pw[0]
    a.status_tier_w = &stw[0]
    a.n_tier = len(tw)
    a.n_intent = intent_w.shape[0]
    a.n_platform = platform_w.shape[0]
    a.n_status = status_w.shape[0]
    a.now = now
    cdef Py_ssize_t n_chunks, k
    if n >= PARALLEL_MIN:
        # Equal contiguous ranges, one per thread in a static schedule: the work per ticket is the same.
        n_chunks = omp_get_max_threads()
        for k in prange(n_chunks, nogil=True, schedule="static", chunksize=1):
            cd_score_range(&a, k * n // n_chunks, (k + 1) * n // n_chunks)
    else:
        with nogil:
            cd_score_range(&a, 0, n)
