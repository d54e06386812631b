"""Build the Aho-Corasick automaton of a KeywordMatcher as flat numpy arrays.

The compiled matcher (``crossdesk._native.matcher``) walks these arrays without the GIL; building them is
plain Python, done once per pattern set. Layout:

- Text code points become *symbols*: each code point that occurs in a folded pattern gets its own symbol
  (3 and up); every other code point collapses into one of three classes: 0 a word character, 1 a
  separator, 2 a combining mark. The code point -> symbol map is a two-level table (``page_index`` by
  ``cp >> 8``, then 256 entries of ``pages``) with shared pages, so unused scripts cost nothing. An
  entry < 0 points into ``expansions`` (a count then that many symbols) for code points that fold to
  several, like ``ß`` -> ``ss``.
- The trie: ``edge_off`` / ``edge_sym`` / ``edge_to`` in CSR form (children sorted by symbol),
  ``root_next`` as a dense row for the root, ``fail`` links, ``depth`` (pattern length in symbols),
  ``out_first`` (the state itself if patterns end there, else the nearest such state along the fail
  chain, else -1), ``out_link`` (the next such state further along the chain), ``term_off`` /
  ``term_pat`` (the pattern ids ending at each state), and ``bound`` (bit 1: the pattern must start at a
  word boundary, bit 2: must end at one).
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crossdesk.native import textfold

N_CLASSES = 3  # symbols 0..2 are the word / separator / mark classes of code points no pattern uses
PAGE = 256


@dataclass(frozen=True)
class AutomatonArrays:
    page_index: np.ndarray  # int32[0x1100]
    pages: np.ndarray  # int32[P * 256]
    expansions: np.ndarray  # int32[*]
    sym_flags: np.ndarray  # uint8[A]
    root_next: np.ndarray  # int32[A]
    edge_off: np.ndarray  # int32[S + 1]
    edge_sym: np.ndarray  # int32[E]
    edge_to: np.ndarray  # int32[E]
    fail: np.ndarray  # int32[S]
    depth: np.ndarray  # int32[S]
    out_first: np.ndarray  # int32[S]
    out_link: np.ndarray  # int32[S]
    term_off: np.ndarray  # int32[S + 1]
    term_pat: np.ndarray  # int32[T]
    bound: np.ndarray  # uint8[S]


def _class_symbol(flag: int) -> int:
    if flag & textfold.MARK:
        return 2
    return 0 if flag & textfold.WORD else 1


def boundary_bits(folded: str) -> int:
    """Bit 1 if the pattern needs a word boundary before it, bit 2 if after (see docs/matching.md)."""
    bits = 0
    first, last = textfold.char_flags(folded[0]), textfold.char_flags(folded[-1])
    if first & textfold.WORD and not first & textfold.SUBSTRING:
        bits |= 1
    if last & textfold.WORD and not last & textfold.SUBSTRING:
        bits |= 2
    return bits


@functools.cache
def _base(ignore_case: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[int, list[int]]]:
    """What every matcher of one mode shares, built once per process: the code point -> class table with
    multi-symbol folds already pointing at their (fixed) place in ``expansions``, its pages deduplicated,
    the targets of those expansions, and which code points fold to each single code point."""
    flags, folds = textfold.tables()
    if not ignore_case:
        folds = textfold.decompositions()
    classes = np.where(flags & textfold.MARK, 2, np.where(flags & textfold.WORD, 0, 1)).astype(np.int32)
    table = classes.copy()
    layout: list[int] = []  # count, then the target code points (replaced by symbols per matcher)
    single: dict[int, list[int]] = {}
    for cp, f in folds.items():
        if len(f) == 1:
            table[cp] = classes[ord(f)]
            single.setdefault(ord(f), []).append(cp)
        else:
            table[cp] = -(len(layout) + 1)
            layout.append(len(f))
            layout.extend(ord(ch) for ch in f)
    seen: dict[bytes, int] = {}
    page_index = np.empty(0x110000 // PAGE, dtype=np.int32)
    unique: list[np.ndarray] = []
    for i, block in enumerate(table.reshape(-1, PAGE)):
        key = block.tobytes()
        j = seen.get(key)
        if j is None:
            j = seen[key] = len(unique)
            unique.append(block)
        page_index[i] = j
    layout_arr = np.asarray(layout, dtype=np.int32)
    return page_index, np.concatenate(unique), classes, layout_arr, single


def build(patterns: Sequence[str], *, ignore_case: bool = True) -> AutomatonArrays:
    flags, folds = textfold.tables()
    if ignore_case:
        folded = [textfold.fold(p) for p in patterns]
    else:
        # Without case folding still apply the compatibility and canonical decomposition, so full-width
        # and composed forms keep matching; only the case stays significant.
        folded = [textfold.decompose(p) for p in patterns]
        folds = textfold.decompositions()
    base_index, base_pages, classes, layout, single = _base(ignore_case)

    # Alphabet: every code point of every folded pattern, numbered in order of first use.
    symbol: dict[int, int] = {}
    for f in folded:
        for ch in f:
            if ord(ch) not in symbol:
                symbol[ord(ch)] = N_CLASSES + len(symbol)
    n_sym = N_CLASSES + len(symbol)
    sym_flags = np.zeros(n_sym, dtype=np.uint8)
    sym_flags[0] = textfold.WORD
    sym_flags[2] = textfold.WORD | textfold.MARK
    for cp, s in symbol.items():
        sym_flags[s] = flags[cp]

    # Expansions: the shared layout with target code points turned into this alphabet's symbols.
    expansions = layout.copy()
    pos = 0
    while pos < len(expansions):
        count = int(layout[pos])
        for q in range(pos + 1, pos + 1 + count):
            cp = int(layout[q])
            expansions[q] = symbol.get(cp, classes[cp])
        pos += 1 + count

    # Code points whose entry differs from the shared table get private copies of their pages.
    changes: dict[int, int] = {}
    for cp, s in symbol.items():
        if cp not in folds:
            changes[cp] = s
        for src in single.get(cp, ()):
            changes[src] = s
    page_index = base_index.copy()
    extra: list[np.ndarray] = []
    by_page: dict[int, list[int]] = {}
    for cp in changes:
        by_page.setdefault(cp // PAGE, []).append(cp)
    n_base = len(base_pages) // PAGE
    for page, cps in by_page.items():
        block = base_pages[base_index[page] * PAGE : (base_index[page] + 1) * PAGE].copy()
        for cp in cps:
            block[cp % PAGE] = changes[cp]
        page_index[page] = n_base + len(extra)
        extra.append(block)
    pages = np.concatenate([base_pages, *extra]) if extra else base_pages

    # The trie, with patterns that fold alike sharing one terminal state.
    children: list[dict[int, int]] = [{}]
    depth = [0]
    terms: list[list[int]] = [[]]
    bound = [0]
    for pid, f in enumerate(folded):
        if not f:
            continue  # an empty pattern matches nothing
        state = 0
        for ch in f:
            s = symbol[ord(ch)]
            nxt = children[state].get(s)
            if nxt is None:
                nxt = len(children)
                children[state][s] = nxt
                children.append({})
                depth.append(depth[state] + 1)
                terms.append([])
                bound.append(0)
            state = nxt
        terms[state].append(pid)
        bound[state] = boundary_bits(f)
    n_states = len(children)

    fail = [0] * n_states
    out_first = [-1] * n_states
    out_link = [-1] * n_states
    queue: deque[int] = deque()
    for child in children[0].values():
        queue.append(child)
        out_first[child] = child if terms[child] else -1
    while queue:
        state = queue.popleft()
        for s, child in children[state].items():
            f = fail[state]
            while f and s not in children[f]:
                f = fail[f]
            target = children[f].get(s, 0)
            fail[child] = target if target != child else 0
            out_link[child] = out_first[fail[child]]
            out_first[child] = child if terms[child] else out_link[child]
            queue.append(child)

    edge_off = np.zeros(n_states + 1, dtype=np.int32)
    edge_sym: list[int] = []
    edge_to: list[int] = []
    for state, kids in enumerate(children):
        for s in sorted(kids):
            edge_sym.append(s)
            edge_to.append(kids[s])
        edge_off[state + 1] = len(edge_sym)
    root_next = np.zeros(n_sym, dtype=np.int32)
    for s, child in children[0].items():
        root_next[s] = child
    term_off = np.zeros(n_states + 1, dtype=np.int32)
    term_pat: list[int] = []
    for state, ids in enumerate(terms):
        term_pat.extend(ids)
        term_off[state + 1] = len(term_pat)

    def i32(values: list[int]) -> np.ndarray:
        return np.asarray(values, dtype=np.int32).reshape(-1)

    return AutomatonArrays(
        page_index=page_index,
        pages=pages,
        expansions=np.ascontiguousarray(expansions, dtype=np.int32),
        sym_flags=sym_flags,
        root_next=root_next,
        edge_off=edge_off,
        edge_sym=i32(edge_sym),
        edge_to=i32(edge_to),
        fail=i32(fail),
        depth=i32(depth),
        out_first=i32(out_first),
        out_link=i32(out_link),
        term_off=term_off,
        term_pat=i32(term_pat),
        bound=np.asarray(bound, dtype=np.uint8),
    )
