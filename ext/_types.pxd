# Shared typedefs and inline helpers of the kernels. No .pyx of the same name: this file is cimported only.

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint64_t

ctypedef int64_t epoch_t      # UTC epoch seconds
ctypedef int32_t sym_t        # a folded code point's symbol in a matcher's alphabet
ctypedef int32_t state_t      # an automaton state


cdef inline double clamp(double x, double lo, double hi) noexcept nogil:
    # NaN compares false both ways and falls through to lo: callers that need NaN -> 0 pass lo = 0.
    if x > hi:
        return hi
    if x >= lo:
        return x
    return lo
