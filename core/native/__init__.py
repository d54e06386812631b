"""The native core: queue score, ranking, keyword matching and routing over numpy arrays.

This dispatcher picks the compiled kernels (``crossdesk._native``) or, when they are missing or
``CROSSDESK_PURE=1`` is set, the pure numpy/Python references in :mod:`crossdesk.native.reference`
(warning once). :data:`BACKEND` says which: ``"cython"`` or ``"python"``. Both backends give the same
answers; the parity tests hold them to it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from crossdesk.native import reference
from crossdesk.native.weights import ScoreWeights, default_weights

ENV_PURE = "CROSSDESK_PURE"
INT64_MAX = reference.INT64_MAX
SCORE_COLUMNS = reference.SCORE_COLUMNS

__all__ = [
    "BACKEND",
    "INT64_MAX",
    "SCORE_COLUMNS",
    "KeywordMatcher",
    "ScoreWeights",
    "assign",
    "default_weights",
    "kernels",
    "rank",
    "score",
]


def _load_compiled():
    if os.environ.get(ENV_PURE, "") not in ("", "0"):
        return None, f"{ENV_PURE} is set"
    try:
        from crossdesk._native import assign as _assign
        from crossdesk._native import matcher as _matcher
        from crossdesk._native import rank as _rank
        from crossdesk._native import score as _score
    except ImportError as exc:
        return None, f"the compiled extension is missing ({exc})"
    return (_score, _rank, _matcher, _assign), ""


def _column(cols: Mapping[str, np.ndarray], name: str, dtype: type, n: int | None) -> np.ndarray:
    try:
        col = cols[name]
    except KeyError:
        raise KeyError(f"score column {name!r} is missing") from None
    arr = np.ascontiguousarray(col, dtype=dtype)
    if arr.ndim != 1:
        raise ValueError(f"score column {name!r} must be 1-D")
    if n is not None and len(arr) != n:
        raise ValueError(f"score column {name!r} has {len(arr)} values, expected {n}")
    return arr


class Kernels:
    """One backend's kernels. The module-level functions use the active one; tests and benches ask for
    each by name with :func:`kernels`."""

    def __init__(self, compiled: tuple | None, why_pure: str = "") -> None:
        self._compiled = compiled
        self._why_pure = why_pure
        self._warned = False
        self.name = "cython" if compiled is not None else "python"

    def _warn(self) -> None:
        # Once per process, and only when something is computed: importing must stay quiet.
        if not self._warned and self._why_pure and not os.environ.get(ENV_PURE):
            warnings.warn(
                f"crossdesk.native: using the pure Python reference kernels because {self._why_pure}; "
                "expect the queue to be much slower",
                RuntimeWarning,
                stacklevel=3,
            )
        self._warned = True

    def KeywordMatcher(self, patterns: Iterable[str], *, ignore_case: bool = True) -> KeywordMatcher:
        return KeywordMatcher(patterns, ignore_case=ignore_case, _kernels=self)

    def score(
        self, cols: Mapping[str, np.ndarray], weights: ScoreWeights | None = None, now: float = 0
    ) -> np.ndarray:
        """Priority of n tickets as float32[n]; solved and closed tickets score -inf.

        ``cols`` maps each name of :data:`SCORE_COLUMNS` to a 1-D array of length n (converted to the
        column's dtype when it differs; extra columns are ignored). ``weights`` None means
        :func:`default_weights`. ``now`` is epoch seconds. The formula is in docs/scoring.md.
        """
        w = weights or default_weights()
        n = len(np.asarray(cols["status"])) if "status" in cols else None
        arrays = {name: _column(cols, name, dtype, n) for name, dtype in SCORE_COLUMNS.items()}
        if self._compiled is None:
            self._warn()
            return reference.score(arrays, w, now)
        out = np.empty(len(arrays["status"]), dtype=np.float32)
        # SCORE_COLUMNS is in the compiled kernel's argument order (tests/native/test_score.py holds the
        # .pyx signature to it).
        self._compiled[0].score(
            *arrays.values(),
            float(now),
            w.scalars(),
            w.table("tier"),
            w.table("intent"),
            w.table("platform"),
            w.table("status"),
            out,
        )
        return out

    def rank(
        self, scores: np.ndarray, k: int | None = None, created_at: np.ndarray | None = None
    ) -> np.ndarray:
        """Indices of the k best tickets (all when k is None) as int64[k], highest score first; equal scores
        oldest ``created_at`` first, then lowest index; NaN scores last. Partial selection when k is small."""
        s = np.ascontiguousarray(scores, dtype=np.float32)
        if s.ndim != 1:
            raise ValueError("scores must be 1-D")
        n = len(s)
        if created_at is None:
            created = np.zeros(n, dtype=np.int64)
        else:
            created = np.ascontiguousarray(created_at, dtype=np.int64)
            if created.shape != (n,):
                raise ValueError(f"created_at has {len(created)} values, expected {n}")
        if k is not None:
            if k < 0:
                raise ValueError("k must be >= 0")
            k = min(int(k), n)
        if self._compiled is None:
            self._warn()
            return reference.rank(s, k, created)
        out = np.empty(n if k is None else k, dtype=np.int64)
        self._compiled[1].rank(s, created, out)
        return out

    def assign(
        self,
        order: np.ndarray,
        ticket_skills: np.ndarray,
        ticket_langs: np.ndarray,
        agent_skills: np.ndarray,
        agent_langs: np.ndarray,
        capacity: np.ndarray,
        load: np.ndarray,
        last_assigned: np.ndarray,
        *,
        waited: np.ndarray | None = None,
        skills_timeout: float | None = None,
    ) -> np.ndarray:
        """Route tickets to agents; int32[n] agent index per ticket, -1 when none is eligible.

        Walks tickets in ``order`` (int64 indices) and gives each to the eligible agent with the most spare
        capacity (``capacity - load``), ties to the least recently assigned (smallest ``last_assigned``),
        then the lowest index. Eligible: every required skill bit (uint64 ``ticket_skills``), a shared
        language bit (uint64 ``ticket_langs``; give a ticket of unknown language all bits), and room
        (an agent off shift has capacity 0). Skills timeout: a ticket whose ``waited`` seconds exceed
        ``skills_timeout`` may go to agents without the skill (the language still has to match).
        """
        t_skills = np.ascontiguousarray(ticket_skills, dtype=np.uint64)
        n = len(t_skills)
        t_langs = np.ascontiguousarray(ticket_langs, dtype=np.uint64)
        a_skills = np.ascontiguousarray(agent_skills, dtype=np.uint64)
        a_langs = np.ascontiguousarray(agent_langs, dtype=np.uint64)
        cap = np.ascontiguousarray(capacity, dtype=np.int32)
        ld = np.ascontiguousarray(load, dtype=np.int32)
        last = np.ascontiguousarray(last_assigned, dtype=np.int64)
        order_ = np.ascontiguousarray(order, dtype=np.int64)
        if len(t_langs) != n:
            raise ValueError("ticket_skills and ticket_langs differ in length")
        na = len(a_skills)
        if not (len(a_langs) == len(cap) == len(ld) == len(last) == na):
            raise ValueError("the agent columns differ in length")
        if len(order_) and (order_.min() < 0 or order_.max() >= n):
            raise ValueError("order holds an index that is not a ticket")
        if waited is not None and skills_timeout is not None:
            w = np.asarray(waited, dtype=np.float64)
            if len(w) != n:
                raise ValueError("waited must have one value per ticket")
            waived = np.ascontiguousarray(w > skills_timeout, dtype=np.uint8)
        else:
            waived = np.zeros(n, dtype=np.uint8)
        if self._compiled is None:
            self._warn()
            return reference.assign(order_, t_skills, t_langs, a_skills, a_langs, cap, ld, last, waived)
        out = np.empty(n, dtype=np.int32)
        self._compiled[3].assign(order_, t_skills, t_langs, waived, a_skills, a_langs, cap, ld, last, out)
        return out


class KeywordMatcher:
    """Aho-Corasick keyword matching over Unicode text (docs/matching.md).

    Patterns and texts are compared after Unicode compatibility decomposition and (with
    ``ignore_case``) full case folding, so full-width, composed and decomposed forms match alike.
    Patterns in scripts written with spaces match whole words; in CJK, kana, Hangul and Thai they match
    as substrings. Built once; ``find`` and ``match_many`` are safe to call from several threads.
    """

    def __init__(
        self, patterns: Iterable[str], *, ignore_case: bool = True, _kernels: Kernels | None = None
    ) -> None:
        kernels = _kernels or _ACTIVE
        self.patterns: list[str] = list(patterns)
        for i, p in enumerate(self.patterns):
            if not isinstance(p, str):
                raise TypeError(f"patterns[{i}] is {type(p).__name__}, not str")
        self.ignore_case = ignore_case
        if kernels._compiled is None:
            kernels._warn()
            self._impl: object = reference.KeywordMatcher(self.patterns, ignore_case=ignore_case)
        else:
            from crossdesk.native.automaton import build

            self._impl = kernels._compiled[2].Automaton(build(self.patterns, ignore_case=ignore_case))

    def __len__(self) -> int:
        return len(self.patterns)

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """Every match in ``text`` as ``(start, end, pattern_id)`` in code point offsets of ``text``,
        sorted; overlapping and nested matches included, repeated patterns reported under each id."""
        if not isinstance(text, str):
            raise TypeError(f"text is {type(text).__name__}, not str")
        return self._impl.find(text)  # type: ignore[attr-defined]

    def match_many(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(text_idx int64[m], pattern_id int32[m])``: each (text, pattern) pair once, sorted by text
        then pattern. Runs without the GIL, on several threads for large batches."""
        return self._impl.match_many(texts)  # type: ignore[attr-defined]


_ACTIVE = Kernels(*_load_compiled())
BACKEND: str = _ACTIVE.name
score = _ACTIVE.score
rank = _ACTIVE.rank
assign = _ACTIVE.assign


def kernels(backend: str) -> Kernels:
    """The kernels of one backend by name, ``"cython"`` or ``"python"``, whatever the active one is.
    Raises ImportError for ``"cython"`` when the extension is not built."""
    if backend == "python":
        return Kernels(None)
    if backend == "cython":
        from crossdesk._native import assign as _assign
        from crossdesk._native import matcher as _matcher
        from crossdesk._native import rank as _rank
        from crossdesk._native import score as _score

        return Kernels((_score, _rank, _matcher, _assign))
    raise ValueError(f"unknown native backend {backend!r}; expected 'cython' or 'python'")
