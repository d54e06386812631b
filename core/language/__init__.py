"""Language detection for every message, through the ``crossdesk_detect_language`` hook.

    from crossdesk.language import detect
    detect("Wo ist meine Bestellung?", pm=desk.pm)   # LanguageGuess('de', 0.94, detector='lingua')

The desk's own detector (``crossdesk.builtins.language``, a core plugin that is always registered) uses
lingua; a plugin that answers first replaces it (the hook is firstresult, and the core detector is asked
last). When no plugin can tell (empty text, only digits or links),
:func:`detect` answers ``und`` (undetermined) with confidence 0.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from crossdesk.models import LanguageGuess

UNDETERMINED = LanguageGuess(language="und", confidence=0.0, detector="")

__all__ = ["UNDETERMINED", "LanguageGuess", "detect", "detect_many", "phrasebook_dir"]


def phrasebook_dir() -> Traversable:
    """The folder of the offline phrasebook, ``<lang>.json`` per language.

    It lives here, below both of its readers: the core language detector (short messages) and the offline
    translator (a default plugin)."""
    return resources.files(__name__) / "phrasebook"


def detect(text: str, *, pm: Any) -> LanguageGuess:
    """The language of ``text`` as an ISO 639-1 code and a confidence in [0, 1], from the first plugin
    of ``pm`` (a plugin manager) that answers ``crossdesk_detect_language``."""
    if not text or not text.strip():
        return UNDETERMINED
    answer = pm.hook.crossdesk_detect_language(text=text)
    if answer is None:
        return UNDETERMINED
    if not isinstance(answer, LanguageGuess):
        raise TypeError(
            f"a crossdesk_detect_language plugin returned {type(answer).__name__}, not LanguageGuess"
        )
    return answer


def detect_many(texts: list[str], *, pm: Any) -> list[LanguageGuess]:
    """:func:`detect` for each text (bulk intake and the batch translator use this). When the only
    detector is one that offers a batch form (a module-level ``detect_batch(texts)``, as the core lingua
    detector does), the batch goes to it in one call, with the same answers."""
    impls = pm.hook.crossdesk_detect_language.get_hookimpls()
    batch = getattr(impls[0].plugin, "detect_batch", None) if len(impls) == 1 else None
    if batch is None:
        return [detect(t, pm=pm) for t in texts]
    live = [i for i, t in enumerate(texts) if t and t.strip()]
    out = [UNDETERMINED] * len(texts)
    for i, answer in zip(live, batch([texts[i] for i in live]), strict=True):
        out[i] = UNDETERMINED if answer is None else answer
    return out
