"""Per-language accuracy of language detection on the held-out set of short buyer messages.

    python -m crossdesk.language.evaluate            # through the hook (whatever plugins are installed)
    python -m crossdesk.language.evaluate --errors   # also list the misses

The set (``data/heldout.tsv``) holds short messages per language, written for this purpose and never
used to build the phrasebook or tests.
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the messages detected wrongly")
    parser.add_argument(
        "--set", dest="name", default="heldout", choices=["heldout", "fresh"], help="which set"
    )
    args = parser.parse_args(argv)
    from crossdesk.language import detect

    # lingua loads each language's models on first use: a first pass pays that once, the second is timed.
    rows = heldout(args.name)
    start = time.perf_counter()
    evaluate(detect, rows)
    first = time.perf_counter() - start
    report = evaluate(detect, rows)
    for lang, (right, total) in report.per_language.items():
        print(f"{lang}  {right:3d}/{total:<3d}  {right / total:6.1%}")
    right, total = report.total
    print(f"all {right:4d}/{total:<3d}  {report.accuracy:6.1%}")
    print(
        f"speed: {report.seconds / total * 1000:.2f} ms per message warm; first pass {first:.1f} s (model loading)"
    )
    if args.errors:
        for expected, got, text in report.misses:
            print(f"  {expected} -> {got}: {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
