"""What each buyer will receive, before a bulk template reply is sent (issue 17)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crossdesk.tui.format import fit

#: Buyers previewed in the confirmation; the rest are counted.
SHOWN = 3
#: Characters of each rendered reply shown.
CHARS = 160


def preview(screen: Any, name: str, ticket_ids: Sequence[int]) -> str:
    """The template rendered for the first few selected tickets (language, then the start of the text);
    a ticket it cannot be rendered for says why (that one would fail in the bulk run too)."""
    gw, desk, actor = screen.gw, screen.desk, screen.actor
    lines = []
    for tid in list(ticket_ids)[:SHOWN]:
        try:
            r = gw.call(desk.templates.render, actor, name, tid)
        except Exception as exc:  # a missing value, an unknown template: said, nothing sent
            lines.append(f"#{tid}: cannot be rendered: {exc}")
            continue
        text = " ".join(r.body.split())
        text = fit(text, CHARS)
        lines.append(f"#{tid} ({r.language or 'default'}): {text}")
    rest = len(ticket_ids) - SHOWN
    if rest > 0:
        lines.append(f"… and {rest} more buyer(s), each in their own language")
    return "\n\nWhat the buyers will receive:\n" + "\n".join(lines)
