"""The offline translator: a phrasebook of common after-sales sentences and terms in 13 languages.

It needs no service and never invents text. Each sentence (or, failing that, each clause) that matches a
phrasebook entry is replaced by the same entry in the target language; order numbers, tracking numbers and
glossary terms inside a sentence are carried over as they are. Anything it does not know stays in the
original language, wrapped in ``⟦ ⟧``, followed by the known terms it contains as a hint, e.g.::

    Hallo, wo ist meine Bestellung? Ich warte seit drei Wochen.
    -> Hello, where is my order? ⟦Ich warte seit drei Wochen.⟧

:func:`translate_detailed` also says what fraction of the text was translated. The phrasebook lives in
``crossdesk/language/phrasebook/<lang>.json`` (shared with the core language detector, see
:func:`crossdesk.language.phrasebook_dir`): ``{"phrases": {concept: [canonical, variant, ...]},
"terms": {...}}``, where the first form is what the translator writes and every form is what it recognises; ``{ref}`` stands for an
order number, tracking number or product term.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from crossdesk import hookimpl
from crossdesk.language import phrasebook_dir
from crossdesk.translation.errors import UnsupportedLanguage
from crossdesk.translation.glossary import Span

LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "zh", "pt", "ko", "nl", "pl", "tr", "ar")
NO_SPACE_LANGS = frozenset({"ja", "zh"})
# Scripts whose marks are part of the letter (kana voicing, Hangul): keys keep them.
ACCENTED_KEYS = frozenset({"ja", "zh", "ko"})
OPEN, CLOSE = "⟦", "⟧"
SLOT = "\ue000"  # stands for a {ref} while matching; a private-use character no buyer types

# Order numbers, tracking numbers, SKUs: ASCII tokens with at least one digit.
_REF = re.compile(
    r"(?<![0-9A-Za-z])#?(?=[0-9A-Za-z\-_/.]*\d)[0-9A-Za-z][0-9A-Za-z\-_/]*(?:\.\d+)*(?![0-9A-Za-z])"
)
_LINES = re.compile(r"(\n+)")
_SENTENCE = re.compile(r"[^.!?。！？]+(?:[.!?。！？]+|$)|[.!?。！？]+")
_CLAUSE = re.compile(r"([,;:，、；،]\s*)")
_END = re.compile(r"[\s.!?。！？؟¿¡,;:，、；：،]+$")

# Sentence and clause punctuation as each target writes it.
_FULL_WIDTH = {".": "。", "?": "？", "!": "！", ",": "，", ";": "；", ":": "："}
_HALF_WIDTH = {
    "。": ".",
    "？": "?",
    "！": "!",
    "，": ",",
    "、": ",",
    "；": ";",
    "：": ":",
    "؟": "?",
    "،": ",",
}


def _punct_for(target: str, mark: str) -> str:
    mark = mark.strip()
    if not mark:
        return ""
    half = "".join(_HALF_WIDTH.get(c, c) for c in mark)
    if target in NO_SPACE_LANGS:
        wide = "".join(_FULL_WIDTH.get(c, c) for c in half)
        return wide.replace("，", "、") if target == "ja" else wide  # Japanese writes its comma as 、
    if target == "ar":
        return half.replace("?", "؟").replace(",", "،")
    return half


@dataclass(frozen=True)
class Phrasebook:
    """The phrasebook of all languages, indexed for lookup."""

    forms: dict[str, dict[str, list[str]]]  # lang -> concept -> forms (first is canonical)
    index: dict[str, dict[str, str]]  # lang -> normalised form -> concept
    terms: dict[str, dict[str, list[str]]]  # lang -> term concept -> forms
    term_patterns: dict[str, list[tuple[re.Pattern[str], str]]] = field(default_factory=dict)

    def sentences(self, lang: str) -> dict[str, str]:
        """``{concept: canonical sentence}`` in ``lang`` (demo data and tests draw on it)."""
        return {c: forms[0] for c, forms in self.forms.get(lang, {}).items()}


def normalise(text: str, lang: str) -> str:
    """The lookup key of a sentence or clause: NFKC, case-folded, punctuation and symbols dropped,
    spaces collapsed (and dropped entirely for Japanese and Chinese)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = []
    for ch in text:
        if ch == SLOT:
            kept.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat[0] in "PS" or cat[0] == "Z" or ch in "\t\n\r":
            kept.append(" ")
        else:
            kept.append(ch)
    out = " ".join("".join(kept).split())
    if lang not in ACCENTED_KEYS:
        # Buyers on a keyboard without the right layout drop accents: match "reçu" and "recu" alike.
        out = "".join(ch for ch in unicodedata.normalize("NFD", out) if unicodedata.category(ch) != "Mn")
        out = unicodedata.normalize("NFC", out)
    if lang in NO_SPACE_LANGS:
        out = out.replace(" ", "")
    return out


#: Bumped when the matching rules change; the phrasebook's own contents are hashed into ``version`` too.
RULES_VERSION = "2"


@functools.cache
def phrasebook_version() -> str:
    """A short hash of the rules and every phrasebook file: the cache keeps results per version."""
    base = phrasebook_dir()
    digest = hashlib.sha256(RULES_VERSION.encode())
    for lang in LANGUAGES:
        digest.update((base / f"{lang}.json").read_bytes())
    return digest.hexdigest()[:10]


@functools.cache
def load_phrasebook() -> Phrasebook:
    """Read ``phrasebook/*.json`` once."""
    base = phrasebook_dir()
    forms: dict[str, dict[str, list[str]]] = {}
    terms: dict[str, dict[str, list[str]]] = {}
    index: dict[str, dict[str, str]] = {}
    patterns: dict[str, list[tuple[re.Pattern[str], str]]] = {}
    for lang in LANGUAGES:
        data = json.loads((base / f"{lang}.json").read_text(encoding="utf-8"))
        forms[lang] = data["phrases"]
        terms[lang] = data.get("terms", {})
        idx: dict[str, str] = {}
        for concept, variants in forms[lang].items():
            for form in variants:
                idx.setdefault(normalise(form.replace("{ref}", SLOT), lang), concept)
        index[lang] = idx
        pats = []
        for concept, variants in terms[lang].items():
            for form in sorted(variants, key=len, reverse=True):
                if lang in NO_SPACE_LANGS or lang == "ko":
                    pats.append((re.compile(re.escape(form), re.I), concept))
                else:
                    pats.append((re.compile(rf"(?<!\w){re.escape(form)}(?!\w)", re.I), concept))
        patterns[lang] = pats
    return Phrasebook(forms=forms, index=index, terms=terms, term_patterns=patterns)


@dataclass
class OfflineResult:
    """One translated text: ``text`` with unknown parts in ``⟦ ⟧``, and how much was translated."""

    text: str
    coverage: float  # share of the source characters (outside protected spans) that were translated
    untranslated: list[str]


class _Slots:
    """Replaces references and protected spans by SLOT while matching, and gives them back in order."""

    def __init__(self, spans: Sequence[Span]) -> None:
        self.values: list[str] = []  # what goes into a translated sentence (a glossary term's translation)
        self.originals: list[str] = []  # what goes back into a sentence kept as written
        parts = []
        for span in spans:
            if span.protected:
                self.values.append(span.text)
                self.originals.append(span.source_text or span.text)
                parts.append(SLOT)
            else:
                parts.append(_REF.sub(self._take, span.text))
        self.text = "".join(parts)

    def _take(self, m: re.Match[str]) -> str:
        self.values.append(m.group(0))
        self.originals.append(m.group(0))
        return SLOT

    def restore(self, text: str, start: int, *, original: bool = False) -> tuple[str, int]:
        """Fill the SLOTs of ``text`` from ``start`` on (with the source text when ``original``: for the
        parts kept as written); returns (text, next start)."""
        values = self.originals if original else self.values
        out = []
        for ch in text:
            if ch == SLOT and start < len(values):
                out.append(values[start])
                start += 1
            else:
                out.append(ch)
        return "".join(out), start


class OfflineTranslator:
    """Phrasebook translation between the 13 demo languages; no network, no invention."""

    name = "offline"
    languages = frozenset(LANGUAGES)
    max_texts = 10_000
    max_chars = 10_000_000

    def configure(self, settings: dict) -> None:
        self.hints = bool(settings.get("hints", True))

    @property
    def version(self) -> str:
        return phrasebook_version() + ("" if self.hints else "-nohints")

    def __init__(self) -> None:
        self.hints = True

    def missing(self) -> str:
        return ""

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        return [r.text for r in self.translate_detailed([[Span(t)] for t in texts], source, target)]

    def translate_spans(self, items: Sequence[Sequence[Span]], source: str | None, target: str) -> list[str]:
        return [r.text for r in self.translate_detailed(items, source, target)]

    def translate_detailed(
        self, items: Sequence[Sequence[Span]], source: str | None, target: str
    ) -> list[OfflineResult]:
        if not source:
            raise UnsupportedLanguage("offline: the source language must be known", provider=self.name)
        if source not in self.languages or target not in self.languages:
            raise UnsupportedLanguage(f"offline: no phrasebook for {source}->{target}", provider=self.name)
        book = load_phrasebook()
        return [self._one(list(spans), source, target, book) for spans in items]

    # ---- one text ----------------------------------------------------------------------------------

    def _one(self, spans: list[Span], source: str, target: str, book: Phrasebook) -> OfflineResult:
        strict = self._one_strict(spans, source, target, book)
        relaxed = self._with_terms_in_sentences(spans, source, target, book)
        if relaxed is not None and relaxed.coverage > strict.coverage:
            return relaxed
        return strict

    def _with_terms_in_sentences(
        self, spans: list[Span], source: str, target: str, book: Phrasebook
    ) -> OfflineResult | None:
        """A glossary term that is also a phrasebook word ("order" -> "Auftrag") would hide the sentence
        around it from the phrasebook ("Where is my {term}?" is no phrase). So translate with such terms
        as plain words, then put the glossary's text where the phrasebook wrote its own word for the term.
        None when there is no such term, or the translation does not contain the word to replace."""
        swaps: list[tuple[list[str], str]] = []
        plain: list[Span] = []
        for s in spans:
            concept = None
            if s.protected and s.source_text and s.text != s.source_text:
                concept = next(
                    (c for pattern, c in book.term_patterns.get(source, []) if pattern.fullmatch(s.source_text)),
                    None,
                )
            if concept is None or not book.terms.get(target, {}).get(concept):
                plain.append(s)
                continue
            swaps.append((sorted(book.terms[target][concept], key=len, reverse=True), s.text))
            plain.append(Span(s.source_text))
        if not swaps:
            return None
        result = self._one_strict(plain, source, target, book)
        text = result.text
        for forms, replacement in swaps:
            for form in forms:
                m = re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text, re.I)
                if m:
                    text = text[: m.start()] + replacement + text[m.end() :]
                    break
            else:
                return None
        return OfflineResult(text, result.coverage, result.untranslated)

    def _one_strict(self, spans: list[Span], source: str, target: str, book: Phrasebook) -> OfflineResult:
        slots = _Slots(spans)
        text = slots.text
        if source == target:
            restored, _ = slots.restore(text, 0)
            return OfflineResult(restored, 1.0, [])
        untranslated: list[str] = []
        total = sum(1 for ch in text if not ch.isspace()) or 1
        missed = 0
        next_slot = 0
        sep = "" if target in NO_SPACE_LANGS else " "
        lines: list[str] = []
        # Line breaks stay where the buyer put them; sentences within a line are translated one by one.
        for part in _LINES.split(text):
            if not part or part.startswith("\n"):
                lines.append(part)
                continue
            line = ""
            for sentence in _SENTENCE.findall(part):
                if not sentence.strip():
                    continue
                translated, next_slot, lost = self._sentence(sentence, source, target, book, slots, next_slot)
                missed += lost[0]
                untranslated.extend(lost[1])
                if line and translated:
                    # A space between sentences where the buyer left one (or wrote Japanese/Chinese, which
                    # has none), never where the target language writes none.
                    spaced = sentence[:1].isspace() or source in NO_SPACE_LANGS
                    line += sep if spaced else ""
                line += translated
            lines.append(line)
        return OfflineResult("".join(lines), max(0.0, 1.0 - missed / total), untranslated)

    def _lookup(self, chunk: str, source: str, target: str, book: Phrasebook) -> str | None:
        key = normalise(chunk, source)
        if not key:
            return None
        concept = book.index[source].get(key)
        if concept is None:
            return None
        forms = book.forms[target].get(concept)
        if not forms:
            return None
        # The phrase must carry exactly the references the source had, no more, no fewer.
        if forms[0].count("{ref}") != chunk.count(SLOT):
            return None
        return forms[0].replace("{ref}", SLOT)

    def _sentence(
        self, sentence: str, source: str, target: str, book: Phrasebook, slots: _Slots, next_slot: int
    ) -> tuple[str, int, tuple[int, list[str]]]:
        body = sentence.rstrip()
        end_match = _END.search(body)
        end = end_match.group(0) if end_match else ""
        core = body[: len(body) - len(end)] if end else body
        core = core.lstrip("¿¡ ")
        if not any(ch.isalpha() for ch in core):
            kept, next_slot = slots.restore(body.strip(), next_slot)
            return kept, next_slot, (0, [])
        whole = self._lookup(core, source, target, book)
        if whole is not None:
            text, next_slot = slots.restore(whole, next_slot)
            return self._finish(text, end, target), next_slot, (0, [])
        pieces = _CLAUSE.split(core)
        out: list[str] = []
        missed = 0
        lost: list[str] = []
        first = True
        for piece in pieces:
            if not piece:
                continue
            if _CLAUSE.fullmatch(piece):
                out.append(_punct_for(target, piece) + ("" if target in NO_SPACE_LANGS else " "))
                continue
            if not any(ch.isalpha() for ch in piece):
                kept, next_slot = slots.restore(
                    piece.strip(), next_slot
                )  # emoji, numbers: nothing to translate
                out.append(kept + " ")
                continue
            found = self._lookup(piece, source, target, book)
            if found is not None:
                text, next_slot = slots.restore(found, next_slot)
                if not first and target not in ("de",) and text[:1].isupper() and text[1:2].islower():
                    text = text[0].lower() + text[1:]  # mid-sentence clause; German nouns keep their capital
                out.append(text)
            else:
                original, next_slot = slots.restore(piece.strip(), next_slot, original=True)
                missed += sum(1 for ch in piece if not ch.isspace())
                lost.append(original)
                out.append(f"{OPEN}{original}{CLOSE}" + self._hint(piece, source, target, book))
            first = False
        if missed == 0:
            return self._finish("".join(out).rstrip(), end, target), next_slot, (0, [])
        if len(lost) == 1 and len(out) == 1:
            # Nothing in the sentence was known: keep its own punctuation inside the marks.
            original, _ = slots.restore(body.strip(), next_slot - core.count(SLOT), original=True)
            hint = self._hint(core, source, target, book)
            missed = sum(1 for ch in body if not ch.isspace())
            return f"{OPEN}{original}{CLOSE}{hint}", next_slot, (missed, [original])
        return self._finish("".join(out).rstrip(), end, target), next_slot, (missed, lost)

    def _finish(self, text: str, end: str, target: str) -> str:
        mark = _punct_for(target, end.replace("¿", "").replace("¡", ""))
        if target == "es" and mark.startswith("?") and not text.startswith("¿"):
            text = "¿" + text
        if target == "es" and mark.startswith("!") and not text.startswith("¡"):
            text = "¡" + text
        return text + mark

    def _hint(self, chunk: str, source: str, target: str, book: Phrasebook) -> str:
        """`` (refund, order)``: the known terms of an untranslated piece, in the target language."""
        if not self.hints:
            return ""
        found: list[tuple[int, str]] = []
        taken: list[tuple[int, int]] = []
        for pattern, concept in book.term_patterns[source]:
            for m in pattern.finditer(chunk):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                forms = book.terms[target].get(concept)
                if forms:
                    found.append((m.start(), forms[0]))
        seen = list(dict.fromkeys(term for _, term in sorted(found)))  # in the order the buyer wrote them
        if not seen:
            return ""
        sep = "、" if target in NO_SPACE_LANGS else ", "
        return f" ({sep.join(seen)})"


@hookimpl
def crossdesk_translators() -> list[OfflineTranslator]:
    return [OfflineTranslator()]
