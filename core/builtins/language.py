"""The desk's own language detector (a core plugin): lingua, with its models from the installed package.

Always registered (docs/plugins.md, "Core and default plugins"), and asked last (``trylast``), so a plugin
with a better detector answers first and this one answers only what no other plugin does. No model is
downloaded: lingua ships them inside its package.

The detector is built on first use, so ``import crossdesk`` stays fast; building it and loading the models
of the chosen languages takes about 2.5 s once per process, then a short message takes well under a
millisecond. High-accuracy mode: on short buyer messages it is clearly better than low-accuracy mode
(see ``crossdesk evaluate language``), and the speed is ample for a help desk.

Lingua is weak on one- to three-word messages ("merci" comes out Italian) and on Japanese written in
kanji only. So: a text that is, as a whole, a sentence or term of the offline phrasebook
(``crossdesk/language/phrasebook/*.json``) is answered from it when one language has it, and lingua chooses
among those languages when several do (then a prior by how often sellers hear each language breaks close
calls);
two or three words that all belong to one language's phrasebook decide it; and Han-only text is checked
for Japanese-only and simplified-only characters and shop words. See docs/translation.md for the figures.

The candidate languages default to the 13 the desk supports end to end (phrasebook, templates, demo);
``CROSSDESK_DETECT_LANGUAGES`` widens or narrows them (a comma-separated list of ISO 639-1 codes, or
``all``). Fewer candidates means fewer confusions between close languages on short texts.
"""

from __future__ import annotations

import functools
import json
import os
import re
import unicodedata
from typing import Any

from crossdesk import hookimpl
from crossdesk.language import phrasebook_dir
from crossdesk.models import LanguageGuess

ENV_LANGUAGES = "CROSSDESK_DETECT_LANGUAGES"
DEFAULT_LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "zh", "pt", "ko", "nl", "pl", "tr", "ar")

# What says nothing about the language and can mislead on a short text: links, addresses, and tokens
# with digits (order numbers, tracking numbers, SKUs, prices).
_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+\.\w+|#?[A-Za-z]*\d[A-Za-z0-9\-/.:,]*",
    re.UNICODE,
)


def clean(text: str) -> str:
    """The text without links, e-mail addresses and number-like tokens."""
    return " ".join(_NOISE.sub(" ", text).split())


def _languages() -> tuple[str, ...] | None:
    value = os.environ.get(ENV_LANGUAGES, "").strip().lower()
    if value == "all":
        return None
    if value:
        return tuple(c.strip() for c in value.split(",") if c.strip())
    return DEFAULT_LANGUAGES


@functools.cache
def detector(languages: tuple[str, ...] | None = DEFAULT_LANGUAGES) -> Any:
    """The lingua detector for ``languages`` (None: every language lingua knows), built once."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    if languages is None:
        builder = LanguageDetectorBuilder.from_all_languages()
    else:
        try:
            codes = [IsoCode639_1.from_str(c) for c in languages]
        except ValueError as exc:
            raise ValueError(f"{ENV_LANGUAGES}: {exc}") from None
        if len(codes) < 2:
            raise ValueError(f"{ENV_LANGUAGES}: name at least two languages")
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    return builder.build()


PHRASEBOOK_CONFIDENCE = 0.9  # a whole-text phrasebook match in one language only


def _key(text: str) -> str:
    """Case-folded, without punctuation or symbols, spaces collapsed (none at all between CJK)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text)
    out = " ".join(text.split())
    if any("\u3040" <= ch <= "\u9fff" for ch in out):
        out = out.replace(" ", "")
    return out


@functools.cache
def lexicon() -> dict[str, frozenset[str]]:
    """Whole-text forms of the phrasebook -> the languages that have them."""
    out: dict[str, set[str]] = {}
    base = phrasebook_dir()
    for entry in base.iterdir():
        if not entry.name.endswith(".json"):
            continue
        data = json.loads(entry.read_text(encoding="utf-8"))
        lang = data["language"]
        for group in ("phrases", "terms"):
            for forms in data.get(group, {}).values():
                for form in forms:
                    if "{" not in form:
                        out.setdefault(_key(form), set()).add(lang)
    return {k: frozenset(v) for k, v in out.items() if k}


# Han-only text (no kana) is where lingua mistakes Japanese for Chinese: "返品希望", "配送遅延". These are
# Japanese shinjitai that simplified Chinese writes differently, and Japanese and Chinese shop words.
_JA_HAN = frozenset("遅払込売円様気変発帰戻済読続対応検険広転伝労働込駅営歳黒図薬楽")
_ZH_HAN = frozenset("们这么还没发货谢请问时给说让对个吗呢吧买卖钱价运达门开关东车长见现样点进过后里为从单")
_JA_WORDS = ("返品", "注文", "在庫", "未着", "配達", "確認", "連絡", "至急", "到着", "返金", "交換希望")
_ZH_WORDS = ("订单", "退货", "发货", "快递", "请问", "谢谢", "什么", "没有", "怎么", "退款", "物流")


def _han_only_lean(text: str) -> str:
    """ "ja" or "zh" when Han-only text leans clearly one way, else ""."""
    if any("\u3040" <= ch <= "\u30ff" or "\uac00" <= ch <= "\ud7af" for ch in text):
        return ""
    score = sum(ch in _JA_HAN for ch in text) - sum(ch in _ZH_HAN for ch in text)
    score += 2 * (sum(w in text for w in _JA_WORDS) - sum(w in text for w in _ZH_WORDS))
    return "ja" if score > 0 else "zh" if score < 0 else ""


def _word_votes(cleaned: str) -> frozenset[str]:
    """For a message of at most three words: the languages every phrasebook word in it belongs to
    ("hola buenas" -> {es}; "Hallo, danke" -> {de}); empty when no word is known or they disagree."""
    words = _key(cleaned).split()
    if not 1 < len(words) <= 3:
        return frozenset()
    known = [lexicon()[w] for w in words if w in lexicon()]
    if not known:
        return frozenset()
    return frozenset.intersection(*known)


# When a word is shared by several languages and lingua cannot separate them either, the language more
# sellers hear from wins ("hallo": German before Dutch, "pedido": Spanish before Portuguese).
PRIOR = ("en", "de", "fr", "es", "it", "ja", "zh", "pt", "ko", "nl", "pl", "tr", "ar")
CLOSE_CALL = 0.25


def _best_of(d: Any, cleaned: str, codes: frozenset[str]) -> tuple[str, float]:
    from lingua import IsoCode639_1, Language

    scored = sorted(
        (
            (
                float(
                    d.compute_language_confidence(
                        cleaned, Language.from_iso_code_639_1(IsoCode639_1.from_str(c))
                    )
                ),
                c,
            )
            for c in codes
        ),
        reverse=True,
    )
    (top, lang), runner_up = scored[0], (scored[1][0] if len(scored) > 1 else 0.0)
    if top - runner_up < CLOSE_CALL:
        rank = {c: i for i, c in enumerate(PRIOR)}
        lang = min(codes, key=lambda c: (rank.get(c, len(PRIOR)), c))
        top = dict((c, v) for v, c in scored)[lang]
    return lang, top


def guess(text: str, languages: tuple[str, ...] | None = DEFAULT_LANGUAGES) -> LanguageGuess | None:
    """Detect ``text``'s language among ``languages``; None when there is nothing to judge by."""
    return _decide(clean(text), languages, None)


def guess_many(
    texts: list[str], languages: tuple[str, ...] | None = DEFAULT_LANGUAGES
) -> list[LanguageGuess | None]:
    """:func:`guess` of each text, the same answers, with lingua's parallel detection over the distinct
    texts the phrasebook and the word votes do not settle (intake of a batch of messages, reprocess)."""
    cleaned = [clean(t) for t in texts]
    unique = list(dict.fromkeys(c for c in cleaned if any(ch.isalpha() for ch in c)))
    hints = {c: _hint(c, languages) for c in unique}
    rest = [c for c in unique if hints[c] is None]
    best = (
        dict(zip(rest, detector(languages).detect_languages_in_parallel_of(rest), strict=True))
        if rest
        else {}
    )
    answers = {c: hints[c] or _decide(c, languages, best) for c in unique}
    return [answers.get(c) for c in cleaned]


def _hint(cleaned: str, languages: tuple[str, ...] | None) -> LanguageGuess | None:
    """The answer of the phrasebook or the word votes, when they have one (None: ask lingua)."""
    allowed = None if languages is None else set(languages)
    for how, known in (
        ("phrasebook", lexicon().get(_key(cleaned), frozenset())),
        ("words", _word_votes(cleaned)),
    ):
        if allowed is not None:
            known = known & allowed
        if len(known) == 1:
            return LanguageGuess(language=next(iter(known)), confidence=PHRASEBOOK_CONFIDENCE, detector=how)
        if known:
            lang, confidence = _best_of(detector(languages), cleaned, known)
            return LanguageGuess(language=lang, confidence=confidence, detector=f"lingua+{how}")
    return None


def _decide(
    cleaned: str, languages: tuple[str, ...] | None, best_of: dict[str, Any] | None
) -> LanguageGuess | None:
    if not any(ch.isalpha() for ch in cleaned):
        return None
    hint = _hint(cleaned, languages)
    if hint is not None:
        return hint
    d = detector(languages)
    allowed = None if languages is None else set(languages)
    # detect_language_of plus one confidence is ~15x faster than computing every language's value.
    best = d.detect_language_of(cleaned) if best_of is None else best_of[cleaned]
    if best is None:
        return None
    code = best.iso_code_639_1.name.lower()
    confidence = float(d.compute_language_confidence(cleaned, best))
    if code in ("zh", "ja") and (allowed is None or {"zh", "ja"} <= allowed):
        lean = _han_only_lean(cleaned)
        if lean and lean != code:
            return LanguageGuess(language=lean, confidence=0.8, detector="lingua+han")
    return LanguageGuess(language=code, confidence=confidence, detector="lingua")


@hookimpl(trylast=True)
def crossdesk_detect_language(text: str) -> LanguageGuess | None:
    """lingua's answer; registered last so any other detector plugin is asked first."""
    return guess(text, _languages())


def detect_batch(texts: list[str]) -> list[LanguageGuess | None]:
    """The batch form of :func:`crossdesk_detect_language` (``crossdesk.language.detect_many`` calls it
    when this detector is the only one installed)."""
    return guess_many(texts, _languages())
