"""The pseudo-translation the translator fakes answer with.

A fake cannot translate, but a contract test must see that text went through the provider and that
protected spans came back untouched. So every word outside a protected span becomes ``word~xx`` (``xx`` the
target language), and everything else (spaces, punctuation, markup, HTML entities, protected spans) is
returned byte for byte. Tests compute the expected answer with the same function.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"&#?\w+;|\w+", re.UNICODE)
# An element that must not be translated: ``<span translate="no">...</span>`` (HTML, all three providers),
# or any element whose tag the caller lists as ignored (DeepL's ``ignore_tags``).
_NO_TRANSLATE = re.compile(r"""<(?P<tag>\w+)\b[^>]*\btranslate=["']no["'][^>]*>.*?</(?P=tag)>""", re.S)
_TAG = re.compile(r"<[^>]+>")


def _words(text: str, target: str) -> str:
    return _WORD.sub(lambda m: m.group(0) if m.group(0).startswith("&") else f"{m.group(0)}~{target}", text)


def pseudo_translate(
    text: str,
    target: str,
    *,
    html: bool = False,
    ignore_tags: tuple[str, ...] = (),
    fixed: dict[str, str] | None = None,
) -> str:
    """Translate ``text`` the fake way. ``html`` keeps tags and ``translate="no"`` elements verbatim;
    ``fixed`` maps source terms to target terms the way a glossary would (whole words, case-sensitive)."""
    target = target.lower()
    protected: list[str] = []

    def keep(s: str) -> str:
        protected.append(s)
        return f"\x00{len(protected) - 1}\x00"

    if fixed:
        for term in sorted(fixed, key=len, reverse=True):
            text = re.sub(rf"(?<!\w){re.escape(term)}(?!\w)", lambda _m, t=term: keep(fixed[t]), text)
    if html:
        text = _NO_TRANSLATE.sub(lambda m: keep(m.group(0)), text)
        for tag in ignore_tags:
            text = re.sub(rf"<{tag}\b[^>]*>.*?</{tag}>", lambda m: keep(m.group(0)), text, flags=re.S)
        text = _TAG.sub(lambda m: keep(m.group(0)), text)
    parts = re.split(r"(\x00\d+\x00)", text)
    out = []
    for part in parts:
        if part.startswith("\x00") and part.endswith("\x00") and len(part) > 2:
            out.append(protected[int(part[1:-1])])
        else:
            out.append(_words(part, target))
    result = "".join(out)
    # a glossary term inside a protected element was masked twice: unmask what is left
    while "\x00" in result:
        result = re.sub(r"\x00(\d+)\x00", lambda m: protected[int(m.group(1))], result)
    return result
