"""The outbox: actions for the outside world (a reply, a return decision, a refund), queued in the
transaction of the change that caused them and sent later by :mod:`crossdesk.sync`'s dispatcher."""

from __future__ import annotations

from dataclasses import dataclass

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor
from crossdesk.outbox import requests
from crossdesk.platforms import Action, from_json, to_json
from crossdesk.store import Store


@dataclass(frozen=True, slots=True)
class Address:
    """Where an action goes on its platform: the external ids a service puts on the action it queues."""

    platform: str
    shop_external_id: str
    order_external_id: str | None = None
    buyer_external_id: str | None = None


class OutboxService:
    """``desk.outbox``: queueing typed platform actions (:mod:`crossdesk.platforms`), idempotent by key."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def address(
        self, shop_id: int, *, customer_id: int | None = None, order_id: int | None = None
    ) -> Address:
        """The platform ids of a shop, and of a buyer and an order on it: what a service building an
        action resolves from the rows it has. The buyer's id is their first identity on this very shop
        (None when they have none there); :class:`NotFound` when the shop does not exist."""
        db = self.store.db
        shop = db.execute("SELECT platform, external_id FROM shops WHERE id = ?", [shop_id]).fetchone()
        if shop is None:
            raise NotFound(f"no shop #{shop_id}")
        order = buyer = None
        if order_id is not None:
            found = db.execute("SELECT external_id FROM orders WHERE id = ?", [order_id]).fetchone()
            order = found[0] if found else None
        if customer_id is not None:
            found = db.execute(
                "SELECT external_id FROM customer_identities WHERE customer_id = ? AND platform = ? "
                "AND shop_id = ? ORDER BY id LIMIT 1",
                [customer_id, shop[0], shop_id],
            ).fetchone()
            buyer = found[0] if found else None
        return Address(shop[0], shop[1], order or None, buyer or None)

    def enqueue(
        self, actor: Actor, action: Action, *, ticket_id: int | None = None, case_id: int | None = None
    ) -> int:
        """Queue a platform action for its shop's connector; returns the outbox item id. The kind,
        platform and shop come from the action; ``ticket_id`` and ``case_id`` say what it belongs to. The
        action's ``idempotency_key`` makes it idempotent: queueing the same key twice returns the first
        item and queues nothing."""
        store = self.store
        store.require(actor, "reply")
        payload = to_json(action)  # refuses anything but a registered action type, before any write
        now = store.now()
        with store.tx():
            key = action.idempotency_key
            row = store.db.execute("SELECT id FROM outbox WHERE idempotency_key = ?", [key]).fetchone()
            if row is not None:
                return row[0]
            shop = store.db.execute(
                "SELECT id FROM shops WHERE platform = ? AND external_id = ?",
                [action.platform, action.shop_external_id],
            ).fetchone()
            if shop is None:
                raise NotFound(f"no {action.platform} shop {action.shop_external_id!r} on this desk")
            item = {
                "kind": action.kind,
                "platform": action.platform,
                "shop_id": shop[0],
                "ticket_id": ticket_id,
                "case_id": case_id,
                "payload": payload,
                "idempotency_key": key,
                "status": "pending",
                "created_at": now,
                "next_attempt_at": now,
            }
            pk = store.insert("outbox", item)
            store.audit(actor, "outbox.enqueue", "outbox", pk, None, {"kind": action.kind, "key": key})
        return pk

    # ---- reading and settling -------------------------------------------------------------------

    def items(self, actor: Actor, status: str | None = None, limit: int = 100) -> list[dict]:
        """Outbox items, oldest first, optionally of one status."""
        self.store.require(actor, "view")
        sql = "SELECT * FROM outbox" + (" WHERE status = ?" if status else "") + " ORDER BY id LIMIT ?"
        return self.store.rows(sql, [status, limit] if status else [limit])

    def request(self, actor: Actor, request_id: str) -> dict | None:
        """The earlier run of a request id within the window (:mod:`crossdesk.outbox.requests`), or None."""
        self.store.require(actor, "view")
        found = self.store.row("SELECT * FROM requests WHERE request_id = ?", [request_id])
        if found is None or found["created_at"] < self.store.now() - requests.window(self.store):
            return None
        return found

    def item(self, item_id: int) -> dict:
        """One item's row; :class:`NotFound` when there is none."""
        found = self.store.row("SELECT * FROM outbox WHERE id = ?", [item_id])
        if found is None:
            raise NotFound(f"no outbox item #{item_id}")
        return found

    def action(self, actor: Actor, item_id: int) -> Action:
        """An item's action, read back as its type (:class:`DeskError` when the stored payload is not a
        valid action of its kind, which the dispatcher reports as ``failed``)."""
        self.store.require(actor, "view")
        item = self.item(item_id)
        try:
            return from_json(item["kind"], item["payload"])
        except ValueError as exc:
            raise DeskError(f"outbox item #{item_id}: {exc}") from None

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
