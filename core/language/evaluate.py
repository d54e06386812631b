"""Per-language accuracy of language detection on the held-out set of short buyer messages.

    crossdesk evaluate language            # through the hook (whatever plugins are installed)
    crossdesk evaluate language --errors   # also list the misses

The set (``data/heldout.tsv``) holds short messages per language, written for this purpose and never
used to build the phrasebook or tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

from crossdesk.models import LanguageGuess


@dataclass
class Report:
    per_language: dict[str, tuple[int, int]] = field(default_factory=dict)  # lang -> (right, total)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (expected, got, text)
    seconds: float = 0.0

    @property
    def total(self) -> tuple[int, int]:
        return sum(r for r, _ in self.per_language.values()), sum(t for _, t in self.per_language.values())

    @property
    def accuracy(self) -> float:
        right, total = self.total
        return right / total if total else 0.0


def heldout(name: str = "heldout") -> list[tuple[str, str]]:
    """(language, text) pairs of a held-out set: ``heldout`` (455 messages) or ``fresh`` (65, written
    after the detection choices were made, measured once)."""
    text = (resources.files("crossdesk.language") / "data" / f"{name}.tsv").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, _, message = line.partition("\t")
        rows.append((lang.strip(), message.strip()))
    return rows


def evaluate(detect: Callable[[str], LanguageGuess], rows: list[tuple[str, str]] | None = None) -> Report:
    rows = heldout() if rows is None else rows
    report = Report()
    counts: dict[str, list[int]] = {}
    start = time.perf_counter()
    for lang, text in rows:
        got = detect(text).language
        c = counts.setdefault(lang, [0, 0])
        c[1] += 1
        if got == lang:
            c[0] += 1
        else:
            report.misses.append((lang, got, text))
    report.seconds = time.perf_counter() - start
    report.per_language = {k: (v[0], v[1]) for k, v in counts.items()}
    return report
