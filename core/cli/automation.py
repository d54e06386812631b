"""Automation commands: ``rules test|lint|load|list|firings``, ``automate``, ``sla load|show``,
``templates list|show|render|lint|install-starter``, ``kb suggest``."""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from crossdesk.cli.common import UserError, with_desk
from crossdesk.cli.numbers import FiniteFloat


def register(cli: click.Group) -> None:
    cli.add_command(rules)
    cli.add_command(automate)
    cli.add_command(sla)
    cli.add_command(templates)
    cli.add_command(kb)


def _user_errors(fn: Any) -> Any:
    """Rule, policy and template errors are the user's: one line, exit 1."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from crossdesk.rules import RuleError

        try:
            return fn(*args, **kwargs)
        except RuleError as exc:
            raise UserError(str(exc)) from exc

    return wrapper


# ---- rules -----------------------------------------------------------------------------------------


@click.group()
def rules() -> None:
    """Automation rules: dry-run, lint, load, list, firing log."""


@rules.command("test")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sample", default=5, show_default=True, help="Tickets shown per rule.")
@click.option("--open-only", is_flag=True, help="Only tickets that are not solved or closed.")
@with_desk
@_user_errors
def rules_test(desk: Any, actor: Any, file: Path, sample: int, open_only: bool) -> None:
    """Dry-run the rules of FILE over the current desk: how many tickets each would touch, with a sample.
    Changes nothing."""
    started = time.perf_counter()
    parsed = desk.rules.read_file(file)
    results = desk.rules.dry_run(actor, parsed, sample=sample, open_only=open_only)
    total = desk.db.execute("SELECT count(*) FROM tickets").fetchone()[0]
    elapsed = time.perf_counter() - started
    click.echo(f"{file} over {total:,} tickets")
    width = max((len(f"{r.count:,}") for r in results), default=1) + 2
    for r in results:
        count = f"{r.count:,}" + ("≤" if r.approximate else "")
        click.echo(f"{count:>{width}}  {r.rule}  [{r.event}]")
        if r.sample:
            shown = ", ".join(
                f"#{s['id']} {s['platform']}/{s['language'] or '?'} {s['subject'][:40]!r}" for s in r.sample
            )
            click.echo(f"{'':>{width}}  e.g. {shown}")
    if any(r.approximate for r in results):
        click.echo(
            "≤: the rule tests a change (changed, changed_from/to), which a dry run can only bound from above."
        )
    click.echo(f"{len(results)} rules, {total:,} tickets, {elapsed:.2f} s")


@rules.command("lint")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_desk
@_user_errors
def rules_lint(desk: Any, actor: Any, file: Path | None) -> None:
    """Find conflicts, rules that can never fire, and auto-replies the template lint flags (the desk's rules,
    or FILE's). Exits 1 when it finds any."""
    issues = desk.rules.lint(actor, file)
    for issue in issues:
        line = (
            f"{issue.kind}: {issue.rule}"
            + (f" <> {issue.other}" if issue.other else "")
            + f": {issue.message}"
        )
        click.echo(line)
    if issues:
        raise SystemExit(1)
    click.echo("no problems found")


@rules.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Delete the desk's rules that FILE does not name.")
@with_desk
@_user_errors
def rules_load(desk: Any, actor: Any, file: Path, replace: bool) -> None:
    """Validate FILE (TOML or JSON) and store its rules; nothing is stored if any rule is invalid."""
    ids = desk.rules.load_file(actor, file, replace=replace)
    click.echo(f"loaded {len(ids)} rules from {file}")


@rules.command("list")
@with_desk
def rules_list(desk: Any, actor: Any) -> None:
    """The desk's rules in the order they run."""
    for rule in desk.rules.list(actor):
        flags = ("" if rule.active else " (inactive)") + (
            " (once per ticket)" if rule.once_per_ticket else ""
        )
        actions = ", ".join(a["action"] for a in rule.actions)
        click.echo(f"{rule.position:>5}  {rule.name}  [{rule.event}] -> {actions}{flags}")


@rules.command("firings")
@click.option("--ticket", "ticket_id", type=int, default=None, help="Only this ticket's firings.")
@click.option("--limit", default=50, show_default=True)
@with_desk
def rules_firings(desk: Any, actor: Any, ticket_id: int | None, limit: int) -> None:
    """The firing log, newest first."""
    import datetime as dt

    for row in desk.rules.firings(actor, ticket_id, limit=limit):
        at = dt.datetime.fromtimestamp(row["at"], dt.UTC).strftime("%Y-%m-%d %H:%M")
        changes = "; ".join(
            c.get("error")
            or ", ".join(f"{k}={v}" for k, v in c.items() if k != "action")
            or c.get("action", "")
            for c in row["changes"]
        )
        click.echo(
            f"{at}  #{row['ticket_id']}  {row['rule_name']}  [{row['event']}/{row['outcome']}]  {changes}"
        )


# ---- automate ---------------------------------------------------------------------------------------

_began: list[float] = [0.0]


def _process_age() -> float:
    """Seconds since this process started (Linux: /proc; elsewhere 0): the interpreter's start and the
    imports count against the budget too."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time after boot
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def _starts_the_budget(fn: Any) -> Any:
    """Note when the command began, before the desk is opened: the run's budget counts the opening, and
    when this process is the command itself (not a test's runner), its start."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        spec = getattr(sys.modules.get("__main__"), "__spec__", None)
        command = Path(sys.argv[0]).name == "crossdesk" or getattr(spec, "name", "") == "crossdesk.__main__"
        _began[0] = time.monotonic() - (_process_age() if command else 0.0)
        return fn(*args, **kwargs)

    return wrapper


@click.command()
@click.option(
    "--budget",
    type=FiniteFloat(min=0.1),
    default=None,
    help="Seconds this run may take (default 60, well under the five-minute interval of docs/sla.md). "
    "What does not fit is reported and resumed by the next run.",
)
@click.option("--no-translate", is_flag=True, help="Leave the translation backlog for later.")
@_starts_the_budget
@with_desk
@_user_errors
def automate(desk: Any, actor: Any, budget: float | None, no_translate: bool) -> None:
    """Run SLA checks, time rules and the translation backlog once, within a time budget (for cron or a
    systemd timer). A run that finds another one working the desk does nothing and says so."""
    from crossdesk.autorun import DEFAULT_BUDGET

    report = desk.autorun.run(
        actor, budget=budget or DEFAULT_BUDGET, translate=not no_translate, started=_began[0]
    )
    if report.busy:
        click.echo(f"skipped: {report.busy}")
        return
    for task in report.tasks:
        click.echo(_task_line(task, report.budget))
        for name, count in sorted(task.detail.get("fired", {}).items()):
            click.echo(f"  {name}: {count}")
    state = "complete" if report.complete else "to be continued by the next run"
    click.echo(f"{report.elapsed:.2f} s of a {report.budget:g} s budget; {state}")


def _task_line(task: Any, budget: float) -> str:
    line = _task_text(task, budget)
    if task.detail.get("interrupted"):
        line += "\n  (cut at the end of the budget: its slice in progress was rolled back; next run)"
    return line


def _task_text(task: Any, budget: float) -> str:
    if task.detail.get("waiting"):
        return f"{task.name.replace('_', ' ')}: waiting for {task.detail['waiting']}; next run"
    if set(task.detail) == {"interrupted"}:  # a pass that runs whole, cut before it answered
        return f"{task.name.replace('_', ' ')}: cut after {task.seconds:.2f} s"
    if task.left is None and not task.done and not task.detail.get("interrupted"):
        needs = task.detail.get("needs", 0)
        if needs and needs > budget:
            return (
                f"{task.name.replace('_', ' ')}: not started: its last run took {needs:g} s, more than the "
                f"{budget:g} s budget; give it one run with a larger --budget (off-peak)"
            )
        return f"{task.name.replace('_', ' ')}: not started (no budget left); next run"
    left = "a backlog left" if task.left is None else f"{task.left} left"
    tail = f"{left}; {task.seconds:.2f} s"
    d = task.detail
    if task.name == "sla":
        return (
            f"SLA: {d['breaches']} breach(es), {d['near_breaches']} near-breach(es); "
            f"{task.done} ticket(s) checked, {tail}"
        )
    if task.name == "time_rules":
        errors = sum(d["errors"].values())
        return (
            f"time rules: {task.done - errors} firing(s), {errors} error(s), "
            f"{d['windows_closed']} window(s) closed; {tail}"
        )
    if task.name == "parcels":  # docs/tracking.md
        if not d:
            return f"parcels: none to track; {task.seconds:.2f} s"
        return (
            f"parcels: {d['discovered']} new, {d['registered']} registered, {d['checked']} checked, "
            f"{d['changed']} changed, {d['stalled']} stalled"
            + (f"; stopped: {d['stopped']}" if d.get("stopped") else "")
            + f"; {task.seconds:.2f} s"
        )
    if task.name == "rollups":  # docs/analytics.md, "Rollups"
        return f"rollups: {task.done} day(s) built, {'?' if task.left is None else task.left} left; {task.seconds:.2f} s"
    if task.name == "handover":  # docs/team.md
        return f"shift ends: {d['done']} ticket(s) handed over; {tail}"
    if task.name == "quality":  # docs/analytics.md
        lines = [f"quality warning: {w}" for w in d.get("quality_warnings", [])]
        if d.get("html_report"):
            lines.append(f"report: wrote {d['html_report']}")
        return "\n".join([*lines, f"quality check: {len(lines)} line(s); {task.seconds:.2f} s"])
    return f"translation: {d['translated']} of {task.done} buyer messages translated; {tail}"


# ---- SLA ----------------------------------------------------------------------------------------------


@click.group()
def sla() -> None:
    """SLA policies and clocks."""


@sla.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Delete the desk's policies that FILE does not name.")
@with_desk
@_user_errors
def sla_load(desk: Any, actor: Any, file: Path, replace: bool) -> None:
    """Validate FILE and store its SLA policies, then recompute open tickets' deadlines."""
    ids = desk.sla.load_file(actor, file, replace=replace)
    click.echo(f"loaded {len(ids)} SLA policies from {file}")


@sla.command("calendars")
@with_desk
def sla_calendars(desk: Any, actor: Any) -> None:
    """Check every team calendar and the desk's sla_calendar setting; exits 1 on problems."""
    problems = desk.sla.check_calendars(actor)
    for line in problems:
        click.echo(line)
    if problems:
        raise SystemExit(1)
    click.echo("all calendars are valid")


@sla.command("show")
@click.argument("ticket_id", type=int)
@with_desk
def sla_show(desk: Any, actor: Any, ticket_id: int) -> None:
    """A ticket's SLA policy, deadlines, pauses and breach events."""
    import datetime as dt

    def when(ts: int | None) -> str:
        return "-" if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    status = desk.sla.status(actor, ticket_id)
    click.echo(f"policy: {status['policy'] or '(none)'} ({status['clock'] or '-'})")
    for key in ("first_reply_due", "next_reply_due", "resolution_due", "sla_due"):
        click.echo(f"{key}: {when(status[key])}")
    click.echo(
        f"paused: {status['paused_seconds'] // 60} min"
        + (f", since {when(status['paused_since'])}" if status["paused_since"] else "")
    )
    for event in status["events"]:
        click.echo(f"{event['kind']}: {event['target']} due {when(event['due'])}")


# ---- templates -------------------------------------------------------------------------------------------


@click.group()
def templates() -> None:
    """Reply templates: list, show, render, lint, install the starter set."""


@templates.command("list")
@with_desk
def templates_list(desk: Any, actor: Any) -> None:
    for row in desk.templates.list(actor):
        click.echo(
            f"{row['name']}  [{row['category'] or '-'}]  {', '.join(row['languages']) or 'default only'}"
        )


@templates.command("show")
@click.argument("name")
@with_desk
def templates_show(desk: Any, actor: Any, name: str) -> None:
    t = desk.templates.get(actor, name)
    click.echo(f"# {t['name']} (default)\n{t['body']}")
    for lang, v in t["variants"].items():
        click.echo(f"\n# {lang}\n{v['body']}")


@templates.command("render")
@click.argument("name")
@click.argument("ticket_id", type=int)
@click.option("--language", default=None, help="Render for this language instead of the buyer's.")
@with_desk
def templates_render(desk: Any, actor: Any, name: str, ticket_id: int, language: str | None) -> None:
    """Show NAME as the buyer of TICKET_ID would read it (sends nothing)."""
    r = desk.templates.render(actor, name, ticket_id, language=language)
    click.echo(f"[{r.language or 'default'} / {r.locale}]\n{r.body}")


@templates.command("lint")
@click.option(
    "--platform", "platforms", multiple=True, help="Only these platforms (default: all linted ones)."
)
@with_desk
def templates_lint(desk: Any, actor: Any, platforms: tuple[str, ...]) -> None:
    """Check every template against the platforms' messaging rules; exits 1 on findings."""
    found = desk.templates.lint(actor, platforms=list(platforms) or None)
    for f in found:
        click.echo(str(f))
    if found:
        raise SystemExit(1)
    click.echo("no problems found")


@templates.command("install-starter")
@click.option("--overwrite", is_flag=True, help="Replace templates of the same name.")
@with_desk
def templates_install(desk: Any, actor: Any, overwrite: bool) -> None:
    """Install the starter templates (13 languages) and knowledge-base articles."""
    count = desk.templates.install_starter(actor, overwrite=overwrite)
    click.echo(f"installed {count} templates")


@click.group()
def kb() -> None:
    """Knowledge base."""


@kb.command("suggest")
@click.argument("ticket_id", type=int)
@with_desk
def kb_suggest(desk: Any, actor: Any, ticket_id: int) -> None:
    """Articles for a ticket, best first."""
    for row in desk.templates.kb_suggest(actor, ticket_id):
        click.echo(f"{row['score']:>7}  #{row['id']} [{row['language']}] {row['title']}")
