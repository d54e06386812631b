"""Data commands: ``import``, ``export`` (JSON Lines) and ``demo``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from crossdesk.cli.common import UserError, db_option, open_tui, with_desk

#: Bad lines listed one by one; past this, only their number is given.
SHOWN_BAD_LINES = 50


def register(cli: click.Group) -> None:
    cli.add_command(import_command)
    cli.add_command(export_command)
    cli.add_command(demo)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--batch",
    type=click.IntRange(1, 100_000),
    default=None,
    help="Records per transaction (10,000 by default): a crash loses at most the two batches read "
    "last.",
)
@click.option(
    "--run-rules",
    is_flag=True,
    help="Run the rules on the imported buyer messages once the file is in (never on solved or closed "
    "tickets). Without it imported messages are history: no rule, no auto-reply, nothing queued.",
)
@with_desk
def import_command(desk: Any, actor: Any, file: Path, batch: int | None, run_rules: bool) -> None:
    """Import shops, customers, orders and messages from a JSON Lines FILE.

    Bad lines are listed with their number and reason and skipped; the rest is imported. Importing the
    same file again adds nothing. Exits with status 1 when any line was bad.
    """
    from crossdesk.io import import_jsonl
    from crossdesk.io.importer import BATCH

    err = Console(stderr=True)
    with _bytes_progress(err, file.stat().st_size) as progress:
        report = import_jsonl(desk, actor, file, progress=progress, batch=batch or BATCH, run_rules=run_rules)
    for number, reason in report.bad[:SHOWN_BAD_LINES]:
        err.print(f"line {number}: {reason}", markup=False, highlight=False)
    if len(report.bad) > SHOWN_BAD_LINES:
        err.print(f"... and {len(report.bad) - SHOWN_BAD_LINES} more bad lines", highlight=False)
    parts = [
        f"{_total(report.added)} added{_by_type(report.added)}",
        f"{_total(report.updated)} updated{_by_type(report.updated)}",
        f"{_total(report.unchanged)} unchanged",
    ]
    click.echo(
        f"{file}: {report.imported} of {report.imported + len(report.bad)} records imported ({', '.join(parts)})"
    )
    if run_rules:
        click.echo(f"rules run on {report.rules_run} imported message events (open tickets only)")
    if report.bad:
        raise UserError(
            f"{len(report.bad)} bad line{'s' if len(report.bad) != 1 else ''} skipped: "
            + ", ".join(str(n) for n, _ in report.bad[:20])
            + (" ..." if len(report.bad) > 20 else "")
        )


@click.command("export")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@click.option(
    "--history",
    is_flag=True,
    help="Add each ticket's reporting history (docs/analytics.md); import ignores it.",
)
@with_desk
def export_command(desk: Any, actor: Any, out: Path | None, history: bool) -> None:
    """Export the desk as JSON Lines (the format 'crossdesk import' reads)."""
    from crossdesk.io import export_jsonl

    if out is None:
        try:
            counts = export_jsonl(desk, actor, sys.stdout.buffer, history=history)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            # The reader stopped early (`crossdesk export | head`): not an error; keep Python from
            # complaining about the closed pipe at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
    else:
        counts = export_jsonl(desk, actor, out, history=history)
    summary = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in counts.items())
    click.echo(f"exported {summary or 'nothing'}" + (f" to {out}" if out else ""), err=True)


@click.command()
@click.option(
    "--size", type=click.IntRange(1, 1_000_000), default=1_000, show_default=True, help="Number of tickets."
)
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same desk.")
@click.option("--headless", is_flag=True, help="Print the summary instead of opening the TUI.")
@click.option(
    "--enrich/--no-enrich",
    default=True,
    show_default=True,
    help="Install starter templates; run classification, SLA clocks and the queue score over the new desk.",
)
@click.option(
    "--sla",
    "sla_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="SLA policies to load (e.g. examples/sla.toml).",
)
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Automation rules to load (e.g. examples/rules.toml).",
)
@db_option
def demo(
    db_path: Path | None,
    size: int,
    seed: int,
    headless: bool,
    enrich: bool,
    sla_file: Path | None,
    rules_file: Path | None,
) -> None:
    """Build a demo desk (an earlier demo at the same path is replaced), then open the TUI on it.

    Without --db it goes to demo.db beside the default desk, never over your real desk.
    """
    from crossdesk.demo import build_demo
    from crossdesk.demo import enrich as enrich_desk

    path = _demo_path(db_path)
    summary = build_demo(path, size=size, seed=seed, progress=True)
    out = Console()
    _print_summary(out, summary)
    if enrich:
        from crossdesk.api import Desk

        desk = Desk.open(path)
        try:
            for step, outcome in enrich_desk(desk, sla=sla_file, rules=rules_file).items():
                out.print(f"{step}: {outcome}", highlight=False)
        finally:
            desk.close()
    if not headless:
        open_tui(path)


def _demo_path(db_path: Path | None) -> Path:
    from crossdesk.store.db import ENV_DB, default_path

    if db_path is not None:
        return db_path
    if os.environ.get(ENV_DB):
        return Path(os.environ[ENV_DB])
    return default_path().with_name("demo.db")


def _print_summary(out: Console, s: Any) -> None:
    out.print(
        f"[bold]demo desk[/bold] {s.path}: {s.tickets:,} tickets, {s.messages:,} messages, {s.orders:,} orders, "
        f"{s.customers:,} buyers ({s.cross_platform_customers:,} on two platforms) in {len(s.by_country)} "
        f"countries, {s.shops} shops, {s.agents} agents in {s.teams} teams; built in {s.seconds:.1f} s (seed {s.seed})",
        soft_wrap=True,
    )
    # Side by side when the terminal is wide enough, one under the other otherwise.
    tables = [
        _table("platform", s.by_platform, s.tickets),
        _table("language", s.by_language, s.tickets),
        _table("status", s.by_status, s.tickets),
    ]
    if out.width >= 100:
        grid = Table.grid(padding=(0, 4))
        grid.add_row(*tables)
        out.print(grid)
    else:
        for table in tables:
            out.print(table)


def _table(title: str, counts: dict[str, int], total: int) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(title, no_wrap=True)
    table.add_column("tickets", justify="right", no_wrap=True)
    table.add_column("%", justify="right", no_wrap=True)
    for key, n in counts.items():
        table.add_row(key or "-", f"{n:,}", f"{100 * n / total:.1f}" if total else "-")
    return table


def _total(counter: Any) -> int:
    return sum(counter.values())


def _by_type(counter: Any) -> str:
    if not counter:
        return ""
    return " [" + ", ".join(f"{kind} {n}" for kind, n in counter.items()) + "]"


class _bytes_progress:
    """A rich progress bar over the bytes of the file, only when stderr is a terminal and the file is big
    enough to wait for."""

    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not self.console.is_terminal or self.total < 1 << 20:
            return None
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        # Redrawn on each call, not by rich's refresh thread: the import reports its progress once per
        # batch, so a thread would only redraw the same figures in between.
        self.bar = Progress(
            BarColumn(), DownloadColumn(), TimeRemainingColumn(), console=self.console, auto_refresh=False
        )
        self.bar.start()
        task = self.bar.add_task("import", total=self.total)

        def update(done: int, total: int) -> None:
            self.bar.update(task, completed=done, total=total)
            self.bar.refresh()

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
