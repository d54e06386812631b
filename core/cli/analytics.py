"""``crossdesk report``: service metrics over a period, by any dimensions, as a table, JSON, CSV, Parquet
or a self-contained HTML report (docs/analytics.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from crossdesk.cli.common import UserError, cli_actor, db_option, open_desk
from crossdesk.cli.numbers import FiniteFloat

FORMATS = ("table", "json", "csv", "parquet")


def register(cli: click.Group) -> None:
    cli.add_command(report)


@click.command()
@db_option
@click.option(
    "--since", help="Start of the period (2026-11-01, in the desk's time zone). Default: 28 days ago."
)
@click.option("--until", help="End of the period, excluded (default: now).")
@click.option(
    "--by",
    "by",
    multiple=True,
    help="Group by: platform shop market language agent team intent "
    "segment sku day week (repeat for several).",
)
@click.option("--metric", "metrics", multiple=True, help="Only these metrics (repeat; default: all).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file.")
@click.option(
    "--html",
    "html",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the weekly HTML report (charts, tables, warnings; opens with no network).",
)
@click.option(
    "--schedule-html",
    "schedule",
    help="Have 'crossdesk automate' write the HTML report to this path ('' stops).",
)
@click.option(
    "--every-days",
    type=FiniteFloat(min=0.01),
    default=7.0,
    show_default=True,
    help="With --schedule-html: how often.",
)
@click.option(
    "--quality", is_flag=True, help="Complaint and return rates per SKU, now and before, and the warnings."
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Recompute every ticket's facts and the day rollups first (after a bulk load).",
)
def report(
    db_path: Path | None,
    since: str | None,
    until: str | None,
    by: tuple[str, ...],
    metrics: tuple[str, ...],
    fmt: str,
    out: Path | None,
    html: Path | None,
    schedule: str | None,
    every_days: float,
    quality: bool,
    rebuild: bool,
) -> None:
    """Service metrics of the tickets created in a period: first reply (by people; rule replies apart),
    resolution, reopens, first-contact resolution, SLA achievement, backlog, refunds."""
    from crossdesk.analytics import dimensions, tables

    desk = open_desk(db_path)
    try:
        actor = cli_actor(desk)
        if schedule is not None:
            value = {"path": schedule, "every_days": every_days} if schedule else None
            desk.set_setting(actor, "report_html", value)
            click.echo(
                f"crossdesk automate writes {schedule} every {every_days:g} days"
                if schedule
                else "the scheduled HTML report is stopped"
            )
            return
        if rebuild:
            n = desk.analytics.facts.rebuild(actor)
            click.echo(f"facts recomputed for {n:,} tickets", err=True)
            days = desk.analytics.rollups.rebuild(actor)
            click.echo(f"rollups rebuilt for {days:,} days", err=True)
            days = desk.analytics.quality.sales.rebuild()
            click.echo(f"SKU counts rebuilt for {days:,} days", err=True)
        tz = dimensions.zone(desk.analytics.reports.timezone())
        start = dimensions.parse_time(since, tz) if since else None
        end = dimensions.parse_time(until, tz) if until else None
        if quality:
            _quality(desk, actor, fmt, out)
            return
        if html is not None:
            from crossdesk.analytics.html import write_html

            write_html(desk.analytics, actor, html, since=start, until=end)
            click.echo(f"wrote {html}", err=True)
            return
        result = desk.analytics.report(actor, since=start, until=end, by=by, metrics=metrics or None)
        if fmt == "parquet":
            if out is None:
                raise UserError("--format parquet needs --out FILE")
            tables.to_parquet(result, out)
            return
        if fmt == "json":
            _emit(tables.to_json(result), out)
        elif fmt == "csv":
            _emit(tables.to_csv(result).encode(), out)
        else:
            _table(result, out)
    finally:
        desk.close()


def _emit(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
        sys.stdout.buffer.flush()
    else:
        out.write_bytes(data)


def _duration(seconds: Any) -> str:
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86_400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}"
    return f"{s / 86_400:.1f}d"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


#: What the terminal table shows per metric: (header, how to read it from a group).
_COLUMNS: dict[str, list[tuple[str, Any]]] = {
    "volume": [("tickets", lambda e: f"{e['volume']:,}")],
    "first_reply": [
        ("1st reply med", lambda e: _duration(e["first_reply"]["median"])),
        ("1st reply p90", lambda e: _duration(e["first_reply"]["p90"])),
    ],
    "first_reply_business": [("1st reply bh med", lambda e: _duration(e["first_reply_business"]["median"]))],
    "auto_reply": [("auto replies", lambda e: f"{e['auto_reply']['count']:,}")],
    "resolution": [
        ("resolved med", lambda e: _duration(e["resolution"]["median"])),
        ("resolved p90", lambda e: _duration(e["resolution"]["p90"])),
    ],
    "reopen_rate": [("reopened", lambda e: _pct(e["reopen_rate"]["rate"]))],
    "fcr": [("FCR", lambda e: _pct(e["fcr"]["rate"]))],
    "sla": [
        (
            f"SLA {name} (breached)",
            lambda e, n=key: f"{_pct(e['sla'][n]['rate'])} ({e['sla'][n]['breached']:,})",
        )
        for key, name in (("first_reply", "1st"), ("next_reply", "next"), ("resolution", "res."))
    ],
    "backlog": [
        ("backlog", lambda e: f"{e['backlog']['count']:,}"),
        ("backlog age med", lambda e: _duration(e["backlog"]["age"]["median"])),
    ],
    "refunds": [("refunds USD", lambda e: f"{e['refunds']['usd']:,.2f}")],
    "ratings": [
        ("reviews", lambda e: f"{e['ratings']['count']:,}"),
        ("stars", lambda e: "—" if e["ratings"]["mean"] is None else f"{e['ratings']['mean']:.2f}"),
        ("negative", lambda e: _pct(e["ratings"]["negative_rate"])),
    ],
}


def _table(result: Any, out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from crossdesk.analytics.tables import TOTAL

    since = _when(result.since, result.timezone)
    until = _when(result.until, result.timezone)
    table = Table(title=f"Tickets created {since} – {until} ({result.timezone})", show_lines=False)
    for d in result.by:
        table.add_column(d)
    shown = [(h, fn) for m in result.metrics for h, fn in _COLUMNS.get(m, [])]
    for header, _ in shown:
        table.add_column(header, justify="right")
    for g in result.groups:
        table.add_row(*(str(g["key"][d]) for d in result.by), *(fn(g) for _, fn in shown))
    table.add_row(*([TOTAL] * len(result.by)), *(fn(result.total) for _, fn in shown), style="bold")
    console = Console(file=out.open("w") if out else None, width=max(120, 14 * (len(shown) + len(result.by))))
    console.print(table)
    if result.total.get("volume", 1) == 0:
        console.print("no data yet: no ticket was created in this period")


def _when(epoch: int, tz: str) -> str:
    import datetime as dt
    from zoneinfo import ZoneInfo

    return dt.datetime.fromtimestamp(epoch, ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def _quality(desk: Any, actor: Any, fmt: str, out: Path | None) -> None:
    """``--quality``: every SKU's rates (the 40 with the highest complaint rate now in a table), then the
    warnings."""
    import orjson

    now = desk.store.now()  # one now: both count the same windows once
    rates = desk.analytics.quality.rates(actor, now=now)
    warnings = desk.analytics.quality.detect(actor, now=now)
    if fmt == "json":
        data = {"skus": rates, "warnings": [w.as_dict() for w in warnings]}
        _emit(orjson.dumps(data, option=orjson.OPT_INDENT_2), out)
        return
    if fmt != "table":
        raise UserError("--quality prints a table or JSON (--format json)")
    from rich.console import Console
    from rich.table import Table

    cfg = desk.analytics.quality.settings()
    table = Table(
        title=f"Orders of the last {cfg['window_days']} days against the {cfg['baseline_days']} before"
    )
    for header in (
        "SKU",
        "complaints now",
        "before",
        "returns now",
        "before",
        "negative reviews now",
        "before",
    ):
        table.add_column(header, justify="left" if header == "SKU" else "right")

    def rate(part: dict, key: str) -> str:
        n, of = (part["now"], part["of_now"]) if key == "now" else (part["before"], part["of_before"])
        return "—" if not of else f"{100 * n / of:.1f}% ({n}/{of})"

    ranked = sorted(rates, key=lambda r: -(r["complaints"]["rate_now"] or 0))[:40]
    for r in ranked:
        c, ret, rev = r["complaints"], r["returns"], r["ratings"]
        table.add_row(
            r["sku"],
            *(rate(part, when) for part in (c, ret, rev) for when in ("now", "before")),
        )
    console = Console(file=out.open("w") if out else None, width=120)
    console.print(table)
    for w in warnings:
        console.print(f"[red]warning[/red] {w}", highlight=False)
    if not warnings:
        console.print("no SKU draws more complaints or returns than before")
