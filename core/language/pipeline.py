"""Pipeline step: detect the language of every incoming message as it is stored.

The first step of the event pipeline the :class:`~crossdesk.api.Desk` facade wires into the store (data
flow: language, classification, SLA, rules); it runs inside the intake transaction. It fills ``messages.language``
when the platform did not say, and the ticket's and the customer's language when they are still unknown,
so classification, routing and replies can use it. Translation is not done here: it needs the network
and runs in the background (``TranslationService.translate_incoming``).
"""

from __future__ import annotations

from crossdesk.language import detect
from crossdesk.models import Actor, Event
from crossdesk.store import Store


class MessageLanguage:
    """The pipeline step over one store: ``step(actor, event)``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, actor: Actor, event: Event) -> None:
        if event.name != "message_received":
            return
        db = self.store.db
        message_id = event.data.get("message_id")
        row = db.execute(
            "SELECT m.ticket_id, m.body, m.language, t.customer_id FROM messages m "
            "JOIN tickets t ON t.id = m.ticket_id WHERE m.id = ? AND m.direction = 'in'",
            [message_id],
        ).fetchone()
        if row is None:
            return
        ticket_id, body, language, customer_id = row
        if not language:
            guess = detect(body, pm=self.store.pm)
            if guess.language == "und":
                return
            language = guess.language
            db.execute("UPDATE messages SET language = ? WHERE id = ?", [language, message_id])
        db.execute("UPDATE tickets SET language = ? WHERE id = ? AND language = ''", [language, ticket_id])
        if customer_id is not None:
            db.execute("UPDATE customers SET language = ? WHERE id = ? AND language = ''", [language, customer_id])
