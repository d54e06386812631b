"""The outbox dispatcher: sends queued replies and after-sales actions to the marketplaces, once.

An outbox item moves ``pending -> sending -> sent``, or to ``failed`` (a refusal that retrying will not
fix, or too many attempts) or ``manual`` (the marketplace API cannot do it, or we cannot tell whether it
happened: a person checks on the platform and resolves it).

The guarantee, stated plainly: **an item is never sent twice by the dispatcher**, and never silently
dropped. How:

1. *Claim before sending.* ``pending -> sending`` is one conditional UPDATE committed before the request
   goes out, so two dispatchers (a cron job and the TUI) cannot both send an item. ``next_attempt_at`` of
   a ``sending`` item is its lease: when it passes, the item is considered abandoned. While the send is
   in flight (a connector may wait out rate limits for longer than any lease) the lease is renewed
   (:mod:`crossdesk.sync.lease`), so only a dispatcher that died loses its items.
2. *Retry only what surely did not happen.* Connectors retry 429s and connection failures themselves;
   an answer we did not get for a write (timeout, dropped connection, 5xx, unreadable 2xx) is
   *ambiguous* and is never simply retried.
3. *Reconcile the ambiguous and the abandoned.* An ambiguous item, or one left ``sending`` by a crash
   between the platform's "done" and our "mark sent", is checked on the platform with the connector's
   ``find_sent(action)`` (eBay, Shopee and Shopify can look: the message in the conversation, the
   return's state, the refund note carrying our idempotency key). Found: ``sent``. Not found: back to
   ``pending``. Seen something it cannot tell apart from this very action (a second partial refund on
   an eBay return next to one made by hand): ``manual``, never ``sent``. A connector that cannot look (Amazon's Messaging API cannot read messages) sends the
   item to ``manual`` with a next step, rather than risk a second message to the buyer.

Items whose platform lacks the capability (a free-text Amazon reply, a Shopify message) go to
``manual`` with the step to take in the platform's own back office.

Each item is stored as a typed action of :mod:`crossdesk.platforms` with every platform id it needs,
resolved when it was queued; the dispatcher reads it back as that object and calls the connector method
of its capability with it, unchanged. An item whose payload is not a valid action of its kind is
``failed`` with the reason (its row is kept as it is).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from crossdesk.errors import DeskError
from crossdesk.models import Actor
from crossdesk.outbox import OutboxService
from crossdesk.platforms import ACTIONS, Action, MessageOut, from_json
from crossdesk.store import Store
from crossdesk.sync.connections import ConnectionError_, Connections
from crossdesk.sync.lease import LeaseKeeper
from crossdesk.sync.secrets import redact

log = logging.getLogger(__name__)

#: outbox kind -> (capability, connector method), from the action types of :mod:`crossdesk.platforms`
KINDS: dict[str, tuple[str, str]] = {kind: (cls.capability, cls.method) for kind, cls in ACTIONS.items()}


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    manual: list[int] = field(default_factory=list)
    reconciled: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # shop id -> why its items waited

    def counts(self) -> dict[str, int]:
        return {
            "sent": len(self.sent),
            "retrying": len(self.retrying),
            "failed": len(self.failed),
            "manual": len(self.manual),
            "reconciled": len(self.reconciled),
        }


class OutboxDispatcher:
    """Sends due outbox items through each shop's connector."""

    def __init__(
        self,
        store: Store,
        connections: Connections,
        *,
        outbox: OutboxService,
        actor: Actor | None = None,
        max_attempts: int = 8,
        backoff: float = 60.0,
        max_backoff: float = 6 * 3600.0,
        lease: int = 300,
        channels: Mapping[str, Callable[[Mapping[str, Any]], Any]] | None = None,
    ) -> None:
        self.store = store
        #: thread-id prefix -> connector factory for a shop: a reply on a ticket whose thread id starts
        #: with ``<prefix>:`` (``email:``) goes out through that channel, not the marketplace's API
        self.channels = dict(channels or {})
        self.connections = connections
        self.outbox = outbox
        self.actor = actor or Actor.system("outbox")
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.lease = lease

    # ---- running -------------------------------------------------------------------------------

    def run(
        self, *, platform: str | None = None, shop: str | None = None, limit: int = 100
    ) -> DispatchReport:
        """Reconcile abandoned items, then send what is due (oldest first)."""
        self.store.require(self.actor, "reply")
        if self.store.db.conn.in_transaction:
            # A claim must be committed before its request goes out, or a crash could resend it.
            raise DeskError("the outbox cannot be dispatched inside an open transaction")
        report = DispatchReport()
        shops = {row["id"]: row for row in self.connections.shops(platform, shop)}
        now = self.store.now()
        stale = self.store.db.execute(
            "SELECT id FROM outbox WHERE status = 'sending' AND next_attempt_at <= ? ORDER BY id", [now]
        ).fetchall()
        for (item_id,) in stale:
            item = self.outbox.item(item_id)
            if item["shop_id"] in shops:
                self._reconcile(item, shops[item["shop_id"]], report)
        due = self.store.db.execute(
            "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id "
            "LIMIT ?",
            [now, limit],
        ).fetchall()
        for (item_id,) in due:
            item = self.outbox.item(item_id)
            shop_row = shops.get(item["shop_id"])
            if shop_row is None:
                continue
            self._dispatch(item, shop_row, report)
        return report

    def _connector(self, shop: Mapping[str, Any], report: DispatchReport, item: dict | None = None) -> Any:
        try:
            channel = self._channel(item)
            if channel is not None:
                return channel(shop)
            return self.connections.connector(shop)
        except ConnectionError_ as exc:
            # A configuration problem, not the item's: it waits, its attempts untouched.
            report.skipped[shop["id"]] = str(exc)
            return None

    def _channel(self, item: dict | None) -> Callable[[Mapping[str, Any]], Any] | None:
        if not self.channels or item is None or item["kind"] != MessageOut.kind:
            return None
        try:
            thread = str(orjson.loads(item["payload"]).get("thread_id") or "")
        except (orjson.JSONDecodeError, AttributeError):
            return None  # not an action: _action fails it with the reason
        return self.channels.get(thread.split(":", 1)[0]) if ":" in thread else None

    def _dispatch(self, item: dict, shop: Mapping[str, Any], report: DispatchReport) -> None:
        connector = self._connector(shop, report, item)
        if connector is None:
            return
        action = self._action(item, report)
        if action is None:
            return
        if action.capability not in connector.capabilities:
            display = getattr(self.connections.spec(shop["platform"]), "display_name", shop["platform"])
            self._finish(
                item,
                "manual",
                f"{display} offers no API to {action.verb}: do it in the {display} seller back office, "
                "then mark this item sent",
            )
            report.manual.append(item["id"])
            return
        if not self._claim(item):
            return  # another dispatcher took it
        try:
            with LeaseKeeper(self.store, item["id"], self.lease):  # renewed while the send is in flight
                result = getattr(connector, action.method)(action)
        except Exception as exc:
            self._failed_send(item, connector, exc, report)
            return
        self._mark_sent(item, result or {})
        report.sent.append(item["id"])

    def _claim(self, item: dict) -> bool:
        with self.store.tx():
            claimed = self.store.db.execute(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ? "
                "WHERE id = ? AND status = 'pending'",
                [math.ceil(self.store.clock() + self.lease), item["id"]],  # rounded up, as its renewals
            ).rowcount
        if claimed:
            item["attempts"] += 1
        return bool(claimed)

    def _failed_send(self, item: dict, connector: Any, exc: Exception, report: DispatchReport) -> None:
        message = redact(str(exc)) or type(exc).__name__
        step = getattr(exc, "manual_step", None)
        if step:
            self._finish(item, "manual", redact(step))
            report.manual.append(item["id"])
            return
        if getattr(exc, "ambiguous", False):
            if hasattr(connector, "find_sent"):
                # Look later rather than now: the platform may still be processing what it received.
                self._set(
                    item,
                    "sending",
                    f"unclear outcome, will check on the platform: {message}",
                    next_at=self.store.now() + self._delay(item["attempts"], None),
                )
                report.retrying.append(item["id"])
            else:
                self._finish(item, "manual", self._unverifiable(item, message))
                report.manual.append(item["id"])
            return
        if getattr(exc, "retryable", False) and item["attempts"] < self.max_attempts:
            delay = self._delay(item["attempts"], getattr(exc, "retry_after", None))
            self._set(item, "pending", message, next_at=self.store.now() + delay)
            report.retrying.append(item["id"])
            return
        self._finish(item, "failed", message)
        report.failed.append(item["id"])

    def _unverifiable(self, item: dict, message: str) -> str:
        return (
            f"{message}. It may have reached {item['platform']}, and {item['platform']} gives no way to "
            "check: look on the platform, then mark this item sent or retry it"
        )

    def _reconcile(self, item: dict, shop: Mapping[str, Any], report: DispatchReport) -> None:
        connector = self._connector(shop, report, item)
        if connector is None:
            return
        if not hasattr(connector, "find_sent"):
            self._finish(item, "manual", self._unverifiable(item, "a send was interrupted"))
            report.manual.append(item["id"])
            return
        action = self._action(item, report)
        if action is None:
            return
        try:
            found = connector.find_sent(action)
        except Exception as exc:  # cannot look now: keep it parked, look again next run
            step = getattr(exc, "manual_step", None)
            if step:  # it saw something it cannot tell apart from this action: a person decides
                self._finish(item, "manual", redact(step))
                report.manual.append(item["id"])
                return
            self._set(
                item,
                "sending",
                f"cannot check yet: {redact(str(exc))}",
                next_at=self.store.now() + self._delay(item["attempts"], None),
            )
            return
        if found is not None:
            self._mark_sent(item, found)
            report.reconciled.append(item["id"])
            report.sent.append(item["id"])
        elif item["attempts"] >= self.max_attempts:
            self._finish(item, "failed", "not found on the platform after the last attempt")
            report.failed.append(item["id"])
        else:
            self._set(
                item, "pending", "checked on the platform: not sent; will retry", next_at=self.store.now()
            )
            report.retrying.append(item["id"])

    # ---- state changes -------------------------------------------------------------------------

    def _delay(self, attempts: int, retry_after: float | None) -> int:
        delay = min(self.max_backoff, self.backoff * (2 ** max(0, attempts - 1)))
        if retry_after:
            delay = max(delay, retry_after)
        return int(delay)

    def _set(self, item: dict, status: str, error: str, *, next_at: int) -> None:
        with self.store.tx():
            self.store.db.execute(
                "UPDATE outbox SET status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
                [status, error, next_at, item["id"]],
            )

    def _finish(self, item: dict, status: str, error: str) -> None:
        with self.store.tx():
            self.store.db.execute(
                "UPDATE outbox SET status = ?, last_error = ? WHERE id = ?", [status, error, item["id"]]
            )
            self.store.audit(self.actor, f"outbox.{status}", "outbox", item["id"], None, {"reason": error})

    def _mark_sent(self, item: dict, result: Mapping[str, Any]) -> None:
        external_id = result.get("external_id")
        action = from_json(item["kind"], item["payload"])  # read once already: it is valid
        with self.store.tx():
            self.store.db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = '' WHERE id = ?",
                [self.store.now(), item["id"]],
            )
            if isinstance(action, MessageOut) and external_id and action.message_id:
                # The platform's id replaces our placeholder, unless that id is somehow already stored.
                self.store.db.execute(
                    "UPDATE messages SET external_id = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM messages "
                    "WHERE platform = ? AND shop_id = ? AND external_id = ?)",
                    [
                        str(external_id),
                        action.message_id,
                        item["platform"],
                        item["shop_id"],
                        str(external_id),
                    ],
                )
            self.store.audit(
                self.actor, "outbox.sent", "outbox", item["id"], None, {"external_id": external_id}
            )

    # ---- what the connector gets ---------------------------------------------------------------

    def _action(self, item: dict, report: DispatchReport) -> Action | None:
        """The item's action as its type, exactly as it was queued; an item that does not read as one is
        ``failed`` with the reason (no connector could send it, and retrying will not change it)."""
        try:
            return from_json(item["kind"], item["payload"])
        except ValueError as exc:
            self._finish(item, "failed", f"cannot read this outbox item: {exc}")
            report.failed.append(item["id"])
            return None
