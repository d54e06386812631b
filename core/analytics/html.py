"""The weekly HTML report: one self-contained file (inline CSS and SVG charts drawn here, no script, no
external URL), for a manager who never opens a terminal. ``crossdesk report --html FILE`` writes it;
``crossdesk automate`` writes it on a schedule when the ``report_html`` setting asks for one
(``{"path": "/srv/reports/weekly.html", "every_days": 7}``)."""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crossdesk.models import Actor

DAY = 86_400
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
.cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ddd;border-radius:6px;padding:.8em 1.2em;min-width:9em}
.card b{font-size:1.5em;display:block}table{border-collapse:collapse;font-size:.9em}
td,th{border-bottom:1px solid #eee;padding:.25em .6em;text-align:right}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}.warn{color:#a40000}.none{color:#777;font-style:italic}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 3600:
        return f"{s // 60} min"
    if s < DAY:
        return f"{s / 3600:.1f} h"
    return f"{s / DAY:.1f} d"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None], fmt: Any = str) -> str:
    """A horizontal bar chart as inline SVG, each bar labelled with its value."""
    if not labels or all(v is None for v in values):
        return f'<figure><figcaption>{_e(title)}</figcaption><p class="none">no data yet</p></figure>'
    width, row, left = 460, 22, 150
    top = max((v or 0) for v in values) or 1
    height = row * len(labels) + 10
    parts = [f'<svg width="{width}" height="{height}" role="img">']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 5 + i * row
        w = 0 if value is None else (width - left - 90) * value / top
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" font-size="12">{_e(label[:22])}</text>'
        )
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="#3b7dd8"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 15}" font-size="12">{_e(fmt(value))}</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{_e(title)}</figcaption>{''.join(parts)}</figure>"


def column_chart(title: str, labels: Sequence[str], values: Sequence[float | None], fmt: Any = str) -> str:
    """A vertical bar chart (a time series) as inline SVG, each column labelled with its value."""
    if not labels or all(v is None for v in values):
        return f'<figure><figcaption>{_e(title)}</figcaption><p class="none">no data yet</p></figure>'
    col, height, base = 58, 200, 170
    top = max((v or 0) for v in values) or 1
    width = col * len(labels) + 10
    parts = [f'<svg width="{width}" height="{height}" role="img">']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = 5 + i * col
        h = 0 if value is None else (base - 30) * value / top
        parts.append(
            f'<rect x="{x + 6}" y="{base - h:.1f}" width="{col - 12}" height="{h:.1f}" fill="#2e9e6b"/>'
        )
        parts.append(
            f'<text x="{x + col / 2}" y="{base - h - 4:.1f}" text-anchor="middle" font-size="11">{_e(fmt(value))}</text>'
        )
        parts.append(
            f'<text x="{x + col / 2}" y="{base + 16}" text-anchor="middle" font-size="11">{_e(label[5:])}</text>'
        )
    parts.append("</svg>")
    return f"<figure><figcaption>{_e(title)}</figcaption>{''.join(parts)}</figure>"


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(analytics: Any, actor: Actor, *, since: int | None = None, until: int | None = None) -> str:
    """The report as HTML text: the last 7 days unless a period is given."""
    now = analytics.store.now()
    until = now + 1 if until is None else until
    since = until - 7 * DAY if since is None else since
    total = analytics.report(actor, since=since, until=until).total
    daily = analytics.report(actor, since=since, until=until, by=["day"], metrics=["volume", "first_reply"])
    by_platform = analytics.report(actor, since=since, until=until, by=["platform"])
    by_agent = analytics.report(
        actor, since=since, until=until, by=["agent"], metrics=["volume", "first_reply", "fcr"]
    )
    warnings = analytics.quality.detect(actor, now=min(now, until))
    tz = ZoneInfo(daily.timezone)
    when = f"{dt.datetime.fromtimestamp(since, tz):%Y-%m-%d} – {dt.datetime.fromtimestamp(until - 1, tz):%Y-%m-%d}"
    cards = [
        ("tickets", f"{total['volume']:,}"),
        ("median first reply", duration(total["first_reply"]["median"])),
        ("first reply, 90%", duration(total["first_reply"]["p90"])),
        ("median resolution", duration(total["resolution"]["median"])),
        ("first-contact resolution", pct(total["fcr"]["rate"])),
        ("reopened", pct(total["reopen_rate"]["rate"])),
        ("SLA first reply met", pct(total["sla"]["first_reply"]["rate"])),
        ("backlog", f"{total['backlog']['count']:,}"),
        ("refunds (USD)", f"{total['refunds']['usd']:,.2f}"),
        ("review stars", "—" if total["ratings"]["mean"] is None else f"{total['ratings']['mean']:.2f}"),
        ("negative reviews", pct(total["ratings"]["negative_rate"])),
    ]
    days = [g["key"]["day"] for g in daily.groups]
    plat = [g["key"]["platform"] for g in by_platform.groups]
    agents = sorted(by_agent.groups, key=lambda g: -g["volume"])[:12]
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Service report {when}</title><style>{_CSS}</style></head><body>",
        f"<h1>Service report</h1><p>Tickets created {when} ({_e(daily.timezone)}). Definitions: docs/analytics.md.</p>",
        '<div class="cards">'
        + "".join(f'<div class="card"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in cards)
        + "</div>",
        "<h2>Every day</h2><div class='charts'>",
        column_chart("New tickets per day", days, [g["volume"] for g in daily.groups], lambda v: f"{v:,}"),
        column_chart(
            "Median first reply (hours)", days, [_hours(g["first_reply"]["median"]) for g in daily.groups], _h
        ),
        "</div><h2>By marketplace</h2><div class='charts'>",
        bar_chart(
            "Median first reply (hours)",
            plat,
            [_hours(g["first_reply"]["median"]) for g in by_platform.groups],
            _h,
        ),
        bar_chart(
            "SLA first reply met (%)",
            plat,
            [_percent(g["sla"]["first_reply"]["rate"]) for g in by_platform.groups],
            _p,
        ),
        bar_chart(
            "First-contact resolution (%)", plat, [_percent(g["fcr"]["rate"]) for g in by_platform.groups], _p
        ),
        "</div>",
        _table(
            [
                "marketplace",
                "tickets",
                "first reply med",
                "p90",
                "resolution med",
                "FCR",
                "SLA 1st",
                "SLA res.",
                "backlog",
            ],
            [
                [
                    g["key"]["platform"],
                    g["volume"],
                    duration(g["first_reply"]["median"]),
                    duration(g["first_reply"]["p90"]),
                    duration(g["resolution"]["median"]),
                    pct(g["fcr"]["rate"]),
                    pct(g["sla"]["first_reply"]["rate"]),
                    pct(g["sla"]["resolution"]["rate"]),
                    g["backlog"]["count"],
                ]
                for g in by_platform.groups
            ],
        ),
        "<h2>By agent</h2><div class='charts'>",
        bar_chart(
            "Median first reply (hours)",
            [g["key"]["agent"] for g in agents],
            [_hours(g["first_reply"]["median"]) for g in agents],
            _h,
        ),
        bar_chart(
            "First-contact resolution (%)",
            [g["key"]["agent"] for g in agents],
            [_percent(g["fcr"]["rate"]) for g in agents],
            _p,
        ),
        "</div>",
        _table(
            ["agent", "tickets", "first reply med", "p90", "FCR"],
            [
                [
                    g["key"]["agent"],
                    g["volume"],
                    duration(g["first_reply"]["median"]),
                    duration(g["first_reply"]["p90"]),
                    pct(g["fcr"]["rate"]),
                ]
                for g in agents
            ],
        ),
        "<h2>Quality warnings</h2>",
        "".join(f"<p class='warn'>{_e(w)}</p>" for w in warnings)
        or "<p class='none'>no SKU draws more complaints or returns than before</p>",
        "</body></html>",
    ]
    return "\n".join(out)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


def _percent(rate: float | None) -> float | None:
    return None if rate is None else 100 * rate


def _h(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f} h"


def _p(v: float | None) -> str:
    return "—" if v is None else f"{v:.0f}%"


def write_html(analytics: Any, actor: Actor, path: str | os.PathLike, **period: Any) -> Path:
    """Write the report to ``path`` atomically; returns the path."""
    target = Path(path)
    text = render(analytics, actor, **period)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, target)
    return target


def scheduled_html(analytics: Any, actor: Actor) -> str | None:
    """Write the report if the ``report_html`` setting names a path and ``every_days`` have passed since
    the last one; returns the path written, or None."""
    cfg = analytics.store.get_setting("report_html", None) or {}
    if not cfg.get("path"):
        return None
    now = analytics.store.now()
    last = analytics.store.get_setting("report_html_last", 0) or 0
    if now - int(last) < float(cfg.get("every_days", 7)) * DAY:
        return None
    written = write_html(analytics, actor, cfg["path"])
    analytics.store.put_setting("report_html_last", now)
    return str(written)
