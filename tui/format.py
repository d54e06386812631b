"""How values look on screen: durations, countdowns, money, times. Presentation only."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.numbers import format_currency
from rich.cells import cell_len, set_cell_size


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


#: Where a long value may be cut: after a space, an underscore, a hyphen or a slash.
WORD_BREAKS = " _-/"


def fit(text: str, width: int) -> str:
    """``text`` in ``width`` cells: whole when it fits, else cut after its last whole word that fits,
    with an ellipsis (``item_not_received`` in 11 cells is ``item_not…``); cut inside a word only when
    not even the first word fits. Widths are terminal cells (a CJK character takes two)."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    room, cut, cells = width - 1, 0, 0
    for index, char in enumerate(text):
        cells += cell_len(char)
        if cells > room:
            break
        if char in WORD_BREAKS:
            cut = index  # the text before this break is whole words
        elif index + 1 < len(text) and text[index + 1] in WORD_BREAKS:
            cut = index + 1
    if cut == 0:
        return set_cell_size(text, room) + "…"
    return text[:cut].rstrip(WORD_BREAKS) + "…"


def clip(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` cells at a word boundary with an ellipsis (:func:`fit`)."""
    return fit(" ".join(str(text).split()), width)


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
