"""How values look on screen: durations, countdowns, money, times. Presentation only."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.numbers import format_currency


def duration(seconds: float) -> str:
    """A short human duration: ``45s``, ``12m``, ``3h05``, ``4d``."""
    s = int(abs(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86_400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}"
    return f"{s // 86_400}d"


def countdown(due: int | None, now: int) -> tuple[str, str]:
    """The SLA countdown text and its urgency style name (``sla-none``, ``sla-ok``, ``sla-soon``,
    ``sla-urgent``, ``sla-breached``)."""
    if due is None:
        return "—", "sla-none"
    left = due - now
    if left < 0:
        return "-" + duration(left), "sla-breached"
    if left < 3600:
        return duration(left), "sla-urgent"
    if left < 4 * 3600:
        return duration(left), "sla-soon"
    return duration(left), "sla-ok"


#: Rich styles per urgency (the line API of the queue renders without CSS classes).
URGENCY_STYLE = {
    "sla-none": "dim",
    "sla-ok": "green",
    "sla-soon": "yellow",
    "sla-urgent": "bold dark_orange",
    "sla-breached": "bold white on red",
}


def money(amount_minor: int, currency: str, digits: int = 2, locale: str = "en_US") -> str:
    """``amount_minor`` in ``currency`` for display (babel), e.g. ``€49.99``."""
    return format_currency(amount_minor / (10**digits), currency, locale=locale)


def when(ts: int | None) -> str:
    """An epoch time as ``2025-12-15 10:00`` UTC."""
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")


def clip(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` cells with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def template_choices(templates: list[dict]) -> list[tuple[str, str]]:
    """(name, label) of the active templates to pick from, with the languages each has a variant in."""
    out = []
    for row in templates:
        if not row.get("active", 1):
            continue
        langs = row.get("languages") or []
        label = row["name"] + (f"  ({row['category']})" if row.get("category") else "")
        if langs:
            label += f"  [{', '.join(langs)}]"
        out.append((row["name"], label))
    return out


def sync_summary(result: dict) -> str:
    """One line for the agent after a sync: shops synced, new records, errors, outbox sent."""
    shops = result.get("shops") or []
    new = sum(getattr(r, "new", 0) for s in shops for r in (getattr(s, "resources", {}) or {}).values())
    errors = [s for s in shops if getattr(s, "error", None)]
    line = f"{len(shops)} shop(s) synced, {new} new record(s)"
    if errors:
        line += f", {len(errors)} with errors (see `crossdesk sync`)"
    report = result.get("outbox")
    if report is not None:
        counts = report.counts()
        line += f"; outbox: {counts.get('sent', 0)} sent, {counts.get('retrying', 0)} to retry"
    return line


def firing(row: dict) -> str:
    """One rule firing on one line: when, which rule, on which event, with what outcome."""
    name = row.get("rule_name") or row.get("rule") or "?"
    return f"{when(row.get('at'))} {name} ({row.get('event', '')}) {row.get('outcome', '')}".rstrip()
