"""What a draft may not say: the checks run on every draft (and its back-translation) before the agent sees
it. A model can be fooled by what a buyer writes; these checks cannot, because they compare the draft with
the ticket's facts, not with the model's good intentions.

- every amount, date, order or tracking number, link and e-mail address in the draft must be in the facts
  (amounts and dates by their digits: ``499,00 EUR`` is ``499.00 EUR``; ``31.12.2026`` is ``2026-12-31``);
- a refund may be spoken of only when the facts hold one made, decided or due;
- text copied from the instructions (the system prompt) is removed, and said so.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from crossdesk.assist.facts import refund_in_facts
from crossdesk.translation.tokens import find_tokens

# Refund in the 13 languages (stems): erstatt, rembours, reembols, rimbors, 返金, 退款, 환불, terugbet...
REFUND = re.compile(
    r"refund|money back|erstatt|geld zurück|rembours|reembols|rimbors|返金|返款|退款|退钱|환불|terugbeta|"
    r"geld terug|zwrot|iade|استرداد|devolu[cç][aã]o do dinheiro",
    re.I,
)
_SENT = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")
SHINGLE = 6  # words in a row that count as copied from the instructions


def _dates(text: str) -> set[tuple[int, int, int]]:
    out: set[tuple[int, int, int]] = set()
    for y, m, d in re.findall(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        out.add((int(y), int(m), int(d)))
    for a, b, y in re.findall(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", text):
        out.add((int(y), int(b), int(a)))  # day first (most of the world)
        out.add((int(y), int(a), int(b)))  # month first (US)
    return out


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def leaked(text: str, instructions: str) -> list[str]:
    """The sentences of ``text`` that copy ``SHINGLE`` words in a row from ``instructions``."""
    words = _words(instructions)
    shingles = {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    out = []
    for m in _SENT.finditer(text):
        w = _words(m.group(0))
        if any(tuple(w[i : i + SHINGLE]) in shingles for i in range(len(w) - SHINGLE + 1)):
            out.append(m.group(0))
    return out


def strip_leaks(text: str, instructions: str) -> tuple[str, bool]:
    found = leaked(text, instructions)
    for sentence in found:
        text = text.replace(sentence, "")
    return re.sub(r"[ \t]{2,}", " ", text).strip(), bool(found)


def check(text: str, facts: dict[str, Any]) -> list[str]:
    """Why ``text`` states something the facts do not hold, one line per claim ([] when nothing)."""
    flat = orjson.dumps(facts).decode()
    low = flat.casefold()
    digits_in_facts = {re.sub(r"\D", "", m) for m in re.findall(r"\d[\d.,]*\d|\d", flat)}
    fact_dates = _dates(flat)
    flags: list[str] = []
    for token in find_tokens(text):
        if token.kind == "amount":
            if token.digits not in digits_in_facts:
                flags.append(f"amount {token.text!r} is not in the ticket's facts")
        elif token.kind == "date":
            if not (_dates(token.text) & fact_dates):
                flags.append(f"date {token.text!r} is not in the ticket's facts")
        elif token.kind == "placeholder":
            continue
        elif token.text.casefold() not in low:
            what = {"ref": "number", "url": "link", "email": "e-mail address"}.get(token.kind, token.kind)
            flags.append(f"{what} {token.text!r} is not in the ticket's facts")
    if REFUND.search(text) and not refund_in_facts(facts):
        flags.append("speaks of a refund, but no refund was made or decided on this ticket")
    return list(dict.fromkeys(flags))
