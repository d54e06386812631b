"""The outbox: actions for the outside world (a reply, a return decision, a refund), queued in the
transaction of the change that caused them and sent later by :mod:`crossdesk.sync`'s dispatcher."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor
from crossdesk.store import Store, to_json


class OutboxService:
    """``desk.outbox``: queueing, idempotent by key."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def enqueue(
        self,
        actor: Actor,
        *,
        kind: str,
        platform: str,
        key: str,
        payload: Mapping[str, Any],
        shop_id: int | None = None,
        ticket_id: int | None = None,
        case_id: int | None = None,
    ) -> int:
        """Queue an action for a platform connector. ``key`` makes it idempotent: queueing the same key twice
        returns the first item and queues nothing."""
        store = self.store
        now = store.now()
        with store.tx():
            row = store.db.execute("SELECT id FROM outbox WHERE idempotency_key = ?", [key]).fetchone()
            if row is not None:
                return row[0]
            item = {
                "kind": kind,
                "platform": platform,
                "shop_id": shop_id,
                "ticket_id": ticket_id,
                "case_id": case_id,
                "payload": to_json(dict(payload)),
                "idempotency_key": key,
                "status": "pending",
                "created_at": now,
                "next_attempt_at": now,
            }
            pk = store.insert("outbox", item)
            store.audit(actor, "outbox.enqueue", "outbox", pk, None, {"kind": kind, "key": key})
        return pk

    # ---- reading and settling -------------------------------------------------------------------

    def items(self, actor: Actor, status: str | None = None, limit: int = 100) -> list[dict]:
        """Outbox items, oldest first, optionally of one status."""
        self.store.require(actor, "view")
        sql = "SELECT * FROM outbox" + (" WHERE status = ?" if status else "") + " ORDER BY id LIMIT ?"
        return self.store.rows(sql, [status, limit] if status else [limit])

    def item(self, item_id: int) -> dict:
        """One item's row; :class:`NotFound` when there is none."""
        found = self.store.row("SELECT * FROM outbox WHERE id = ?", [item_id])
        if found is None:
            raise NotFound(f"no outbox item #{item_id}")
        return found

    def resolve(self, actor: Actor, item_id: int, *, sent: bool) -> None:
        """A person's answer for a ``manual`` or ``failed`` item: it was done on the platform (``sent``),
        or it should be tried again."""
        store = self.store
        store.require(actor, "reply")
        with store.tx():
            item = self.item(item_id)
            if item["status"] not in ("manual", "failed"):
                raise DeskError(
                    f"outbox item #{item_id} is {item['status']}; only manual or failed items are resolved"
                )
            if sent:
                store.db.execute(
                    "UPDATE outbox SET status = 'sent', sent_at = ? WHERE id = ?", [store.now(), item_id]
                )
            else:
                store.db.execute(
                    "UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = '' WHERE id = ?",
                    [store.now(), item_id],
                )
            store.audit(
                actor,
                "outbox.resolve",
                "outbox",
                item_id,
                {"status": item["status"]},
                {"status": "sent" if sent else "pending"},
            )
