"""Actions a role may not take, said in plain words: what the permission lets one do and who has it.

The footer, the help and the palette do not offer such actions (``DeskScreen.NEEDS``); when one is reached
anyway (its key pressed from habit, or the service refusing a call because the role changed meanwhile),
the agent reads why instead of nothing happening or a permission id."""

from __future__ import annotations

from crossdesk.errors import PermissionDenied

#: What each permission lets an agent do, and who usually has it.
WORDS: dict[str, str] = {
    "view": "read tickets, buyers and orders",
    "reply": "reply to buyers or change tickets (a viewer only reads)",
    "handle_cases": "open or move after-sales cases",
    "approve_returns": "approve or decline returns and exchanges (a supervisor does)",
    "refund": "refund buyers",
    "bulk": "act on many tickets at once or re-score the queue (a supervisor does)",
    "manage_rules": "change automation rules and SLA policies (a supervisor does)",
    "manage_templates": "change templates and the knowledge base (a supervisor does)",
    "manage_settings": "change desk settings, shops, agents or sync the marketplaces (an admin does)",
    "manage_plugins": "configure plugins and translator keys (an admin does)",
    "supervise": "move others' tickets or decide approvals (a supervisor does)",
}


def not_allowed(role_name: str, permission: str) -> str:
    """``"Your role (agent) may not act on many tickets at once ... (a supervisor does)."``"""
    what = WORDS.get(permission, permission.replace("_", " "))
    return f"Your role ({role_name}) may not {what}."


def describe(exc: PermissionDenied) -> str:
    """The service's refusal with the permission in words (its own detail, such as a limit, kept)."""
    text = str(exc)
    words = WORDS.get(exc.permission)
    if words is None:
        return text
    return f"{text}.\n{not_allowed(exc.actor.role_name, exc.permission)}"
