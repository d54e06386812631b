"""``crossdesk rescore``: re-score the whole desk in batch, with a progress bar and an ETA."""

from __future__ import annotations

from pathlib import Path

import click

from crossdesk.cli.common import UserError, cli_actor, db_option, open_desk
from crossdesk.cli.scale import check_cluster, cluster_options


def register(cli: click.Group) -> None:
    cli.add_command(rescore)


@click.command()
@db_option
@click.option(
    "--chunk",
    type=click.IntRange(min=1),
    default=50_000,
    show_default=True,
    help="Tickets read, scored and written per transaction.",
)
@click.option("--quiet", is_flag=True, help="No progress bar; print only the summary.")
@cluster_options
def rescore(
    db_path: Path | None, chunk: int, quiet: bool, workers: int | None, scheduler: str | None
) -> None:
    """Re-score every ticket from the database and write the priorities back.

    Needs the "bulk" permission. Interrupted (Ctrl-C, a crash), it resumes where it stopped the next
    time it runs, with the same clock, and ends with the same priorities as an uninterrupted run.
    With --workers N or --scheduler ADDR the chunks are scored on a Dask cluster (docs/scale.md).
    """
    check_cluster(workers, scheduler)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from crossdesk.errors import DeskError
    from crossdesk.queue import RESCORE_KEY
    from crossdesk.queue import rescore as run
    from crossdesk.scale import open_executor

    desk = open_desk(db_path)
    try:
        actor = cli_actor(desk)
        if desk.get_setting(RESCORE_KEY, None):
            click.echo("resuming the interrupted rescore", err=True)
        console = Console(stderr=True)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("tickets"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            disable=quiet,
            transient=False,
        ) as bar:
            task = bar.add_task("rescore", total=None)

            def progress(phase: str, done: int, total: int) -> None:
                if phase == "indexes":
                    bar.update(task, description="rebuilding indexes")
                else:
                    bar.update(task, completed=done, total=total)

            try:
                with open_executor(workers, scheduler) as executor:
                    report = run(
                        desk.store, actor, chunk=chunk, progress=progress, map_scores=executor.map_ordered
                    )
            except DeskError as exc:
                raise UserError(str(exc)) from None
            except KeyboardInterrupt:
                raise UserError("interrupted; run 'crossdesk rescore' again to finish") from None
        click.echo(str(report))
    finally:
        desk.close()
