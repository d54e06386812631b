"""A memory-bandwidth probe for the benches: read every byte of some arrays as fast as the machine can.

``make bench`` compares the score kernel with this probe over the same bytes, on the same threads, to
say what fraction of the achievable bandwidth the kernel reaches.
"""

from cython.parallel cimport prange

from _types cimport uint64_t


def read_words(const uint64_t[::1] words):
    """XOR of all 64-bit words (the result only keeps the compiler from skipping the reads)."""
    cdef Py_ssize_t n = words.shape[0], i
    cdef uint64_t acc = 0
    if n == 0:
        return 0
    for i in prange(n, nogil=True, schedule="static"):
        acc ^= words[i]
    return acc
