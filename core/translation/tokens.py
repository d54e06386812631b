"""The parts of a text no translation and no draft may change: links, e-mail addresses, template
placeholders, amounts, dates, and order or tracking numbers (**public**: the ``llm`` translator checks them,
and the drafts check a model's claims against the ticket's facts with them).

A token is found in the source and must be found again in the output: verbatim for links, addresses,
placeholders and references; by its digits for amounts and dates, which a language writes its own way
(``12.50 €`` is ``12,50 €`` in German).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_URL = r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"
_EMAIL = r"[\w.+-]+@[\w-]+\.[\w.-]*\w"
_PLACEHOLDER = r"\{\{[^{}]*\}\}"
_CUR = r"(?:€|\$|£|¥|₩|₺|zł|EUR|USD|GBP|JPY|CNY|KRW|TRY|PLN|AUD|CAD|SGD|MYR|BRL|MXN|SAR|AED)"
_NUM = r"\d{1,3}(?:[.,\s ]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT = rf"{_CUR}\s?(?:{_NUM})|(?:{_NUM})\s?{_CUR}"
_DATE = r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}"
# Order numbers, tracking numbers, SKUs: a run of letters, digits and - / # with at least 4 digits, or
# with at least one digit and one letter and 6+ characters.
_REF = r"#?[A-Za-z0-9][A-Za-z0-9\-/#]*[A-Za-z0-9]"
_TOKENS = re.compile(
    rf"(?P<url>{_URL})|(?P<email>{_EMAIL})|(?P<placeholder>{_PLACEHOLDER})|(?P<amount>{_AMOUNT})"
    rf"|(?P<date>{_DATE})|(?<![\w-])(?P<ref>{_REF})(?![\w-])",
    re.I,
)


@dataclass(frozen=True)
class Token:
    kind: str  # url, email, placeholder, amount, date, ref
    text: str

    @property
    def digits(self) -> str:
        return re.sub(r"\D", "", self.text)


def _is_ref(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    return digits >= 4 or (digits >= 1 and letters >= 1 and len(text) >= 6)


def find_tokens(text: str) -> list[Token]:
    """The protected tokens of ``text``, in order (a plain number like "3 weeks" is not one)."""
    out = []
    for m in _TOKENS.finditer(text):
        kind = m.lastgroup or ""
        value = m.group(0)
        if kind == "ref" and not _is_ref(value):
            continue
        if kind == "amount" and not any(ch.isdigit() for ch in value):
            continue
        out.append(Token(kind, value))
    return out


def _digit_runs(text: str) -> str:
    """The text with the separators inside numbers removed: ``12,50`` and ``12.50`` both ``1250``."""
    return re.sub(r"(?<=\d)[.,\s  '/-](?=\d)", "", text)


def missing_tokens(source: str, output: str) -> list[Token]:
    """The tokens of ``source`` that ``output`` lost or changed."""
    lost = []
    flat = _digit_runs(output)
    low = output.casefold()
    for token in find_tokens(source):
        if token.kind in ("amount", "date"):
            if token.digits not in re.sub(r"\D", " ", flat).split():
                lost.append(token)
        elif token.text.casefold() not in low:
            lost.append(token)
    return lost


def strip_tokens(text: str) -> str:
    """``text`` without its tokens (what a language detector should judge)."""
    for token in sorted(find_tokens(text), key=lambda t: len(t.text), reverse=True):
        text = text.replace(token.text, " ")
    return text
