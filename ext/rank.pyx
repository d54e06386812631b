"""Top-k ranking of scores: a bounded heap for small k, a merge sort for the full order.

Order: highest score first; equal scores oldest ``created_at`` first, then lowest index; NaN after
everything, -inf included. ``crossdesk.native.reference.rank`` is the oracle.
"""

from libc.math cimport isnan
from libc.stdlib cimport free, malloc

from _types cimport epoch_t, int64_t


cdef inline bint _before(const float* s, const epoch_t* c, int64_t a, int64_t b) noexcept nogil:
    """True when ticket a ranks strictly before ticket b."""
    cdef float sa = s[a], sb = s[b]
    cdef bint na = isnan(sa), nb = isnan(sb)
    if na != nb:
        return nb
    if not na and sa != sb:
        return sa > sb
    if c[a] != c[b]:
        return c[a] < c[b]
    return a < b


cdef void _sift_down(int64_t* heap, Py_ssize_t size, Py_ssize_t i, const float* s,
                     const epoch_t* c) noexcept nogil:
    # A heap whose root is the *worst* of the kept candidates, so a better newcomer replaces it.
    cdef Py_ssize_t child
    cdef int64_t item = heap[i]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and _before(s, c, heap[child], heap[child + 1]):
            child += 1
        if _before(s, c, heap[child], item):
            break
        heap[i] = heap[child]
        i = child
    heap[i] = item


cdef void _merge_sort(int64_t* a, int64_t* tmp, Py_ssize_t n, const float* s, const epoch_t* c) noexcept nogil:
    # Bottom-up merge sort of indices; runs of 16 are first sorted by insertion.
    cdef Py_ssize_t lo, hi, i, j, k, mid, width, run = 16
    cdef int64_t x
    cdef int64_t* src = a
    cdef int64_t* dst = tmp
    cdef int64_t* t
    lo = 0
    while lo < n:
        hi = min(lo + run, n)
        for i in range(lo + 1, hi):
            x = a[i]
            j = i - 1
            while j >= lo and _before(s, c, x, a[j]):
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = x
        lo += run
    width = run
    while width < n:
        lo = 0
        while lo < n:
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i = lo
            j = mid
            k = lo
            while i < mid and j < hi:
                # Take from the right run only when strictly before: keeps the sort stable.
                if _before(s, c, src[j], src[i]):
                    dst[k] = src[j]
                    j += 1
                else:
                    dst[k] = src[i]
                    i += 1
                k += 1
            while i < mid:
                dst[k] = src[i]
                i += 1
                k += 1
            while j < hi:
                dst[k] = src[j]
                j += 1
                k += 1
            lo += 2 * width
        t = src
        src = dst
        dst = t
        width *= 2
    if src != a:
        for i in range(n):
            a[i] = src[i]


def rank(const float[::1] scores, const epoch_t[::1] created_at, int64_t[::1] out):
    """Write the indices of the ``len(out)`` best tickets into ``out`` (int64[k]), best first.

    Parameters
    ----------
    scores : float32[n]
    created_at : int64[n]
        Tie-break, oldest first; pass zeros to break ties by index only.
    out : int64[k], k <= n
    """
    cdef Py_ssize_t n = scores.shape[0], k = out.shape[0], i
    cdef int64_t* buf
    cdef int64_t* tmp
    if created_at.shape[0] != n:
        raise ValueError("created_at must have the same length as scores")
    if k > n:
        raise ValueError("k must not exceed the number of scores")
    if k == 0:
        return
    cdef const float* s = &scores[0]
    cdef const epoch_t* c = &created_at[0]
    if k * 8 >= n:
        # Most of the order is wanted anyway: sort everything.
        buf = <int64_t*>malloc(n * sizeof(int64_t))
        tmp = <int64_t*>malloc(n * sizeof(int64_t))
        if buf == NULL or tmp == NULL:
            free(buf)
            free(tmp)
            raise MemoryError()
        with nogil:
            for i in range(n):
                buf[i] = i
            _merge_sort(buf, tmp, n, s, c)
            for i in range(k):
                out[i] = buf[i]
        free(buf)
        free(tmp)
        return
    buf = <int64_t*>malloc(k * sizeof(int64_t))
    if buf == NULL:
        raise MemoryError()
    with nogil:
        # Partial selection: keep the k best seen so far in a heap rooted at the worst of them.
        for i in range(k):
            buf[i] = i
        for i in range(k // 2 - 1, -1, -1):
            _sift_down(buf, k, i, s, c)
        for i in range(k, n):
            if _before(s, c, i, buf[0]):
                buf[0] = i
                _sift_down(buf, k, 0, s, c)
        # Pop the worst to the back until the heap is empty: the array ends up best first.
        for i in range(k - 1, 0, -1):
            buf[0], buf[i] = buf[i], buf[0]
            _sift_down(buf, i, 0, s, c)
        for i in range(k):
            out[i] = buf[i]
    free(buf)
