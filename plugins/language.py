"""Built-in language detection: lingua, with its models from the installed package (no download).

The detector is built on first use, so ``import crossdesk`` stays fast; building it and loading the models
of the chosen languages takes about 2.5 s once per process, then a short message takes well under a
millisecond. High-accuracy mode: on short buyer messages it is clearly better than low-accuracy mode
(see ``python -m crossdesk.language.evaluate``), and the speed is ample for a help desk.

Lingua is weak on one- or two-word messages ("merci" comes out Italian). So a text that is, as a whole,
a sentence or term of the offline phrasebook (``translators/phrasebook/*.json``: greetings, thanks,
after-sales sentences in 13 languages, written by hand) is answered from it when only one language has it;
when several do ("hallo": de and nl), lingua chooses among those only.

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
from importlib import resources
from typing import Any

from crossdesk import hookimpl
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
    base = resources.files("crossdesk.plugins.translators") / "phrasebook"
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


def guess(text: str, languages: tuple[str, ...] | None = DEFAULT_LANGUAGES) -> LanguageGuess | None:
    """Detect ``text``'s language among ``languages``; None when there is nothing to judge by."""
    cleaned = clean(text)
    if not any(ch.isalpha() for ch in cleaned):
        return None
    d = detector(languages)
    known = lexicon().get(_key(cleaned), frozenset())
    if languages is not None:
        known = known & set(languages)
    if len(known) == 1:
        return LanguageGuess(
            language=next(iter(known)), confidence=PHRASEBOOK_CONFIDENCE, detector="phrasebook"
        )
    if known:
        from lingua import IsoCode639_1, Language

        scored = [
            (
                d.compute_language_confidence(
                    cleaned, Language.from_iso_code_639_1(IsoCode639_1.from_str(c))
                ),
                c,
            )
            for c in sorted(known)
        ]
        confidence, lang = max(scored)
        return LanguageGuess(language=lang, confidence=float(confidence), detector="lingua+phrasebook")
    # detect_language_of plus one confidence is ~15x faster than computing every language's value.
    best = d.detect_language_of(cleaned)
    if best is None:
        return None
    confidence = float(d.compute_language_confidence(cleaned, best))
    return LanguageGuess(language=best.iso_code_639_1.name.lower(), confidence=confidence, detector="lingua")


@hookimpl(trylast=True)
def crossdesk_detect_language(text: str) -> LanguageGuess | None:
    """lingua's answer; registered last so any other detector plugin is asked first."""
    return guess(text, _languages())
