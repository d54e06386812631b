"""What a worker runs: pure functions of a partition's data. No database, no desk: the worker needs only
crossdesk installed (its lexicons, its language detector and the plugins it would load itself)."""

from __future__ import annotations

import functools
from typing import Any

import orjson

from crossdesk.classify import Classifier, classifier
from crossdesk.language import detect_many
from crossdesk.plugin_manager import plugins_manager


@functools.cache
def _pm() -> Any:
    return plugins_manager()


@functools.cache
def _classifier() -> Classifier:
    return classifier(_pm())


def messages(
    rows: list[tuple[int, str, str]], detect: bool, classify: bool
) -> list[tuple[int, str, str | None, float | None, int | None]]:
    """Per buyer message ``(id, body, language)``: ``(id, language, intents JSON, sentiment, flags)``.
    With ``detect`` the language is detected again (kept when undetermined); without ``classify`` the
    last three are None."""
    ids = [r[0] for r in rows]
    bodies = [r[1] for r in rows]
    languages = [r[2] for r in rows]
    if detect:
        guesses = detect_many(bodies, pm=_pm())
        languages = [
            old if g.language == "und" else g.language for old, g in zip(languages, guesses, strict=True)
        ]
    if not classify:
        return [(i, lang, None, None, None) for i, lang in zip(ids, languages, strict=True)]
    found = _classifier().classify_texts(bodies, [lang or None for lang in languages])
    return [
        (i, lang, orjson.dumps(list(r.intents)).decode(), r.sentiment, r.flags)
        for i, lang, r in zip(ids, languages, found, strict=True)
    ]


def warm() -> None:
    """Load the language models and build the matcher now (seconds, once per worker process), so the
    first partition does not pay for them."""
    messages([(0, "Where is my order? Wo ist meine Bestellung?", "")], True, True)
