"""Pipeline step: detect the language of every incoming message as it is stored.

``crossdesk.language.pipeline:on_event`` runs first in ``crossdesk.api.pipeline.STEPS`` (data flow:
language, classification, SLA, rules), inside the intake transaction. It fills ``messages.language``
when the platform did not say, and the ticket's and the customer's language when they are still unknown,
so classification, routing and replies can use it. Translation is not done here: it needs the network
and runs in the background (``TranslationService.translate_incoming``).
"""

from __future__ import annotations

from typing import Any

from crossdesk.language import detect


def on_event(desk: Any, actor: Any, event: Any) -> None:
    if event.name != "message_received":
        return
    message_id = event.data.get("message_id")
    row = desk.db.execute(
        "SELECT m.ticket_id, m.body, m.language, t.customer_id FROM messages m "
        "JOIN tickets t ON t.id = m.ticket_id WHERE m.id = ? AND m.direction = 'in'",
        [message_id],
    ).fetchone()
    if row is None:
        return
    ticket_id, body, language, customer_id = row
    if not language:
        guess = detect(body, pm=desk.pm)
        if guess.language == "und":
            return
        language = guess.language
        desk.db.execute("UPDATE messages SET language = ? WHERE id = ?", [language, message_id])
    desk.db.execute("UPDATE tickets SET language = ? WHERE id = ? AND language = ''", [language, ticket_id])
    if customer_id is not None:
        desk.db.execute(
            "UPDATE customers SET language = ? WHERE id = ? AND language = ''", [language, customer_id]
        )
