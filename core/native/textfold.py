"""Unicode folding and character classes shared by both matcher backends.

Text and patterns are compared after folding each code point on its own:
``NFKD(casefold(NFKD(c)))`` (the Unicode definition of compatibility caseless matching), which maps
full-width and other compatibility forms to their plain letters and splits composed letters into base plus
combining marks, so ``é`` and ``e`` + U+0301 fold alike. Hangul syllables are kept whole: decomposing them
into jamo would let a pattern match half a syllable. Folding per code point keeps a simple map back to
offsets in the original text; the one thing it skips is canonical reordering of several stacked marks.

Each folded code point also has a class: a word character (letters, digits, marks, connector punctuation),
a combining mark, and whether its script writes words without spaces (CJK, kana, Hangul, Thai, Lao, Khmer,
Myanmar), where patterns match as substrings instead of whole words.
"""

from __future__ import annotations

import functools
import unicodedata

import numpy as np

WORD = 1
MARK = 2
SUBSTRING = 4

#: Code points beyond these planes are unassigned or private use: not word characters, folded to
#: themselves. Scanning only the assigned planes keeps the one-off table build short.
_PLANES = (range(0, 0x40000), range(0xE0000, 0xE1000))

#: Scripts written without spaces between words (code point ranges, inclusive).
SUBSTRING_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul jamo
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi
    (0x3005, 0x3007),  # iteration mark, closing mark, ideographic zero
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3031, 0x3035),  # kana repeat marks
    (0x3040, 0x30FF),  # Hiragana, Katakana (with the combining voiced marks)
    (0x3100, 0x31FF),  # Bopomofo, Hangul compatibility jamo, Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables, jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFFDC),  # half-width Katakana and Hangul
    (0x1B000, 0x1B16F),  # kana supplement, extended
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)

_HANGUL = (0xAC00, 0xD7A3)


def _fold_uncached(c: str) -> str:
    cp = ord(c)
    if _HANGUL[0] <= cp <= _HANGUL[1]:
        return c
    if 0xD800 <= cp <= 0xDFFF:  # a lone surrogate: normalize() would choke on it later in a string
        return c
    return unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", c).casefold())


def _class(c: str) -> int:
    cat = unicodedata.category(c)
    flags = 0
    if cat[0] in "LNM" or cat == "Pc":
        flags |= WORD
    if cat[0] == "M":
        flags |= MARK
    cp = ord(c)
    for lo, hi in SUBSTRING_RANGES:
        if lo <= cp <= hi:
            if cat[0] in "LNM":
                flags |= SUBSTRING
            break
    return flags


def _decompose_uncached(c: str) -> str:
    cp = ord(c)
    if _HANGUL[0] <= cp <= _HANGUL[1] or 0xD800 <= cp <= 0xDFFF:
        return c
    return unicodedata.normalize("NFKD", c)


@functools.cache
def tables() -> tuple[np.ndarray, dict[int, str]]:
    """``(flags uint8[0x110000], folds {code point: folded text})``; folds holds only code points that
    change. Built once per process (a fraction of a second)."""
    flags = np.zeros(0x110000, dtype=np.uint8)
    folds: dict[int, str] = {}
    decomps = _DECOMPOSITIONS
    category = unicodedata.category
    for plane in _PLANES:
        for cp in plane:
            c = chr(cp)
            cat = category(c)
            if cat == "Cn":
                continue
            if cp < 0x80:
                f = c.lower()
            elif 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF:
                f = c  # unified ideographs: no decomposition, no case
            else:
                f = _fold_uncached(c)
            if f != c:
                folds[cp] = f
                d = _decompose_uncached(c) if cp >= 0x80 else c
                if d != c:
                    decomps[cp] = d
            flags[cp] = _class(c) if cp >= 0x80 else (WORD if (c.isalnum() or c == "_") else 0)
    return flags, folds


_DECOMPOSITIONS: dict[int, str] = {}


def decompositions() -> dict[int, str]:
    """Code points whose compatibility decomposition (NFKD, no case folding) differs from themselves."""
    tables()
    return _DECOMPOSITIONS


def decompose(text: str) -> str:
    """The text decomposed code point by code point, case kept (the ``ignore_case=False`` form)."""
    table = decompositions()
    return "".join(table.get(ord(c), c) for c in text)


def fold_char(c: str) -> str:
    """The folded form of one code point."""
    return tables()[1].get(ord(c), c)


def fold(text: str) -> str:
    """The folded form of a text, code point by code point."""
    folds = tables()[1]
    return "".join(folds.get(ord(c), c) for c in text)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its code points, the index of the original code point."""
    folds = tables()[1]
    out: list[str] = []
    where: list[int] = []
    for i, c in enumerate(text):
        f = folds.get(ord(c), c)
        out.append(f)
        where.extend([i] * len(f))
    return "".join(out), where


def char_flags(c: str) -> int:
    """WORD | MARK | SUBSTRING bits of one (folded) code point."""
    return int(tables()[0][ord(c)])
