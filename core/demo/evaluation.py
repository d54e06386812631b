"""The demo's phrase bank as labelled sets for measuring the classifier (``crossdesk evaluate classify``).

The bank is what the lexicons were tuned on, so these sets measure coverage and robustness to noise, not
generalisation; the held-out set of :mod:`crossdesk.classify.evaluate` does that.
"""

from __future__ import annotations

from crossdesk.classify.evaluate import SLOTS, THREATS, Example
from crossdesk.demo.phrases import PhraseBank, corpus


def dev_set() -> list[Example]:
    """The demo phrase bank with its slots filled. Its ``complaint`` sentences include threats, so a
    threat counts as finding them."""
    return [
        Example(lang, intent, text.format(**SLOTS), tuple(sorted(THREATS)) if intent == "complaint" else ())
        for lang, intent, text in corpus()
    ]


def noisy_set(seed: int = 0, variants: int = 12) -> list[Example]:
    """The phrase bank as the demo sends it: greetings, sign-offs, typos, dropped accents, emoji and a few
    English words. Built from the dev sentences, so it measures robustness to noise, not generalisation."""
    pb = PhraseBank(seed, variants=variants)
    also = tuple(sorted(THREATS))
    return [
        Example(lang, intent, text.format(**SLOTS), also if intent == "complaint" else ())
        for (lang, intent), pool in pb.buyer.items()
        for text, _ in pool
    ]
