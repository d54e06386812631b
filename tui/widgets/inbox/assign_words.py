"""The bulk assign picker's lines (issue 17): each agent with their languages and open load, and a warning
when they speak none of the languages of some of the selected tickets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def agent_choice(agent: Mapping[str, Any], load: int, ticket_languages: Iterable[str]) -> str:
    """``Anna Becker (agent) · de, en · 4 open`` and, on a mismatch, ``· ⚠ no ja``."""
    speaks = [str(x) for x in agent.get("languages") or []]
    wanted = sorted({lang for lang in ticket_languages if lang})
    missing = [lang for lang in wanted if lang not in speaks]
    line = f"{agent['name']} ({agent['role']}) · {', '.join(speaks) or 'no languages'} · {load} open"
    if speaks and missing:
        line += f" · ⚠ does not speak {', '.join(missing)}"
    return line


def choices(screen: Any, agents: list[dict], ticket_ids: Iterable[int]) -> list[tuple[str, str]]:
    """The picker's choices for the selected tickets: loads read through the queue's count."""
    from crossdesk.tui.widgets.inbox.queue_view import QueueView

    selected = screen.query_one(QueueView).selected
    languages = [str(selected[t].get("language") or "") for t in ticket_ids if t in selected]
    out = [("none", "nobody (unassign)")]
    for a in agents:
        if not a.get("active", 1):
            continue
        load = screen.gw.call(screen.desk.queue.count, screen.actor, assignee_id=a["id"])
        out.append((str(a["id"]), agent_choice(a, load, languages)))
    return out
