"""Pure numpy/Python references of the native kernels: the oracle the parity tests hold the compiled
kernels to, and the fallback when the extension is missing or ``CROSSDESK_PURE=1``.

They favour being obviously right over being fast; each one mirrors the contract in docs/architecture.md and docs/scoring.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from crossdesk.native import textfold
from crossdesk.native.automaton import boundary_bits
from crossdesk.native.weights import ScoreWeights, default_weights

INT64_MAX = np.iinfo(np.int64).max
#: Hours overdue or waiting beyond this count as this (a billion hours: never reached by real tickets).
MAX_HOURS = 1e9

#: The score kernel's inputs, name -> dtype, in the compiled kernel's argument order (``ext/score.pyx``):
#: the one declaration of what the kernel reads. The queue's column schema (``crossdesk.queue.columns``)
#: takes its score columns' dtypes from here and checks that it covers exactly these; the dispatcher
#: passes the arrays to the compiled kernel in this order; a test holds the .pyx signature to it.
SCORE_COLUMNS: dict[str, type] = {
    "sla_due": np.int64,
    "last_customer_msg_at": np.int64,
    "order_value_usd": np.float32,
    "tier": np.int8,
    "intent": np.int16,
    "sentiment": np.float32,
    "platform": np.int8,
    "status": np.int8,
    "escalated": np.uint8,
}


def _lookup(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """table[code] where the code is in range, else 0."""
    codes = codes.astype(np.int64)
    ok = (codes >= 0) & (codes < len(table))
    out = np.zeros(len(codes), dtype=np.float64)
    out[ok] = table[codes[ok]]
    return out


#: The parts of the score, in the order they are added (docs/scoring.md): ``score_parts`` returns them,
#: ``score`` sums them in this order, and ``crossdesk tickets explain`` shows them.
SCORE_PARTS = ("status", "sla", "wait", "platform", "value", "tier", "intent", "sentiment", "escalation")


def score_parts(
    cols: Mapping[str, np.ndarray], weights: ScoreWeights | None, now: float
) -> dict[str, np.ndarray]:
    """The priority formula of docs/scoring.md as its parts (float64 points per ticket, one array per name
    of :data:`SCORE_PARTS`); :func:`score` is their sum. Solved and closed tickets get -inf in
    :func:`score`, not here."""
    w = weights or default_weights()
    c = {name: np.asarray(cols[name]) for name in SCORE_COLUMNS}
    n = len(c["status"])
    now = float(now)
    status = _lookup(np.asarray(w.status, dtype=np.float64), c["status"])
    status[~np.isfinite(status)] = 0.0  # solved and closed are set to -inf at the end

    sla_due = c["sla_due"].astype(np.int64)
    has_sla = sla_due != INT64_MAX
    h = (sla_due.astype(np.float64) - now) / 3600.0
    before = has_sla & (h >= 0)
    after = has_sla & (h < 0)
    urgency = np.zeros(n)
    urgency[before] = w.sla * w.sla_tau_hours / (w.sla_tau_hours + h[before])
    urgency[after] = w.sla + w.breach + w.overdue * np.log1p(np.minimum(-h[after], MAX_HOURS))

    wait_h = np.minimum((now - c["last_customer_msg_at"].astype(np.float64)) / 3600.0, MAX_HOURS)
    waiting = wait_h > 0
    wait = np.zeros(n)
    wait[waiting] = w.wait * wait_h[waiting] / (wait_h[waiting] + w.wait_tau_hours)
    risk = _lookup(np.asarray(w.platform, dtype=np.float64), c["platform"])
    platform = np.zeros(n)
    platform[waiting] = risk[waiting] * np.clip(wait_h[waiting] / w.risk_window_hours, 0.0, 1.0)

    value = np.nan_to_num(c["order_value_usd"].astype(np.float64), nan=0.0, posinf=w.value_cap_usd)
    value_part = w.value * np.log1p(np.clip(value, 0.0, w.value_cap_usd))

    tier_table = np.asarray(w.tier, dtype=np.float64)
    tier = np.zeros(n)
    if len(tier_table):
        tier = tier_table[np.clip(c["tier"].astype(np.int64), 0, len(tier_table) - 1)]
    intent = _lookup(np.asarray(w.intent, dtype=np.float64), c["intent"])

    sentiment = np.nan_to_num(c["sentiment"].astype(np.float64), nan=0.0, posinf=1.0, neginf=-1.0)
    mood = -w.sentiment * np.clip(sentiment, -1.0, 0.0)
    escalation = np.where(c["escalated"] != 0, w.escalated, 0.0)
    return {
        "status": status,
        "sla": urgency,
        "wait": wait,
        "platform": platform,
        "value": value_part,
        "tier": tier,
        "intent": intent,
        "sentiment": mood,
        "escalation": escalation,
    }


def score(cols: Mapping[str, np.ndarray], weights: ScoreWeights | None, now: float) -> np.ndarray:
    """The priority formula of docs/scoring.md, column at a time: the sum of :func:`score_parts`."""
    parts = score_parts(cols, weights, now)
    s = parts["status"].copy()
    for name in SCORE_PARTS[1:]:
        s += parts[name]
    out = s.astype(np.float32)
    status = np.asarray(cols["status"])
    out[(status == 4) | (status == 5)] = -np.inf
    return out


def rank(scores: np.ndarray, k: int | None = None, created_at: np.ndarray | None = None) -> np.ndarray:
    """Indices best first: higher score, then older created_at, then lower index; NaN last."""
    scores = np.asarray(scores, dtype=np.float32)
    n = len(scores)
    created = np.zeros(n, dtype=np.int64) if created_at is None else np.asarray(created_at, np.int64)
    nan = np.isnan(scores)
    neg = np.where(nan, 0.0, -scores.astype(np.float64))
    # lexsort: the last key is the primary one.
    order = np.lexsort((np.arange(n), created, neg, nan))
    if k is not None:
        order = order[: max(0, min(k, n))]
    return order.astype(np.int64)


def assign(
    order: np.ndarray,
    ticket_skills: np.ndarray,
    ticket_langs: np.ndarray,
    agent_skills: np.ndarray,
    agent_langs: np.ndarray,
    capacity: np.ndarray,
    load: np.ndarray,
    last_assigned: np.ndarray,
    skills_waived: np.ndarray | None = None,
) -> np.ndarray:
    """Walk tickets in ``order``; each goes to the eligible agent with the most spare capacity, ties to the
    least recently assigned, then the lowest index; -1 when nobody is eligible."""
    n = len(ticket_skills)
    out = np.full(n, -1, dtype=np.int32)
    spare = np.asarray(capacity, np.int64) - np.asarray(load, np.int64)
    last = np.asarray(last_assigned, np.int64).copy()
    a_skills = np.asarray(agent_skills, np.uint64)
    a_langs = np.asarray(agent_langs, np.uint64)
    waived = np.zeros(n, bool) if skills_waived is None else np.asarray(skills_waived).astype(bool)
    step = int(last.max()) + 1 if len(last) else 0
    idx = np.arange(len(spare))
    for t in np.asarray(order, np.int64):
        need = np.uint64(0) if waived[t] else np.uint64(ticket_skills[t])
        ok = ((a_skills & need) == need) & ((a_langs & np.uint64(ticket_langs[t])) != 0) & (spare > 0)
        if not ok.any():
            continue
        cand = idx[ok]
        best = cand[np.lexsort((cand, last[cand], -spare[cand]))[0]]
        out[t] = best
        spare[best] -= 1
        last[best] = step
        step += 1
    return out


class KeywordMatcher:
    """The matching contract by brute force: fold, then look for every pattern at every position."""

    def __init__(self, patterns: Iterable[str], *, ignore_case: bool = True) -> None:
        self.patterns = list(patterns)
        self.ignore_case = ignore_case
        conv = textfold.fold if ignore_case else textfold.decompose
        self._folded = [conv(p) for p in self.patterns]
        self._bound = [boundary_bits(f) if f else 0 for f in self._folded]

    def _fold(self, text: str) -> tuple[str, list[int]]:
        table = textfold.tables()[1] if self.ignore_case else textfold.decompositions()
        out: list[str] = []
        where: list[int] = []
        for i, c in enumerate(text):
            f = table.get(ord(c), c)
            out.append(f)
            where.extend([i] * len(f))
        return "".join(out), where

    def find(self, text: str) -> list[tuple[int, int, int]]:
        if not isinstance(text, str):
            raise TypeError(f"text is {type(text).__name__}, not str")
        folded, where = self._fold(text)
        n = len(folded)
        flags = textfold.char_flags
        found = []
        for pid, (pat, bound) in enumerate(zip(self._folded, self._bound, strict=True)):
            if not pat:
                continue
            start = folded.find(pat)
            while start >= 0:
                end = start + len(pat)
                ok = True
                if end < n:
                    after = flags(folded[end])
                    if after & textfold.MARK or (bound & 2 and after & textfold.WORD):
                        ok = False
                if bound & 1 and start > 0 and flags(folded[start - 1]) & textfold.WORD:
                    ok = False
                if ok:
                    found.append((where[start], where[end - 1] + 1, pid))
                start = folded.find(pat, start + 1)
        found.sort()
        return found

    def match_many(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        pairs = sorted(
            {(i, pid) for i, text in enumerate(texts) for _, _, pid in self._find_checked(i, text)}
        )
        return (
            np.array([i for i, _ in pairs], dtype=np.int64),
            np.array([p for _, p in pairs], dtype=np.int32),
        )

    def _find_checked(self, i: int, text: object) -> list[tuple[int, int, int]]:
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] is {type(text).__name__}, not str")
        return self.find(text)
