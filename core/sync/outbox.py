"""The outbox dispatcher: sends queued replies and after-sales actions to the marketplaces, once.

An outbox item moves ``pending -> sending -> sent``, or to ``failed`` (a refusal that retrying will not
fix, or too many attempts) or ``manual`` (the marketplace API cannot do it, or we cannot tell whether it
happened: a person checks on the platform and resolves it).

The guarantee, stated plainly: **an item is never sent twice by the dispatcher**, and never silently
dropped. How:

1. *Claim before sending.* ``pending -> sending`` is one conditional UPDATE committed before the request
   goes out, so two dispatchers (a cron job and the TUI) cannot both send an item. ``next_attempt_at`` of
   a ``sending`` item is its lease: when it passes, the item is considered abandoned.
2. *Retry only what surely did not happen.* Connectors retry 429s and connection failures themselves;
   an answer we did not get for a write (timeout, dropped connection, 5xx, unreadable 2xx) is
   *ambiguous* and is never simply retried.
3. *Reconcile the ambiguous and the abandoned.* An ambiguous item, or one left ``sending`` by a crash
   between the platform's "done" and our "mark sent", is checked on the platform with the connector's
   ``find_sent(kind, action)`` (eBay, Shopee and Shopify can look: the message in the conversation, the
   return's state, the refund note carrying our idempotency key). Found: ``sent``. Not found: back to
   ``pending``. A connector that cannot look (Amazon's Messaging API cannot read messages) sends the
   item to ``manual`` with a next step, rather than risk a second message to the buyer.

Items whose platform lacks the capability (a free-text Amazon reply, a Shopify message) go to
``manual`` with the step to take in the platform's own back office.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson

from crossdesk.errors import DeskError
from crossdesk.models import Actor
from crossdesk.orders import Rates
from crossdesk.outbox import OutboxService
from crossdesk.store import Store
from crossdesk.sync.connections import ConnectionError_, Connections
from crossdesk.sync.secrets import redact

log = logging.getLogger(__name__)

#: outbox kind -> (capability, connector method)
KINDS: dict[str, tuple[str, str]] = {
    "message": ("messages_out", "send_message"),
    "return_decision": ("returns_decide", "decide_return"),
    "refund": ("refunds", "refund"),
    "cancellation": ("cancellations", "cancel_order"),
}
#: The after-sales service queues platform-named kinds (``ebay.return_decide``...): kind -> (generic kind,
#: decision it implies, if any).
PLATFORM_ACTIONS: dict[str, tuple[str, str | None]] = {
    "return_decide": ("return_decision", None),
    "return_approve": ("return_decision", "approve"),
    "return_confirm": ("return_decision", "approve"),
    "return_decline": ("return_decision", "decline"),
    "return_dispute": ("return_decision", "decline"),
    "issue_refund": ("refund", None),
    "refund_create": ("refund", None),
    "refund": ("refund", None),
    "cancel": ("cancellation", None),
    "cancel_order": ("cancellation", None),
    "message": ("message", None),
    "send_message": ("message", None),
}
DECISION_WORDS = {"accept": "approve", "approve": "approve", "decline": "decline", "reject": "decline"}

VERBS = {
    "message": "send this message",
    "return_decision": "decide this return",
    "refund": "issue this refund",
    "cancellation": "cancel this order",
}


def generic_kind(kind: str) -> tuple[str, str | None]:
    """``ebay.return_decide`` -> ``("return_decision", None)``; ``message`` -> ``("message", None)``."""
    if kind in KINDS:
        return kind, None
    action = kind.split(".", 1)[1] if "." in kind else kind
    return PLATFORM_ACTIONS.get(action, (kind, None))


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
        rates: Rates,
        actor: Actor | None = None,
        max_attempts: int = 8,
        backoff: float = 60.0,
        max_backoff: float = 6 * 3600.0,
        lease: int = 300,
    ) -> None:
        self.store = store
        self.connections = connections
        self.outbox = outbox
        self.rates = rates
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

    def _connector(self, shop: Mapping[str, Any], report: DispatchReport) -> Any:
        try:
            return self.connections.connector(shop)
        except ConnectionError_ as exc:
            # A configuration problem, not the item's: it waits, its attempts untouched.
            report.skipped[shop["id"]] = str(exc)
            return None

    def _dispatch(self, item: dict, shop: Mapping[str, Any], report: DispatchReport) -> None:
        kind = generic_kind(item["kind"])[0]
        connector = self._connector(shop, report)
        if connector is None:
            return
        spec = KINDS.get(kind)
        display = getattr(self.connections.spec(shop["platform"]), "display_name", shop["platform"])
        if spec is None or spec[0] not in connector.capabilities:
            what = VERBS.get(kind, f"do {kind!r}")
            self._finish(
                item,
                "manual",
                f"{display} offers no API to {what}: do it in the {display} seller back office, "
                "then mark this item sent",
            )
            report.manual.append(item["id"])
            return
        if not self._claim(item):
            return  # another dispatcher took it
        action = self._action(item, shop)
        try:
            result = getattr(connector, spec[1])(action)
        except Exception as exc:
            self._failed_send(item, connector, action, exc, report)
            return
        self._mark_sent(item, result or {})
        report.sent.append(item["id"])

    def _claim(self, item: dict) -> bool:
        now = self.store.now()
        with self.store.tx():
            claimed = self.store.db.execute(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ? "
                "WHERE id = ? AND status = 'pending'",
                [now + self.lease, item["id"]],
            ).rowcount
        if claimed:
            item["attempts"] += 1
        return bool(claimed)

    def _failed_send(
        self, item: dict, connector: Any, action: Mapping[str, Any], exc: Exception, report: DispatchReport
    ) -> None:
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
        connector = self._connector(shop, report)
        if connector is None:
            return
        if not hasattr(connector, "find_sent"):
            self._finish(item, "manual", self._unverifiable(item, "a send was interrupted"))
            report.manual.append(item["id"])
            return
        action = self._action(item, shop)
        try:
            found = connector.find_sent(action["kind"], action)
        except Exception as exc:  # cannot look now: keep it parked, look again next run
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
        with self.store.tx():
            self.store.db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = '' WHERE id = ?",
                [self.store.now(), item["id"]],
            )
            payload = orjson.loads(item["payload"])
            if item["kind"] == "message" and external_id and payload.get("message_id"):
                # The platform's id replaces our placeholder, unless that id is somehow already stored.
                self.store.db.execute(
                    "UPDATE messages SET external_id = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM messages "
                    "WHERE platform = ? AND shop_id = ? AND external_id = ?)",
                    [
                        str(external_id),
                        payload["message_id"],
                        item["platform"],
                        item["shop_id"],
                        str(external_id),
                    ],
                )
            self.store.audit(
                self.actor, "outbox.sent", "outbox", item["id"], None, {"external_id": external_id}
            )

    # ---- what the connector gets ---------------------------------------------------------------

    def _action(self, item: dict, shop: Mapping[str, Any]) -> dict[str, Any]:
        """The item's payload plus what a connector needs to address it on the platform."""
        db = self.store.db
        action = dict(orjson.loads(item["payload"]))
        kind, decision = generic_kind(item["kind"])
        # The after-sales service's names for the same things.
        if decision or action.get("decision"):
            word = str(decision or action.get("decision")).lower()
            action["decision"] = DECISION_WORDS.get(word, word)
        if action.get("return_id"):
            action.setdefault("return_external_id", action["return_id"])
        if action.get("order_id"):
            action.setdefault("order_external_id", action["order_id"])
        if action.get("note") and not action.get("comment"):
            action["comment"] = action["note"]
        for line in action.get("lines") or []:
            if isinstance(line, dict) and line.get("external_id"):
                line.setdefault("line_external_id", line["external_id"])
        action.update(
            kind=kind,
            idempotency_key=item["idempotency_key"],
            created_at=item["created_at"],
            shop_external_id=shop["external_id"],
        )
        order_id = customer_id = None
        if item["ticket_id"] is not None:
            t = db.execute(
                "SELECT external_id, order_id, customer_id FROM tickets WHERE id = ?", [item["ticket_id"]]
            ).fetchone()
            if t:
                action.setdefault("thread_id", t[0])
                order_id, customer_id = t[1], t[2]
        if item["case_id"] is not None:
            c = db.execute(
                "SELECT external_id, order_id, customer_id, currency FROM cases WHERE id = ?",
                [item["case_id"]],
            ).fetchone()
            if c:
                if c[0]:
                    action.setdefault("case_external_id", c[0])
                    action.setdefault("return_external_id", c[0])
                order_id = order_id or c[1]
                customer_id = customer_id or c[2]
                if c[3]:
                    action.setdefault("currency", c[3])
        if order_id is not None and "order_external_id" not in action:
            o = db.execute("SELECT external_id, currency FROM orders WHERE id = ?", [order_id]).fetchone()
            if o:
                action["order_external_id"] = o[0]
                action.setdefault("currency", o[1])
        if customer_id is not None and "buyer_external_id" not in action:
            i = db.execute(
                "SELECT external_id FROM customer_identities WHERE customer_id = ? AND platform = ? AND shop_id = ? "
                "ORDER BY id LIMIT 1",
                [customer_id, item["platform"], item["shop_id"]],
            ).fetchone()
            if i:
                action["buyer_external_id"] = i[0]
        if "amount_minor" in action and "amount" not in action and action.get("currency"):
            digits = self.rates.minor_digits(action["currency"])
            action["amount"] = str(Decimal(int(action["amount_minor"])).scaleb(-digits))
        return action
