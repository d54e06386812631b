"""``crossdesk evaluate classify|language``: measure classification and language detection on their
labelled sets (docs/matching.md and docs/translation.md give the figures)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from crossdesk.cli.common import UserError


def register(cli: click.Group) -> None:
    cli.add_command(evaluate)


@click.group()
def evaluate() -> None:
    """Measure classification and language detection on labelled sets."""


@evaluate.command("classify")
@click.option(
    "--set",
    "which",
    type=click.Choice(["dev", "heldout", "noisy", "both"]),
    default="both",
    show_default=True,
    help="dev: the demo phrase bank; heldout: never tuned on; noisy: the bank as the demo sends it; "
    "both: dev and heldout.",
)
@click.option("--file", "path", type=click.Path(path_type=Path), default=None, help="The held-out JSONL file.")
@click.option("--misses", is_flag=True, help="List the messages whose intent was not found.")
@click.option("--strays", is_flag=True, help="List the messages firing an unrelated intent.")
def evaluate_classify(which: str, path: Path | None, misses: bool, strays: bool) -> None:
    """Recall per language and precision of the shipped lexicons."""
    from crossdesk.classify.evaluate import HELDOUT, format_report, heldout_set
    from crossdesk.classify.evaluate import evaluate as run
    from crossdesk.demo.evaluation import dev_set, noisy_set

    try:
        sets = []
        if which in ("dev", "both"):
            sets.append(("dev", dev_set()))
        if which in ("heldout", "both"):
            sets.append(("heldout", heldout_set(path or HELDOUT)))
        if which == "noisy":
            sets.append(("noisy", noisy_set()))
    except (OSError, ValueError) as exc:
        raise UserError(str(exc)) from None
    for name, examples in sets:
        rep = run(examples)
        click.echo(format_report(rep, name))
        for flag, rows, what in ((misses, rep.misses, "miss"), (strays, rep.strays, "stray")):
            if flag:
                for ex, got in rows:
                    click.echo(f"  {what} {ex.lang} {ex.intent:18} {list(got)!s:40} {ex.text}")


@evaluate.command("language")
@click.option("--set", "name", type=click.Choice(["heldout", "fresh"]), default="heldout", show_default=True)
@click.option("--errors", is_flag=True, help="List the messages detected wrongly.")
def evaluate_language(name: str, errors: bool) -> None:
    """Accuracy per language of detection (through the hook: whatever plugins are installed)."""
    from crossdesk.language import detect
    from crossdesk.language.evaluate import evaluate as run
    from crossdesk.language.evaluate import heldout
    from crossdesk.plugin_manager import plugins_manager

    pm = plugins_manager()
    rows = heldout(name)
    # lingua loads each language's models on first use: a first pass pays that once, the second is timed.
    start = time.perf_counter()
    run(lambda text: detect(text, pm=pm), rows)
    first = time.perf_counter() - start
    report = run(lambda text: detect(text, pm=pm), rows)
    for lang, (right, total) in report.per_language.items():
        click.echo(f"{lang}  {right:3d}/{total:<3d}  {right / total:6.1%}")
    right, total = report.total
    click.echo(f"all {right:4d}/{total:<3d}  {report.accuracy:6.1%}")
    click.echo(
        f"speed: {report.seconds / total * 1000:.2f} ms per message warm; first pass {first:.1f} s (model loading)"
    )
    if errors:
        for expected, got, text in report.misses:
            click.echo(f"  {expected} -> {got}: {text}")
