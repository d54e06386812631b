"""Turning events into notifications, storing them, and handing them to ``crossdesk_notify`` after commit.

:meth:`NotificationService.on_event` is a pipeline step: inside the transaction of the change it writes
one ``notifications`` row per agent to tell and raises the event ``agent_notified``. Events reach plugins
only after the outermost commit, so a notification of a change that was rolled back is never sent: the
service's own observer (registered once per plugin manager) turns each committed ``agent_notified`` into
a ``crossdesk_notify`` call.
"""

from __future__ import annotations

from typing import Any

from crossdesk import hookimpl
from crossdesk.models import Actor, Event, Notification
from crossdesk.store import Store

NOTIFIED = "agent_notified"
_OBSERVER = "core:notify-delivery"


class _Delivery:
    """The observer: committed ``agent_notified`` events -> ``crossdesk_notify``."""

    def __init__(self, pm: Any) -> None:
        self.pm = pm

    @hookimpl
    def crossdesk_event(self, event: Event) -> None:
        if event.name == NOTIFIED:
            self.pm.hook.crossdesk_notify(notification=Notification(**event.data))


class NotificationService:
    """``desk.notifications``: the step, an agent's unread notifications, marking them read."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._registered = False

    def on_event(self, actor: Actor, event: Event) -> None:
        if event.name == NOTIFIED:
            return
        if not self._registered:
            pm = self.store.pm
            if not pm.has_plugin(_OBSERVER):
                pm.register(_Delivery(pm), name=_OBSERVER)
            self._registered = True
        for agent_id, kind, text, ticket_id in self._what(actor, event):
            self._tell(actor, agent_id, kind, text, ticket_id)

    def _what(self, actor: Actor, event: Event) -> list[tuple[int, str, str, int | None]]:
        db = self.store.db
        data = event.data
        if event.name == "ticket_updated" and event.object_type == "ticket":
            change = (data.get("changes") or {}).get("assignee_id")
            if change and change[1] is not None and change[1] != actor.agent_id:
                subject = db.execute("SELECT subject FROM tickets WHERE id = ?", [event.object_id]).fetchone()
                return [(change[1], "assigned", f"Ticket #{event.object_id} assigned to you: {subject[0] if subject else ''}".rstrip(": "), event.object_id)]  # fmt: skip
        elif event.name == "sla_near_breach" and event.object_type == "ticket":
            row = db.execute("SELECT assignee_id FROM tickets WHERE id = ?", [event.object_id]).fetchone()
            if row and row[0] is not None:
                return [(row[0], "sla", f"SLA ({data.get('target', 'reply')}) about to breach on ticket #{event.object_id}", event.object_id)]  # fmt: skip
        elif event.name == "approval_decided" and data.get("requester_id") is not None:
            return [(data["requester_id"], "approval", f"Your approval #{event.object_id} was {data.get('state')} by {event.actor}", data.get("ticket_id"))]  # fmt: skip
        return []

    def _tell(self, actor: Actor, agent_id: int, kind: str, text: str, ticket_id: int | None) -> None:
        store = self.store
        row = store.db.execute("SELECT name FROM agents WHERE id = ?", [agent_id]).fetchone()
        if row is None:
            return
        at = store.now()
        notification_id = store.insert(
            "notifications",
            {"agent_id": agent_id, "kind": kind, "text": text, "ticket_id": ticket_id, "at": at},
        )
        store.emit(
            actor, NOTIFIED, "agent", agent_id,
            id=notification_id, agent_id=agent_id, agent=row[0], kind=kind, text=text, ticket_id=ticket_id, at=at,
        )  # fmt: skip

    def unread(self, actor: Actor) -> list[dict]:
        """The signed-in agent's unread notifications, oldest first."""
        self.store.require(actor, "view")
        if actor.agent_id is None:
            return []
        return self.store.rows(
            "SELECT id, kind, text, ticket_id, at FROM notifications WHERE agent_id = ? AND read_at IS NULL "
            "ORDER BY id LIMIT 100",
            [actor.agent_id],
        )

    def mark_read(self, actor: Actor, ids: list[int]) -> None:
        self.store.require(actor, "view")
        if actor.agent_id is None or not ids:
            return
        with self.store.tx():
            self.store.db.execute(
                f"UPDATE notifications SET read_at = ? WHERE agent_id = ? AND id IN ({','.join('?' * len(ids))})",
                [self.store.now(), actor.agent_id, *ids],
            )
