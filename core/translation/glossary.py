"""Glossary terms per shop, and the protected spans that make every provider honour them.

**Public** (translator SDK): :class:`Span`, :func:`to_markup` and :func:`from_markup` (what a translator's
``translate_spans`` receives and how to send it as markup); the glossary store is the service's own.

A term is either *kept* (never translated: brand, product name, SKU) or has *fixed translations* per
target language. Providers that accept markup get the text as HTML with each term wrapped in
``<span translate="no">``, the element all three HTTP APIs leave alone (DeepL additionally uses its own
glossaries for fixed translations). Translators that take plain text only are given the pieces between the
terms, so a term never reaches them at all.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import orjson

# Scripts written without spaces between words: a term matches anywhere, not on word boundaries.
_NO_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
# Template placeholders ({{order_id}}, {{ buyer.name }}) are never translated, glossary or not.
PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")
_SPAN = re.compile(r"""<span\s+translate\s*=\s*["']no["']\s*>(.*?)</span\s*>""", re.S | re.I)


@dataclass(frozen=True)
class GlossaryTerm:
    """One glossary row. ``translations`` empty means: never translate ``term``; otherwise it becomes
    ``translations[target]`` in the languages listed and is translated like any word into the others."""

    term: str
    translations: Mapping[str, str] = field(default_factory=dict)
    language: str = ""  # the source language the term belongs to; "" for any
    shop_id: int = 0  # 0: every shop
    case_sensitive: bool = True

    def replacement(self, target: str) -> str:
        return self.translations.get(target, self.term)


def _pattern(term: GlossaryTerm) -> re.Pattern[str]:
    flags = 0 if term.case_sensitive else re.I
    if _NO_SPACES.search(term.term):
        return re.compile(re.escape(term.term), flags)
    return re.compile(rf"(?<!\w){re.escape(term.term)}(?!\w)", flags)


@dataclass(frozen=True)
class Span:
    """A piece of text: ``protected`` pieces carry the text that must come out of translation as is."""

    text: str
    protected: bool = False
    source_text: str = ""


class Glossary:
    """The terms that apply to one shop, compiled for matching."""

    def __init__(self, terms: Iterable[GlossaryTerm] = ()) -> None:
        # Longest terms first, so "AcmePhone X2 Pro" wins over "AcmePhone".
        self.terms = sorted(terms, key=lambda t: len(t.term), reverse=True)
        self._compiled = [(t, _pattern(t)) for t in self.terms]

    def __bool__(self) -> bool:
        return bool(self.terms)

    def protects(self, text: str) -> bool:
        """Whether anything in ``text`` must be kept out of translation (terms or placeholders)."""
        return bool(self.terms) or bool(PLACEHOLDER.search(text))

    def spans(self, text: str, source: str, target: str) -> list[Span]:
        """Split ``text`` into plain and protected spans for ``source -> target``."""
        hits: list[tuple[int, int, GlossaryTerm]] = []
        taken = [False] * len(text)
        for m in PLACEHOLDER.finditer(text):
            for i in range(m.start(), m.end()):
                taken[i] = True
            hits.append((m.start(), m.end(), GlossaryTerm(m.group(0))))
        for term, pattern in self._compiled:
            if term.language and term.language != source:
                continue
            if term.translations and target not in term.translations:
                continue  # fixed for other languages only: translated like any word into this one
            for m in pattern.finditer(text):
                if any(taken[m.start() : m.end()]):
                    continue
                for i in range(m.start(), m.end()):
                    taken[i] = True
                hits.append((m.start(), m.end(), term))
        hits.sort(key=lambda h: h[0])
        out: list[Span] = []
        pos = 0
        for start, end, term in hits:
            if start > pos:
                out.append(Span(text[pos:start]))
            out.append(Span(term.replacement(target), True, text[start:end]))
            pos = end
        if pos < len(text):
            out.append(Span(text[pos:]))
        return out

    def applicable(self, text: str, source: str, target: str) -> dict[str, str]:
        """``{term as written in text: replacement}`` for the terms that occur in ``text``."""
        return {s.source_text: s.text for s in self.spans(text, source, target) if s.protected}

    def key(self, text: str, source: str, target: str) -> str:
        """A short hash of the terms that affect this text's translation ("" when none): part of the
        cache key, so editing a term re-translates only the texts that contain it."""
        applicable = self.applicable(text, source, target)
        if not applicable:
            return ""
        return hashlib.sha256(orjson.dumps(applicable, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def to_markup(spans: Sequence[Span]) -> str:
    """HTML for a provider in HTML mode: plain text escaped, protected spans in ``translate="no"``."""
    return "".join(
        f'<span translate="no">{html.escape(s.text, quote=False)}</span>'
        if s.protected
        else html.escape(s.text, quote=False)
        for s in spans
    )


def from_markup(text: str) -> str:
    """Undo :func:`to_markup` on a provider's answer: unwrap the spans, unescape the entities."""
    return html.unescape(_SPAN.sub(lambda m: m.group(1), text))


_KEPT = re.compile(r"⟦(.*?)⟧", re.S)


def honoured(spans: Sequence[Span], translated: str) -> bool:
    """Whether every protected span's text is in the translation (case-insensitive: an engine may
    capitalise a term at the start of a sentence). A term inside a part left untranslated (``⟦ ⟧``) may
    stay as the buyer wrote it."""
    low = translated.casefold()
    kept = " ".join(_KEPT.findall(translated)).casefold()
    return all(
        s.text.casefold() in low or (s.source_text or s.text).casefold() in kept for s in spans if s.protected
    )
