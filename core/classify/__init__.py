"""Classification of buyer messages: intents, a sentiment value and threat flags, by keyword lexicons.

Lexicons ship as data files (``crossdesk/classify/lexicons/<language>.json``: intents and sentiment words
per language, plus ``universal.json`` for words every language uses) and grow through the
``crossdesk_intents`` hook (``{intent: {language: [keyword, ...]}}``). All keywords of all languages go
into one :class:`crossdesk.native.KeywordMatcher`, so a batch of a million messages is one native pass;
the per-message results are then reduced with numpy.

Each keyword also matches the spellings of it that buyers type and the matcher's folding does not cover
(:func:`crossdesk.classify.lexicons.spelling_variants`: without accents, traditional Chinese ...).

A keyword counts for a message when its language is the message's language, or the message's language is
unknown, or the keyword is universal. Sentiment is ``(positive - negative) / (positive + negative + 1)``
over the matched words, where each threat (chargeback, legal, bad review) counts as two negative words:
a value in (-1, 1), 0 when nothing matched.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, NamedTuple

import numpy as np
import orjson

from crossdesk.classify.lexicons import spelling_variants
from crossdesk.models import INTENT_CODES, INTENT_NAMES, INTENTS, intent_code

__all__ = [
    "FLAG_BAD_REVIEW",
    "FLAG_CHARGEBACK",
    "FLAG_LEGAL",
    "INTENT_NAMES",
    "Classification",
    "ClassifiedColumns",
    "Classifier",
    "classifier",
    "classify_desk",
    "classify_texts",
    "flag_names",
    "intent_code",
    "load_lexicons",
]

#: Bits of ``messages.flags`` and ``tickets.flags``.
FLAG_CHARGEBACK = 1  # the buyer threatens a chargeback, a card dispute or a marketplace claim
FLAG_LEGAL = 2  # a lawyer, a court, a consumer authority
FLAG_BAD_REVIEW = 4  # a bad review or negative feedback
FLAG_OF_INTENT = {
    "chargeback_threat": FLAG_CHARGEBACK,
    "legal_threat": FLAG_LEGAL,
    "bad_review_threat": FLAG_BAD_REVIEW,
}
_FLAG_NAMES = {FLAG_CHARGEBACK: "chargeback", FLAG_LEGAL: "legal", FLAG_BAD_REVIEW: "bad_review"}

UNIVERSAL = "*"
_KIND_INTENT, _KIND_NEGATIVE, _KIND_POSITIVE = 0, 1, 2
THREAT_NEGATIVE_WEIGHT = 2


def flag_names(flags: int) -> list[str]:
    """The names of the set flag bits: chargeback, legal, bad_review."""
    return [name for bit, name in _FLAG_NAMES.items() if flags & bit]


class Classification(NamedTuple):
    """What one message says: its intents (strongest first), sentiment in [-1, 1], flag bits.

    A named tuple rather than a dataclass: a million of them are built per batch."""

    intents: tuple[str, ...]
    sentiment: float
    flags: int

    @property
    def intent(self) -> str:
        """The strongest intent, or "" when none matched."""
        return self.intents[0] if self.intents else ""


@dataclass(frozen=True)
class ClassifiedColumns:
    """Classification of n messages as columns: the batch form, for rescoring and import."""

    intent_mask: np.ndarray  # uint64[n], bit c set when the intent of code c matched
    intent: np.ndarray  # int16[n], the strongest intent's code (0 none)
    sentiment: np.ndarray  # float32[n]
    flags: np.ndarray  # int32[n]


def _base_language(code: str | None) -> str:
    return (code or "").replace("_", "-").split("-")[0].lower()


def _spellings(keywords: Iterable[str], language: str) -> list[str]:
    # Each keyword with the spellings buyers type for it (no accents, traditional Chinese ...), once.
    return list(dict.fromkeys(v for kw in keywords for v in spelling_variants(kw, language)))


def load_lexicons(pm: Any = None) -> list[dict]:
    """The shipped lexicon files, then what plugins return from ``crossdesk_intents``, each as
    ``{"language": code, "intents": {intent: [kw]}, "sentiment": {"negative": [...], "positive": [...]}}``."""
    found = []
    folder = resources.files("crossdesk.classify") / "lexicons"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            found.append(orjson.loads(entry.read_bytes()))
    if pm is not None:
        for result in pm.hook.crossdesk_intents():
            if not isinstance(result, dict):
                raise TypeError(f"crossdesk_intents must return a dict, got {type(result).__name__}")
            for intent, by_language in result.items():
                for language, keywords in by_language.items():
                    found.append({"language": language or UNIVERSAL, "intents": {intent: list(keywords)}})
    return found


class Classifier:
    """One matcher over every keyword of every lexicon; classify batches of messages with it."""

    def __init__(self, lexicons: Iterable[dict]) -> None:
        # Imported here: crossdesk.native reads the intent table of this package for its default weights.
        from crossdesk.native import KeywordMatcher

        names = list(INTENT_NAMES)
        patterns: list[str] = []
        kind: list[int] = []
        bit: list[int] = []
        lang: list[int] = []
        self.languages: dict[str, int] = {UNIVERSAL: 0}
        for lex in lexicons:
            code = _base_language(lex.get("language")) if lex.get("language") != UNIVERSAL else UNIVERSAL
            li = self.languages.setdefault(code, len(self.languages))
            for intent, keywords in (lex.get("intents") or {}).items():
                if intent not in names:
                    if len(names) >= 64:
                        raise ValueError(f"too many intents (64 at most); cannot add {intent!r}")
                    names.append(intent)  # a plugin's own intent: a bit of its own, no score weight
                for kw in _spellings(keywords, code):
                    patterns.append(kw)
                    kind.append(_KIND_INTENT)
                    bit.append(names.index(intent))
                    lang.append(li)
            sentiment = lex.get("sentiment") or {}
            for polarity, k in (("negative", _KIND_NEGATIVE), ("positive", _KIND_POSITIVE)):
                for kw in _spellings(sentiment.get(polarity, ()), code):
                    patterns.append(kw)
                    kind.append(k)
                    bit.append(0)
                    lang.append(li)
        self.intent_names = tuple(names)
        weights = {name: w for name, w, _ in INTENTS}
        # Strongest first: the score weight, then the code (plugin intents rank as weight 1).
        self._by_strength = sorted(range(1, len(names)), key=lambda c: (-weights.get(names[c], 1.0), c))
        self.matcher = KeywordMatcher(patterns)
        self._kind = np.array(kind, dtype=np.int8)
        self._bit = np.array(bit, dtype=np.uint64)
        self._lang = np.array(lang, dtype=np.int32)
        self._flag_of_bit = {names.index(i): f for i, f in FLAG_OF_INTENT.items()}

    def _text_languages(self, n: int, languages: Sequence[str | None] | None) -> np.ndarray:
        if languages is None:
            return np.full(n, -1, dtype=np.int32)
        if len(languages) != n:
            raise ValueError(f"{len(languages)} languages for {n} texts")
        known = self.languages
        return np.array([known.get(_base_language(code), -1) for code in languages], dtype=np.int32)

    def classify_columns(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> ClassifiedColumns:
        """Classify n texts in one native pass; ``languages`` (one code or None per text) narrows which
        lexicons apply."""
        n = len(texts)
        idx, pid = self.matcher.match_many(texts)
        text_lang = self._text_languages(n, languages)
        pat_lang = self._lang[pid]
        own = text_lang[idx]
        keep = (pat_lang == 0) | (own < 0) | (pat_lang == own)
        idx, pid = idx[keep], pid[keep]
        kind = self._kind[pid]

        is_intent = kind == _KIND_INTENT
        mask = np.zeros(n, dtype=np.uint64)
        np.bitwise_or.at(mask, idx[is_intent], np.uint64(1) << self._bit[pid[is_intent]])
        top = np.zeros(n, dtype=np.int16)
        for code in reversed(self._by_strength):  # weakest first, so the strongest writes last
            has = (mask >> np.uint64(code)) & np.uint64(1) == 1
            top[has] = code
        flags = np.zeros(n, dtype=np.int32)
        threats = np.zeros(n, dtype=np.float64)
        for b, flag in self._flag_of_bit.items():
            has = (mask >> np.uint64(b)) & np.uint64(1) == 1
            flags[has] |= flag
            threats += has
        negative = np.bincount(idx[kind == _KIND_NEGATIVE], minlength=n) + THREAT_NEGATIVE_WEIGHT * threats
        positive = np.bincount(idx[kind == _KIND_POSITIVE], minlength=n).astype(np.float64)
        sentiment = ((positive - negative) / (positive + negative + 1.0)).astype(np.float32)
        return ClassifiedColumns(intent_mask=mask, intent=top, sentiment=sentiment, flags=flags)

    def classify_texts(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> list[Classification]:
        cols = self.classify_columns(texts, languages)
        names = self.intent_names
        order = self._by_strength
        cache: dict[int, tuple[str, ...]] = {0: ()}
        masks = cols.intent_mask.tolist()
        for mask in set(masks):
            if mask not in cache:
                cache[mask] = tuple(names[c] for c in order if mask >> c & 1)
        make = Classification._make
        return [
            make(row)
            for row in zip(
                map(cache.__getitem__, masks),
                cols.sentiment.astype(np.float64).round(4).tolist(),
                cols.flags.tolist(),
                strict=True,
            )
        ]


@functools.cache
def _shipped() -> Classifier:
    return Classifier(load_lexicons())


def classifier(pm: Any = None) -> Classifier:
    """The classifier of the shipped lexicons, plus the plugins' when ``pm`` is given (built per call
    then: keep the result if you classify often)."""
    if pm is None:
        return _shipped()
    return Classifier(load_lexicons(pm))


def classify_texts(
    texts: Sequence[str], languages: Sequence[str | None] | None = None, *, pm: Any = None
) -> list[Classification]:
    """Classify a batch of messages: intents, sentiment and flags for each, in order."""
    return classifier(pm).classify_texts(texts, languages)


# Keep the name importable for callers that map intent names to score codes.
INTENT_CODE = INTENT_CODES


def classify_desk(desk: Any, actor: Any, *, chunk: int = 20_000, progress: Any = None) -> str:
    """Classify every buyer message of the desk again (after a lexicon change, or for an imported desk)
    and fold the results into the tickets as the pipeline step does; needs the "bulk" permission.

    Messages are read in id order, ``chunk`` at a time, one native matching pass per chunk; each chunk is
    written in one transaction. ``progress(phase, done, total)`` is called after each chunk.
    """
    from crossdesk.classify.pipeline import stronger

    desk.require(actor, "bulk")
    c = classifier(desk.pm)
    conn = desk.db.conn
    total = conn.execute("SELECT count(*) FROM messages WHERE direction = 'in'").fetchone()[0]
    cursor = done = 0
    tickets: dict[int, list[Any]] = {}  # ticket id -> [intent, sentiment or None, flags]
    while True:
        rows = conn.execute(
            "SELECT id, ticket_id, body, language FROM messages WHERE direction = 'in' AND id > ? "
            "ORDER BY id LIMIT ?",
            [cursor, chunk],
        ).fetchall()
        if not rows:
            break
        results = c.classify_texts([r[2] for r in rows], [r[3] or None for r in rows])
        with desk.tx():
            conn.executemany(
                "UPDATE messages SET intents = ?, sentiment = ?, flags = ? WHERE id = ?",
                [
                    (orjson.dumps(list(res.intents)).decode(), res.sentiment, res.flags, row[0])
                    for row, res in zip(rows, results, strict=True)
                ],
            )
        for row, res in zip(rows, results, strict=True):
            agg = tickets.setdefault(row[1], ["", None, 0])
            agg[0] = stronger(agg[0], res.intent)
            if res.intents or res.sentiment:
                agg[1] = res.sentiment
            agg[2] |= res.flags
        cursor = rows[-1][0]
        done += len(rows)
        if progress is not None:
            progress("classify", done, total)
    with desk.tx():
        conn.executemany(
            "UPDATE tickets SET intent = ?, sentiment = COALESCE(?, sentiment), flags = ? WHERE id = ?",
            [(a[0], a[1], a[2], tid) for tid, a in tickets.items()],
        )
        desk.audit(actor, "classify.desk", "desk", None, None, {"messages": done, "tickets": len(tickets)})
    return f"{done:,} messages, {len(tickets):,} tickets"
