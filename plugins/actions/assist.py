"""The rule action ``send_ai_draft``: the only way an AI draft is sent without an agent, and only for the
intents a rule names.

```toml
[[rules]]
name = "Answer where-is-my-order with a checked AI draft"
event = "message_received"
all = [{ field = "intent", op = "is", value = "item_not_received" }]
actions = [{ action = "send_ai_draft", intents = ["item_not_received"] }]
```

The model is called inside the event's transaction: use it for a few named intents, not every message.
The draft is sent only when all of these hold; otherwise it is kept as an internal note for an agent,
with the reasons:

- the ticket's intent is one of ``intents`` (a rule without ``intents`` sends nothing);
- the draft has no flags (every amount, date, number and refund it states is in the ticket's facts, it is
  in the buyer's language, nothing of the instructions was in it);
- the platform lint of templates finds nothing (links, e-mail addresses, review requests...);
- the checked send finds nothing to confirm (no ``⟦ ⟧`` parts, the buyer's language).

It uses only the public API (``desk.assist``, ``desk.conversation``, ``desk.translation``, ``desk.add_note``).
"""

from __future__ import annotations

from typing import Any

from crossdesk import hookimpl
from crossdesk.models import RuleAction


def send_ai_draft(desk: Any, actor: Any, ticket_id: int, params: dict[str, Any]) -> dict[str, Any]:
    intents = params.get("intents") or []
    if isinstance(intents, str):
        intents = [intents]
    ticket = desk.ticket(actor, ticket_id)
    intent = ticket.get("intent") or ""
    if not intents:
        return {"sent": False, "why": "the rule names no intents"}
    if intent not in intents:
        return {"sent": False, "why": f"intent {intent or 'unknown'!r} is not one of {', '.join(intents)}"}
    try:
        draft = desk.assist.draft(actor, ticket_id)
    except Exception as exc:  # the model is down, over budget, not configured: an agent answers
        return {"sent": False, "why": str(exc)}
    held = list(draft.flags)
    held += [f"lint: {w}" for w in desk.conversation.lint(actor, ticket_id, draft.text)]
    if not held:
        held += desk.translation.check_reply(actor, ticket_id, draft.text).problems
    if held:
        desk.add_note(
            actor, ticket_id,
            "AI draft not sent automatically (" + "; ".join(held) + "):\n\n" + draft.text,
        )  # fmt: skip
        return {"sent": False, "why": "; ".join(held)}
    message_id = desk.translation.send_checked(
        actor, ticket_id, draft.text, translation=draft.back_translation
    )
    return {"sent": True, "message_id": message_id, "language": draft.language}


@hookimpl
def crossdesk_rule_actions() -> list[RuleAction]:
    return [
        RuleAction(
            "send_ai_draft",
            send_ai_draft,
            "send an AI reply draft, only for the named intents and only when every check passes",
        )
    ]
