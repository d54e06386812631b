"""Ticket audit rows that say what changed (issue 17): ``status: open → pending``, not only ``ticket.update``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossdesk.models import TicketStatus

#: How many changed fields one row names before it says "and N more".
SHOWN = 3


def _value(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field == "status":
        try:
            return TicketStatus(int(value)).label
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    text = str(value)
    return text if len(text) <= 24 else text[:23] + "…"


def changes(row: Mapping[str, Any]) -> str:
    """What an audit row changed, in words: ``status open → pending, assignee_id — → 3``; tags added or
    removed; empty when the row carries no before/after."""
    before = row.get("before") if isinstance(row.get("before"), Mapping) else {}
    after = row.get("after") if isinstance(row.get("after"), Mapping) else {}
    if "added" in after:
        return "tags added: " + _value("tags", after["added"])
    if "removed" in before:
        return "tags removed: " + _value("tags", before["removed"])
    fields = [f for f in after if f != "updated_at" and before.get(f) != after.get(f)]
    if not fields or not before:
        return ""
    said = [f"{f} {_value(f, before.get(f))} → {_value(f, after[f])}" for f in fields[:SHOWN]]
    more = f" and {len(fields) - SHOWN} more" if len(fields) > SHOWN else ""
    return ", ".join(said) + more


def audit_line(row: Mapping[str, Any]) -> str:
    """The action, then what it changed when the row says."""
    said = changes(row)
    return f"{row['action']}: {said}" if said else str(row["action"])
