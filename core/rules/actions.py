"""What rules do: each action changes the ticket through the service layer (so it is audited and raises
the usual events) and returns a description of what it changed, for the firing log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crossdesk.models import Actor, TicketStatus
from crossdesk.rules.conditions import PRIORITY_LEVELS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from crossdesk.api.desk import Desk
    from crossdesk.rules.engine import RuleSet
    from crossdesk.rules.model import Rule


def run_action(
    desk: Desk, actor: Actor, rule: Rule, ticket_id: int, action: Mapping[str, Any], ruleset: RuleSet
) -> dict[str, Any]:
    from crossdesk.api.desk import DeskError

    name = action["action"]
    if name in ruleset.actions.plugins:
        params = {k: v for k, v in action.items() if k != "action"}
        result = ruleset.actions.plugins[name].run(desk, actor, ticket_id, params)
        return {"action": name, "result": result if isinstance(result, dict) else {}}
    if name == "reply":
        status = action.get("status", TicketStatus.PENDING.label)
        message_id = desk.templates.send(actor, action["template"], ticket_id, status=status)
        return {"action": name, "template": action["template"], "message_id": message_id}
    if name == "add_tag":
        return {"action": name, "added": desk.add_tags(actor, ticket_id, [action["tag"]])}
    if name == "remove_tag":
        return {"action": name, "removed": desk.remove_tags(actor, ticket_id, [action["tag"]])}
    if name == "set_priority":
        return {"action": name, "changed": set_priority_level(desk, actor, ticket_id, action["value"])}
    if name == "set_status":
        return {
            "action": name,
            "changed": _jsonable(desk.update_ticket(actor, ticket_id, status=action["value"])),
        }
    if name == "set_type":
        return {"action": name, "changed": desk.update_ticket(actor, ticket_id, type=action["value"])}
    if name == "escalate":
        return {"action": name, "changed": desk.update_ticket(actor, ticket_id, escalated=1)}
    if name == "assign_team":
        row = desk.db.execute("SELECT id FROM teams WHERE name = ?", [action["team"]]).fetchone()
        if row is None:
            raise DeskError(f"no team named {action['team']!r}")
        return {"action": name, "changed": desk.update_ticket(actor, ticket_id, team_id=row[0])}
    if name == "assign_agent":
        row = desk.db.execute("SELECT id, active FROM agents WHERE name = ?", [action["agent"]]).fetchone()
        if row is None:
            raise DeskError(f"no agent named {action['agent']!r}")
        if not row[1]:
            raise DeskError(f"agent {action['agent']!r} is deactivated")
        return {"action": name, "changed": desk.update_ticket(actor, ticket_id, assignee_id=row[0])}
    if name == "open_case":
        return {"action": name, **_open_case(desk, actor, ticket_id, action)}
    if name == "notify":
        to = action.get("to", "supervisors")
        note = desk.add_note(actor, ticket_id, f"[{rule.name}] for {to}: {action['message']}")
        desk.emit(
            actor, "notification", "ticket", ticket_id, rule=rule.name, to=to, message=action["message"]
        )
        return {"action": name, "to": to, "note_id": note}
    raise DeskError(f"action {name!r} is not known to this crossdesk")


def _jsonable(diff: dict[str, Any]) -> dict[str, Any]:
    return {k: (int(v) if isinstance(v, TicketStatus) else v) for k, v in diff.items()}


def _open_case(desk: Desk, actor: Actor, ticket_id: int, action: Mapping[str, Any]) -> dict[str, Any]:
    from crossdesk.api.desk import DeskError

    try:
        cases = desk.cases
    except ImportError:
        raise DeskError(
            "cannot open a case: the after-sales service is not installed in this crossdesk"
        ) from None
    order = desk.db.execute("SELECT order_id FROM tickets WHERE id = ?", [ticket_id]).fetchone()
    if order is None or order[0] is None:
        raise DeskError("cannot open a case: the ticket has no order")
    case_id = cases.open(
        actor, type=action["type"], order_id=order[0], reason=action.get("reason", ""), ticket_id=ticket_id
    )
    return {"case_id": case_id, "type": action["type"]}


def set_priority_level(desk: Desk, actor: Actor, ticket_id: int, level: str) -> dict[str, Any]:
    """Set a ticket's priority level (low, normal, high, urgent), audited, raising ``ticket_updated``.

    The level is the seller's "how urgent is this" (SLA targets are chosen by it); the ``priority`` column
    stays the queue score that re-scoring writes.
    """
    from crossdesk.api.desk import DeskError

    desk.require(actor, "reply")
    level = level.strip().lower()
    if level not in PRIORITY_LEVELS:
        raise DeskError(f"unknown priority {level!r}; known: {', '.join(PRIORITY_LEVELS)}")
    return desk.update_ticket(actor, ticket_id, priority_level=level)

