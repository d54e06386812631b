"""Buyer messages the way buyers write them, from the phrase banks in ``banks/<lang>.json``.

Each bank holds, per intent, sentences written by hand in that language, plus greetings, sign-offs,
chasers, acknowledgements and the seller's replies. :class:`PhraseBank` turns them into a pool of variants
per (language, intent): a greeting or none, a sign-off or none, and the habits of real buyers (all lower
case, accents dropped, a swapped or missing letter, emoji, doubled punctuation, a few English words in a
non-English message). Pools are built once per build, seeded, so a message costs one pick and one
``str.format`` and the same seed gives the same desk.

The banks double as a labelled corpus for classification tests: :func:`corpus` yields
``(language, intent, text)`` for every hand-written sentence.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from importlib import resources

import orjson

from crossdesk.demo.world import INTENTS, LANGUAGES

#: Languages written in a script with word spaces and letter case (typos and lower-casing apply).
_LATIN = frozenset({"en", "de", "fr", "es", "it", "pt", "nl", "pl", "tr"})

_EMOJI = {
    "complaint": ("😡", "🤬", "!!!", "😤"),
    "praise": ("😊", "🙏", "👍", "❤️", "🙂"),
    "default": ("🙏", "😕", "🙁", "??", "!!", "😩"),
}

#: Words buyers everywhere borrow from English.
_ENGLISH_BITS = ("pls", "asap", "thanks", "ok?", "please help", "tracking", "refund pls", "sorry my english")


@cache
def bank(language: str) -> dict:
    """The phrase bank of one language, as stored in ``banks/<language>.json``."""
    if language not in LANGUAGES:
        raise ValueError(f"no phrase bank for language {language!r}")
    data = resources.files("crossdesk.demo.banks").joinpath(f"{language}.json").read_bytes()
    return orjson.loads(data)


def corpus() -> Iterator[tuple[str, str, str]]:
    """Every hand-written buyer sentence as ``(language, intent, template)``; templates keep their
    ``{order}``, ``{item}``, ``{days}``, ``{size}`` placeholders."""
    for language in LANGUAGES:
        for intent, sentences in bank(language)["intents"].items():
            for sentence in sentences:
                yield language, intent, sentence


def strip_accents(text: str) -> str:
    """``"Größe fällt"`` -> ``"Grosse fallt"``: what a phone keyboard without the right layout gives."""
    text = text.replace("ß", "ss").replace("ł", "l").replace("Ł", "L").replace("ı", "i")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    if rng.random() < 0.5:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]  # swapped letters
    else:
        w = w[:j] + w[j + 1 :]  # a letter missing
    words[i] = w
    return " ".join(words)


class PhraseBank:
    """Seeded pools of message templates per (language, intent)."""

    def __init__(self, seed: int | str, variants: int = 48) -> None:
        self.variants = variants
        rng = random.Random(f"phrases:{seed}")
        #: (language, intent) -> [(text, subject)]: the subject is the buyer's sentence without greeting.
        self.buyer: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.followup: dict[str, list[str]] = {}
        self.ack: dict[str, list[str]] = {}
        self.reply: dict[tuple[str, str], str] = {}
        for language in LANGUAGES:
            data = bank(language)
            for intent, _ in INTENTS:
                pool = []
                for _ in range(variants):
                    text, has_greeting = self._vary(language, intent, data, data["intents"][intent], rng)
                    lines = text.split("\n")
                    pool.append((text, lines[1] if has_greeting and len(lines) > 1 else lines[0]))
                self.buyer[language, intent] = pool
                self.reply[language, intent] = data["replies"][intent]
            self.followup[language] = [
                self._vary(language, "followup", data, data["followups"], rng, frame=False)[0]
                for _ in range(variants // 2)
            ]
            self.ack[language] = list(data["acknowledgements"])

    def _vary(
        self,
        language: str,
        intent: str,
        data: dict,
        sentences: list[str],
        rng: random.Random,
        *,
        frame: bool = True,
    ) -> tuple[str, bool]:
        """One variant, and whether a greeting line was put in front of it."""
        text = rng.choice(sentences)
        first_word = text.split(" ", 1)[0].strip(",.!:;").lower()
        has_greeting = any(first_word == g.split(" ", 1)[0].strip(",.!:;").lower() for g in data["greetings"])
        greeted = frame and not has_greeting and rng.random() < 0.45
        if greeted:
            # On its own line, as in most messages; the ticket subject comes from the sentence instead.
            greeting = rng.choice(data["greetings"])
            if language in _LATIN and greeting[-1] not in ",:!":
                greeting += ","
            text = greeting + "\n" + text
        if frame and rng.random() < 0.4:
            text = text + "\n" + rng.choice(data["signoffs"])
        latin = language in _LATIN
        if latin and rng.random() < 0.12:
            text = text.lower()
        if latin and language != "en" and rng.random() < 0.1:
            text = strip_accents(text)
        if latin and rng.random() < 0.22:
            text = _typo(text, rng)
        if rng.random() < 0.12:
            text = text.rstrip() + " " + rng.choice(_EMOJI.get(intent, _EMOJI["default"]))
        if language != "en" and rng.random() < 0.05:
            text = text.rstrip() + " " + rng.choice(_ENGLISH_BITS)
        if intent == "complaint" and latin and rng.random() < 0.15:
            # Shouting, but the placeholders must survive for str.format.
            text = re.sub(r"\{([A-Z]+)\}", lambda m: "{" + m.group(1).lower() + "}", text.upper())
        return text, greeted
