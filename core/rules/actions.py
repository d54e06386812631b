"""What rules do: each action changes the ticket through the services (so it is audited and raises the
usual events) and returns a description of what it changed, for the firing log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crossdesk.aftersales import CaseService
from crossdesk.errors import DeskError
from crossdesk.models import Actor, TicketStatus
from crossdesk.store import Store
from crossdesk.templates import TemplateService
from crossdesk.tickets import TicketService

if TYPE_CHECKING:
    from crossdesk.rules.engine import RuleSet
    from crossdesk.rules.model import Rule


class ActionRunner:
    """Runs rule actions with the services they need; plugin actions get ``plugin_desk`` (the facade)."""

    def __init__(
        self,
        store: Store,
        tickets: TicketService,
        templates: TemplateService,
        cases: CaseService,
        plugin_desk: Any,
    ) -> None:
        self.store = store
        self.tickets = tickets
        self.templates = templates
        self.cases = cases
        self.plugin_desk = plugin_desk

    def __call__(
        self, actor: Actor, rule: Rule, ticket_id: int, action: Mapping[str, Any], ruleset: RuleSet
    ) -> dict[str, Any]:
        tickets = self.tickets
        name = action["action"]
        if name in ruleset.actions.plugins:
            params = {k: v for k, v in action.items() if k != "action"}
            result = ruleset.actions.plugins[name].run(self.plugin_desk, actor, ticket_id, params)
            return {"action": name, "result": result if isinstance(result, dict) else {}}
        if name == "reply":
            status = action.get("status", TicketStatus.PENDING.label)
            message_id = self.templates.send(actor, action["template"], ticket_id, status=status)
            return {"action": name, "template": action["template"], "message_id": message_id}
        if name == "add_tag":
            return {"action": name, "added": tickets.add_tags(actor, ticket_id, [action["tag"]])}
        if name == "require_skill":  # routing reads the tag (docs/team.md)
            skill = str(action["skill"]).strip().lower()
            if not skill:
                raise DeskError("require_skill needs a skill name")
            return {"action": name, "added": tickets.add_tags(actor, ticket_id, [f"skill:{skill}"])}
        if name == "remove_tag":
            return {"action": name, "removed": tickets.remove_tags(actor, ticket_id, [action["tag"]])}
        if name == "set_priority":
            return {"action": name, "changed": tickets.set_priority_level(actor, ticket_id, action["value"])}
        if name == "set_status":
            return {"action": name, "changed": _jsonable(tickets.update(actor, ticket_id, status=action["value"]))}
        if name == "set_type":
            return {"action": name, "changed": tickets.update(actor, ticket_id, type=action["value"])}
        if name == "escalate":
            return {"action": name, "changed": tickets.update(actor, ticket_id, escalated=1)}
        if name == "assign_team":
            row = self.store.db.execute("SELECT id FROM teams WHERE name = ?", [action["team"]]).fetchone()
            if row is None:
                raise DeskError(f"no team named {action['team']!r}")
            return {"action": name, "changed": tickets.update(actor, ticket_id, team_id=row[0])}
        if name == "assign_agent":
            row = self.store.db.execute(
                "SELECT id, active FROM agents WHERE name = ?", [action["agent"]]
            ).fetchone()
            if row is None:
                raise DeskError(f"no agent named {action['agent']!r}")
            if not row[1]:
                raise DeskError(f"agent {action['agent']!r} is deactivated")
            return {"action": name, "changed": tickets.update(actor, ticket_id, assignee_id=row[0])}
        if name == "open_case":
            return {"action": name, **self._open_case(actor, ticket_id, action)}
        if name == "notify":
            to = action.get("to", "supervisors")
            note = tickets.add_note(actor, ticket_id, f"[{rule.name}] for {to}: {action['message']}")
            self.store.emit(
                actor, "notification", "ticket", ticket_id, rule=rule.name, to=to, message=action["message"]
            )
            return {"action": name, "to": to, "note_id": note}
        raise DeskError(f"action {name!r} is not known to this crossdesk")

    def _open_case(self, actor: Actor, ticket_id: int, action: Mapping[str, Any]) -> dict[str, Any]:
        order = self.store.db.execute("SELECT order_id FROM tickets WHERE id = ?", [ticket_id]).fetchone()
        if order is None or order[0] is None:
            raise DeskError("cannot open a case: the ticket has no order")
        case_id = self.cases.open(
            actor, type=action["type"], order_id=order[0], reason=action.get("reason", ""), ticket_id=ticket_id
        )
        return {"case_id": case_id, "type": action["type"]}


def _jsonable(diff: dict[str, Any]) -> dict[str, Any]:
    return {k: (int(v) if isinstance(v, TicketStatus) else v) for k, v in diff.items()}
