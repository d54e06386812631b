"""``crossdesk reprocess``: detect, classify and score the backlog again, in partitions, on this machine or
on a Dask cluster (docs/scale.md). The options ``--workers`` and ``--scheduler`` are shared with
``crossdesk rescore``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from crossdesk.cli.common import UserError, cli_actor, db_option, open_desk


def register(cli: click.Group) -> None:
    cli.add_command(reprocess)


def cluster_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--workers N`` (a local Dask cluster of N worker processes) or ``--scheduler ADDR``."""
    fn = click.option(
        "--scheduler",
        metavar="ADDR",
        default=None,
        help="An existing Dask cluster's scheduler (tcp://host:8786); its workers need crossdesk installed.",
    )(fn)
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Start a local Dask cluster of N worker processes (pip install 'crossdesk[dask]').",
    )(fn)


def check_cluster(workers: int | None, scheduler: str | None) -> None:
    if workers and scheduler:
        raise click.UsageError("give --workers or --scheduler, not both")


def _since(value: str | None) -> int | None:
    if value is None:
        return None
    from crossdesk.io.records import RecordError, timestamp

    try:
        return timestamp({"since": value.strip()}, "since")
    except RecordError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time or epoch seconds", param_hint="--since"
        ) from None


@click.command()
@db_option
@click.option("--detect", is_flag=True, help="Detect the language of each buyer message again.")
@click.option(
    "--classify", is_flag=True, help="Classify each buyer message again (intents, sentiment, flags)."
)
@click.option("--score", is_flag=True, help="Score every open ticket again (the batch re-score).")
@click.option(
    "--since", default=None, help="Only tickets with a buyer message at or after this time (ISO 8601)."
)
@click.option(
    "--partition",
    type=click.IntRange(min=1),
    default=None,
    help="Buyer messages per partition (default 5000).",
)
@cluster_options
def reprocess(
    db_path: Path | None,
    detect: bool,
    classify: bool,
    score: bool,
    since: str | None,
    partition: int | None,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Detect, classify and/or score the desk's backlog again (all three when none is named), in
    partitions: in this process, on a local Dask cluster (--workers N) or on an existing one
    (--scheduler ADDR). The desk stays the one writer; workers never open it. Needs "bulk"."""
    from crossdesk.errors import DeskError
    from crossdesk.scale import open_executor
    from crossdesk.scale import reprocess as run
    from crossdesk.scale.reprocess import PARTITION

    check_cluster(workers, scheduler)
    if not (detect or classify or score):
        detect = classify = score = True
    start = _since(since)
    desk = open_desk(db_path)
    try:
        actor = cli_actor(desk)
        try:
            with open_executor(workers, scheduler) as executor:
                report = run(
                    desk,
                    actor,
                    executor,
                    detect=detect,
                    classify=classify,
                    score=score,
                    since=start,
                    partition=partition or PARTITION,
                )
        except DeskError as exc:
            raise UserError(str(exc)) from None
        except KeyboardInterrupt:
            raise UserError("interrupted; what was written stays, run it again to finish") from None
        click.echo(str(report))
    finally:
        desk.close()
