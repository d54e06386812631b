"""Aho-Corasick keyword matching over Unicode text, without the GIL.

The automaton arrays come from ``crossdesk.native.automaton.build`` (their layout is described there);
this module only walks them. ``crossdesk.native.reference.KeywordMatcher`` is the oracle.
"""

cimport cython
from cython.parallel cimport parallel, prange
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy
from openmp cimport omp_get_max_threads

import numpy as np

from libc.stdint cimport uint32_t

from _types cimport int32_t, int64_t, state_t, sym_t, uint8_t

cdef extern from "Python.h":
    int PyUnicode_KIND(object) noexcept
    void* PyUnicode_DATA(object) noexcept
    Py_ssize_t PyUnicode_GET_LENGTH(object) noexcept
    uint32_t PyUnicode_READ(int kind, const void* data, Py_ssize_t index) noexcept nogil


cdef enum:
    WORD = 1
    MARK = 2
    N_CLASSES = 3
    PAGE_SHIFT = 8
    PAGE_MASK = 255
    # Below this many texts per thread the threads cost more than they save.
    PARALLEL_MIN_TEXTS = 2048


cdef struct Tables:
    const int32_t* page_index
    const int32_t* pages
    const int32_t* expansions
    const uint8_t* sym_flags
    const int32_t* root_next
    const int32_t* edge_off
    const int32_t* edge_sym
    const int32_t* edge_to
    const int32_t* fail
    const int32_t* depth
    const int32_t* out_first
    const int32_t* out_link
    const int32_t* term_off
    const int32_t* term_pat
    const uint8_t* bound


cdef struct Text:
    int kind
    const void* data
    Py_ssize_t length


cdef struct Scratch:
    # Per-thread buffers, grown on demand.
    sym_t* syms
    Py_ssize_t* where
    Py_ssize_t cap
    int32_t* hits
    Py_ssize_t n_hits
    Py_ssize_t hits_cap
    # Output pairs of one chunk of texts.
    int64_t* out_text
    int32_t* out_pat
    Py_ssize_t n_out
    Py_ssize_t out_cap
    bint failed


cdef inline bint _reserve_text(Scratch* sc, Py_ssize_t need) noexcept nogil:
    cdef Py_ssize_t cap
    cdef void* p
    cdef void* q
    if need <= sc.cap:
        return True
    cap = max(need, 2 * sc.cap, 256)
    p = realloc(sc.syms, cap * sizeof(sym_t))
    if p == NULL:
        return False
    sc.syms = <sym_t*>p
    q = realloc(sc.where, cap * sizeof(Py_ssize_t))
    if q == NULL:
        return False
    sc.where = <Py_ssize_t*>q
    sc.cap = cap
    return True


cdef inline bint _push_hit(Scratch* sc, int32_t pat) noexcept nogil:
    cdef Py_ssize_t cap
    cdef void* p
    if sc.n_hits == sc.hits_cap:
        cap = max(64, 2 * sc.hits_cap)
        p = realloc(sc.hits, cap * sizeof(int32_t))
        if p == NULL:
            return False
        sc.hits = <int32_t*>p
        sc.hits_cap = cap
    sc.hits[sc.n_hits] = pat
    sc.n_hits += 1
    return True


cdef inline bint _push_pair(Scratch* sc, int64_t text, int32_t pat) noexcept nogil:
    cdef Py_ssize_t cap
    cdef void* p
    cdef void* q
    if sc.n_out == sc.out_cap:
        cap = max(1024, 2 * sc.out_cap)
        p = realloc(sc.out_text, cap * sizeof(int64_t))
        if p == NULL:
            return False
        sc.out_text = <int64_t*>p
        q = realloc(sc.out_pat, cap * sizeof(int32_t))
        if q == NULL:
            return False
        sc.out_pat = <int32_t*>q
        sc.out_cap = cap
    sc.out_text[sc.n_out] = text
    sc.out_pat[sc.n_out] = pat
    sc.n_out += 1
    return True


cdef void _free_scratch(Scratch* sc) noexcept nogil:
    free(sc.syms)
    free(sc.where)
    free(sc.hits)
    free(sc.out_text)
    free(sc.out_pat)


cdef inline sym_t _lookup(const Tables* t, uint32_t cp) noexcept nogil:
    return t.pages[(<Py_ssize_t>t.page_index[cp >> PAGE_SHIFT] << PAGE_SHIFT) | (cp & PAGE_MASK)]


cdef Py_ssize_t _fold_text(const Tables* t, Text text, Scratch* sc) noexcept nogil:
    """Fold a text into sc.syms (with sc.where: the original index of each); return its length or -1."""
    cdef Py_ssize_t i, n = 0, j, count
    cdef sym_t e
    cdef const int32_t* x
    if not _reserve_text(sc, text.length + 8):
        return -1
    for i in range(text.length):
        e = _lookup(t, PyUnicode_READ(text.kind, text.data, i))
        if e >= 0:
            sc.syms[n] = e
            sc.where[n] = i
            n += 1
        else:
            x = t.expansions + (-e - 1)
            count = x[0]
            if not _reserve_text(sc, n + count + (text.length - i) + 8):
                return -1
            for j in range(count):
                sc.syms[n] = x[1 + j]
                sc.where[n] = i
                n += 1
    return n


cdef inline state_t _step(const Tables* t, state_t state, sym_t s) noexcept nogil:
    cdef int32_t lo, hi, mid
    if s < N_CLASSES:
        return 0  # no pattern holds a code point outside the alphabet
    while state != 0:
        lo = t.edge_off[state]
        hi = t.edge_off[state + 1]
        if hi - lo <= 8:
            while lo < hi:
                if t.edge_sym[lo] == s:
                    return t.edge_to[lo]
                lo += 1
        else:
            while lo < hi:
                mid = (lo + hi) >> 1
                if t.edge_sym[mid] < s:
                    lo = mid + 1
                else:
                    hi = mid
            if lo < t.edge_off[state + 1] and t.edge_sym[lo] == s:
                return t.edge_to[lo]
        state = t.fail[state]
    return t.root_next[s]


cdef inline bint _accept(const Tables* t, const sym_t* syms, Py_ssize_t n, Py_ssize_t start,
                         Py_ssize_t end, uint8_t bound) noexcept nogil:
    """Boundary rules of a match of syms[start:end]."""
    if end < n:
        if t.sym_flags[syms[end]] & MARK:
            return False  # never end between a letter and its combining mark
        if bound & 2 and t.sym_flags[syms[end]] & WORD:
            return False
    if bound & 1 and start > 0 and t.sym_flags[syms[start - 1]] & WORD:
        return False
    return True


cdef int _scan(const Tables* t, Text text, Scratch* sc, bint offsets, list found) except -1:
    """Collect the pattern ids matched in one text into sc.hits; with ``offsets`` (GIL held), append
    (start, end, pattern) tuples to ``found`` instead."""
    cdef Py_ssize_t n, j, start, q
    cdef state_t state = 0, u
    sc.n_hits = 0
    n = _fold_text(t, text, sc)
    if n < 0:
        raise MemoryError()
    for j in range(n):
        state = _step(t, state, sc.syms[j])
        u = t.out_first[state]
        while u >= 0:
            start = j + 1 - t.depth[u]
            if _accept(t, sc.syms, n, start, j + 1, t.bound[u]):
                for q in range(t.term_off[u], t.term_off[u + 1]):
                    if offsets:
                        found.append((sc.where[start], sc.where[j] + 1, t.term_pat[q]))
                    elif not _push_hit(sc, t.term_pat[q]):
                        raise MemoryError()
            u = t.out_link[u]
    return 0


cdef bint _scan_nogil(const Tables* t, Text text, Scratch* sc) noexcept nogil:
    cdef Py_ssize_t n, j, start, q
    cdef state_t state = 0, u
    sc.n_hits = 0
    n = _fold_text(t, text, sc)
    if n < 0:
        return False
    for j in range(n):
        state = _step(t, state, sc.syms[j])
        u = t.out_first[state]
        while u >= 0:
            start = j + 1 - t.depth[u]
            if _accept(t, sc.syms, n, start, j + 1, t.bound[u]):
                for q in range(t.term_off[u], t.term_off[u + 1]):
                    if not _push_hit(sc, t.term_pat[q]):
                        return False
            u = t.out_link[u]
    return True


cdef void _sort_unique(Scratch* sc) noexcept nogil:
    # Hits per text are few: insertion sort, then drop repeats.
    cdef Py_ssize_t i, j, k = 0
    cdef int32_t x
    for i in range(1, sc.n_hits):
        x = sc.hits[i]
        j = i - 1
        while j >= 0 and sc.hits[j] > x:
            sc.hits[j + 1] = sc.hits[j]
            j -= 1
        sc.hits[j + 1] = x
    for i in range(sc.n_hits):
        if k == 0 or sc.hits[k - 1] != sc.hits[i]:
            sc.hits[k] = sc.hits[i]
            k += 1
    sc.n_hits = k


cdef void _match_chunk(const Tables* t, const Text* texts, Py_ssize_t lo, Py_ssize_t hi,
                       Scratch* sc) noexcept nogil:
    cdef Py_ssize_t i, k
    for i in range(lo, hi):
        if not _scan_nogil(t, texts[i], sc):
            sc.failed = True
            return
        _sort_unique(sc)
        for k in range(sc.n_hits):
            if not _push_pair(sc, i, sc.hits[k]):
                sc.failed = True
                return


@cython.final
cdef class Automaton:
    """A compiled matcher over the arrays of ``crossdesk.native.automaton.AutomatonArrays``."""

    cdef Tables t
    cdef object _keep  # the arrays the Tables pointers point into

    def __init__(self, arrays):
        cdef const int32_t[::1] page_index = arrays.page_index
        cdef const int32_t[::1] pages = arrays.pages
        cdef const int32_t[::1] expansions = arrays.expansions
        cdef const uint8_t[::1] sym_flags = arrays.sym_flags
        cdef const int32_t[::1] root_next = arrays.root_next
        cdef const int32_t[::1] edge_off = arrays.edge_off
        cdef const int32_t[::1] edge_sym = arrays.edge_sym
        cdef const int32_t[::1] edge_to = arrays.edge_to
        cdef const int32_t[::1] fail = arrays.fail
        cdef const int32_t[::1] depth = arrays.depth
        cdef const int32_t[::1] out_first = arrays.out_first
        cdef const int32_t[::1] out_link = arrays.out_link
        cdef const int32_t[::1] term_off = arrays.term_off
        cdef const int32_t[::1] term_pat = arrays.term_pat
        cdef const uint8_t[::1] bound = arrays.bound
        if page_index.shape[0] != (0x110000 >> PAGE_SHIFT):
            raise ValueError("page_index must cover every code point")
        # Zero-length arrays would have no first element to point at: pad them.
        keep = [arrays]
        if expansions.shape[0] == 0:
            expansions = np.zeros(1, dtype=np.int32)
            keep.append(expansions)
        if edge_sym.shape[0] == 0:
            edge_sym = np.zeros(1, dtype=np.int32)
            edge_to = np.zeros(1, dtype=np.int32)
            keep.extend([edge_sym, edge_to])
        if term_pat.shape[0] == 0:
            term_pat = np.zeros(1, dtype=np.int32)
            keep.append(term_pat)
        self._keep = keep
        self.t.page_index = &page_index[0]
        self.t.pages = &pages[0]
        self.t.expansions = &expansions[0]
        self.t.sym_flags = &sym_flags[0]
        self.t.root_next = &root_next[0]
        self.t.edge_off = &edge_off[0]
        self.t.edge_sym = &edge_sym[0]
        self.t.edge_to = &edge_to[0]
        self.t.fail = &fail[0]
        self.t.depth = &depth[0]
        self.t.out_first = &out_first[0]
        self.t.out_link = &out_link[0]
        self.t.term_off = &term_off[0]
        self.t.term_pat = &term_pat[0]
        self.t.bound = &bound[0]

    def find(self, str text):
        """Every match in ``text`` as (start, end, pattern_id), in code point offsets of ``text``."""
        cdef Scratch sc
        cdef Text tx
        cdef list found = []
        sc.syms = NULL
        sc.where = NULL
        sc.cap = 0
        sc.hits = NULL
        sc.n_hits = 0
        sc.hits_cap = 0
        sc.out_text = NULL
        sc.out_pat = NULL
        sc.n_out = 0
        sc.out_cap = 0
        tx.kind = PyUnicode_KIND(text)
        tx.data = PyUnicode_DATA(text)
        tx.length = PyUnicode_GET_LENGTH(text)
        try:
            _scan(&self.t, tx, &sc, True, found)
        finally:
            _free_scratch(&sc)
        found.sort()
        return found

    def match_many(self, texts, int threads=0):
        """(text_idx int64[m], pattern_id int32[m]): each (text, pattern) pair once, sorted by text then
        pattern. ``threads`` 0 means the OpenMP default."""
        cdef list keep = list(texts)  # holds the str objects alive while the GIL is released
        cdef Py_ssize_t n = len(keep), i, c, n_chunks, lo, hi, total, pos
        cdef Text* tx
        cdef Scratch* scratch
        cdef object item
        cdef bint failed = False
        tx = <Text*>malloc(max(n, 1) * sizeof(Text))
        if tx == NULL:
            raise MemoryError()
        try:
            for i in range(n):
                item = keep[i]
                if not isinstance(item, str):
                    raise TypeError(f"texts[{i}] is {type(item).__name__}, not str")
                tx[i].kind = PyUnicode_KIND(item)
                tx[i].data = PyUnicode_DATA(item)
                tx[i].length = PyUnicode_GET_LENGTH(item)
            if threads <= 0:
                threads = omp_get_max_threads()
            n_chunks = threads if n >= PARALLEL_MIN_TEXTS * threads else 1
            if n_chunks < 1:
                n_chunks = 1
            scratch = <Scratch*>malloc(n_chunks * sizeof(Scratch))
            if scratch == NULL:
                raise MemoryError()
            for c in range(n_chunks):
                scratch[c].syms = NULL
                scratch[c].where = NULL
                scratch[c].cap = 0
                scratch[c].hits = NULL
                scratch[c].n_hits = 0
                scratch[c].hits_cap = 0
                scratch[c].out_text = NULL
                scratch[c].out_pat = NULL
                scratch[c].n_out = 0
                scratch[c].out_cap = 0
                scratch[c].failed = False
            try:
                if n_chunks == 1:
                    with nogil:
                        _match_chunk(&self.t, tx, 0, n, &scratch[0])
                else:
                    # Contiguous chunks keep the output in text order: concatenation is the merge.
                    for c in prange(n_chunks, nogil=True, schedule="static", chunksize=1,
                                    num_threads=n_chunks):
                        _match_chunk(&self.t, tx, c * n // n_chunks, (c + 1) * n // n_chunks,
                                     &scratch[c])
                total = 0
                for c in range(n_chunks):
                    failed = failed or scratch[c].failed
                    total += scratch[c].n_out
                if failed:
                    raise MemoryError()
                text_idx = np.empty(total, dtype=np.int64)
                pattern_id = np.empty(total, dtype=np.int32)
                pos = 0
                if total:
                    for c in range(n_chunks):
                        if scratch[c].n_out:
                            memcpy(_addr64(text_idx, pos),
                                   scratch[c].out_text, scratch[c].n_out * sizeof(int64_t))
                            memcpy(_addr32(pattern_id, pos), scratch[c].out_pat,
                                   scratch[c].n_out * sizeof(int32_t))
                            pos += scratch[c].n_out
            finally:
                for c in range(n_chunks):
                    _free_scratch(&scratch[c])
                free(scratch)
        finally:
            free(tx)
        return text_idx, pattern_id


cdef void* _addr64(int64_t[::1] a, Py_ssize_t i):
    return &a[i]


cdef void* _addr32(int32_t[::1] a, Py_ssize_t i):
    return &a[i]
