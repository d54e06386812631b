"""The case service (``desk.cases``): returns, exchanges, refunds, cancellations and complaints.

Every step is one service call: permission first (nothing is written when it is refused), then the checks,
then - in one transaction - the case row, a case event, the audit row, the platform action in the outbox
(or the manual next step where the platform has no API for it) and, for refunds, the refund rows. A failure
anywhere leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from crossdesk.aftersales import actions, states, views
from crossdesk.aftersales.states import GOODS_COME_BACK, PERMISSIONS, TRANSITIONS
from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor
from crossdesk.orders import Rates
from crossdesk.outbox import OutboxService
from crossdesk.platforms import RefundLine
from crossdesk.policy import PLATFORMS, ReturnQuery, Verdict, evaluate_return, load_policies
from crossdesk.store import Store

DAY = 86400


class CaseError(DeskError):
    """A case step that cannot be done as asked; the message says why in one line."""


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _day(epoch: int | None) -> dt.date | None:
    return None if epoch is None else dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()


def _end_of_day(day: dt.date) -> int:
    """The last second of ``day`` in UTC: a legal deadline lasts the whole day."""
    return int(dt.datetime.combine(day, dt.time(23, 59, 59), dt.UTC).timestamp())


class CaseService:
    """After-sales cases on one desk. Every method takes the acting :class:`~crossdesk.models.Actor` first."""

    def __init__(self, store: Store, rates: Rates, outbox: OutboxService) -> None:
        self.store = store
        self.db = store.db
        self.rates = rates
        self.outbox = outbox
        self._policies: list | None = None

    # ---- reading ---------------------------------------------------------------------------------------

    def get(self, actor: Actor, case_id: int) -> dict:
        """One case with its lines, refunds, reservations, events and verdict (parsed)."""
        self.store.require(actor, "view")
        case = self._row(case_id)
        case["verdict"] = orjson.loads(case["verdict"] or "{}")
        case["request"] = orjson.loads(case["request"] or "{}")
        case["lines"] = [
            dict(r)
            for r in self.db.query(
                "SELECT cl.*, ol.sku, ol.title, ol.unit_price_minor, ol.quantity AS ordered_quantity "
                "FROM case_lines cl JOIN order_lines ol ON ol.id = cl.order_line_id WHERE cl.case_id = ?",
                [case_id],
            )
        ]
        case["refunds"] = [
            dict(r) for r in self.db.query("SELECT * FROM refunds WHERE case_id = ?", [case_id])
        ]
        case["reservations"] = [
            dict(r) for r in self.db.query("SELECT * FROM reservations WHERE case_id = ?", [case_id])
        ]
        case["events"] = [
            {**dict(r), "data": orjson.loads(r["data"])}
            for r in self.db.query("SELECT * FROM case_events WHERE case_id = ? ORDER BY id", [case_id])
        ]
        return case

    def list(
        self,
        actor: Actor,
        *,
        state: str | Iterable[str] | None = None,
        type: str | None = None,
        platform: str | None = None,
        order_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict]:
        """Cases, oldest request first; ``state`` may be one state or several."""
        self.store.require(actor, "view")
        where, args = [], []
        if state is not None:
            wanted = [state] if isinstance(state, str) else list(state)
            for s in wanted:
                _check_state(s)
            where.append(f"state IN ({','.join('?' * len(wanted))})")
            args += wanted
        for column, value in (("type", type), ("platform", platform), ("order_id", order_id)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = "SELECT * FROM cases" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY requested_at, id LIMIT ? OFFSET ?"
        return [dict(r) for r in self.db.query(sql, [*args, limit, offset])]

    def refundable(self, actor: Actor, order_id: int) -> int:
        """Minor units still refundable on an order: paid minus refunds made."""
        self.store.require(actor, "view")
        return max(0, self._order(order_id)["total_minor"] - self._refunded(order_id))

    # ---- read models for front ends (crossdesk.aftersales.views) ---------------------------------------

    def order_cases(self, actor: Actor, order_id: int) -> views.OrderCases:
        """An order with its lines and its cases, each with its audit rows and the steps ``actor`` may
        take on it now."""
        self.store.require(actor, "view")
        rows = self.list(actor, order_id=order_id, limit=views.CASES_PER_ORDER)
        cases = [self.get(actor, row["id"]) for row in rows]
        return views.order_cases(self.store, self.rates, actor, order_id, cases)

    def quote(self, actor: Actor, case_id: int) -> views.RefundQuote:
        """What a refund on this case would be: what is left on the order, the suggested amount, whether
        the goods are still to come back. :class:`CaseError` when nothing is left to refund."""
        self.store.require(actor, PERMISSIONS["refund"])
        case = self._row(case_id)
        order = self._order(case["order_id"])
        quote = views.refund_quote(
            case, order, self._refunded(order["id"]), self.rates.minor_digits(order["currency"])
        )
        if quote.left <= 0:
            raise CaseError(f"nothing is left to refund on order {order['external_id']}")
        return quote

    # ---- opening and evaluating -----------------------------------------------------------------------

    def open(
        self,
        actor: Actor,
        *,
        type: str,
        order_id: int,
        items: Sequence[Mapping[str, Any]] = (),
        reason: str = "",
        ticket_id: int | None = None,
        customer_id: int | None = None,
        requested_at: int | None = None,
        external_id: str | None = None,
        requested_minor: int | None = None,
        flags: Iterable[str] = (),
        informed: bool | dt.date | None = None,
    ) -> int:
        """Open a case for an order. ``items`` are what the buyer asked about: ``{"sku", "quantity"}`` (and
        ``"replacement_sku"`` for an exchange), as platforms send them. Items that match the order become
        case lines; a request that does not match (unknown SKU, more than was ordered, another buyer's
        order) opens the case in the ``exception`` state with the reason. Return-type cases are evaluated
        against the return policies and keep the verdict."""
        self.store.require(actor, PERMISSIONS["open"])
        if type not in states.CASE_TYPES:
            raise CaseError(f"unknown case type {type!r}; expected one of {', '.join(states.CASE_TYPES)}")
        now = self.store.now()
        requested_at = int(requested_at if requested_at is not None else now)
        order = self._order(order_id)
        lines = {
            r["id"]: dict(r)
            for r in self.db.query("SELECT * FROM order_lines WHERE order_id = ?", [order_id])
        }
        by_sku = {line["sku"]: line for line in lines.values()}
        request = {
            "items": [dict(i) for i in items],
            "customer_id": customer_id,
            "flags": sorted(flags),
            "informed": informed.isoformat() if isinstance(informed, dt.date) else informed,
        }
        case_lines, problems = [], []
        for item in items:
            qty = int(item.get("quantity", 1))
            line = (
                lines.get(item.get("order_line_id"))
                if item.get("order_line_id")
                else by_sku.get(item.get("sku"))
            )
            if qty <= 0:
                raise CaseError(
                    f"item {item.get('sku') or item.get('order_line_id')}: quantity must be positive"
                )
            if line is None:
                problems.append(
                    f"SKU {item.get('sku') or item.get('order_line_id')!s} is not on order {order['external_id']}"
                )
                continue
            if qty > line["quantity"]:
                problems.append(f"{qty} x {line['sku']} asked, {line['quantity']} ordered")
                continue
            case_lines.append((line, qty, str(item.get("replacement_sku") or "")))
        if (
            customer_id is not None
            and order["customer_id"] is not None
            and customer_id != order["customer_id"]
        ):
            problems.append(
                f"the request comes from customer {customer_id}, the order belongs to {order['customer_id']}"
            )
        if type == "exchange" and not problems and not case_lines:
            raise CaseError("an exchange needs the items to exchange")
        if requested_minor is None:
            requested_minor = sum(line["unit_price_minor"] * qty for line, qty, _ in case_lines)
        row = {
            "type": type,
            "state": states.EXCEPTION if problems else states.REQUESTED,
            "ticket_id": ticket_id,
            "order_id": order_id,
            "customer_id": order["customer_id"],
            "platform": order["platform"],
            "shop_id": order["shop_id"],
            "external_id": external_id,
            "reason": reason,
            "currency": order["currency"],
            "requested_minor": int(requested_minor),
            "requested_at": requested_at,
            "updated_at": now,
            "request": _json(request),
            "exception_reason": "; ".join(problems),
        }
        with self.store.tx():
            if external_id is not None:
                dup = self.db.execute(
                    "SELECT id FROM cases WHERE platform = ? AND shop_id = ? AND external_id = ?",
                    [order["platform"], order["shop_id"], external_id],
                ).fetchone()
                if dup is not None:
                    return dup[0]  # the platform's return id is already a case: sync is an upsert
            case_id = self.db["cases"].insert(row).last_pk
            for line, qty, replacement in case_lines:
                self.db["case_lines"].insert(
                    {
                        "case_id": case_id,
                        "order_line_id": line["id"],
                        "quantity": qty,
                        "replacement_sku": replacement,
                    }
                )
            if type != "complaint":
                verdict = self._evaluate(case_id)
                self._store_verdict(case_id, verdict)
            self._event(actor, case_id, "open", "", row["state"], {"problems": problems})
            self.store.audit(actor, "case.open", "case", case_id, None, {**row, "request": request})
            self.store.emit(actor, "case_opened", "case", case_id, type=type, state=row["state"])
        return case_id

    def evaluate(self, actor: Actor, case_id: int) -> Verdict:
        """Evaluate (again) the return policies for a case and store the verdict and the refund due date."""
        self.store.require(actor, "handle_cases")
        with self.store.tx():
            self._row(case_id)
            verdict = self._evaluate(case_id)
            self._store_verdict(case_id, verdict)
            self.store.audit(actor, "case.evaluate", "case", case_id, None, {"verdict": verdict.summary()})
        return verdict

    def evaluate_missing(self, actor: Actor) -> dict[int, str]:
        """Evaluate every open case that has no verdict yet (cases the marketplace sync created), each on its
        own; returns ``{case_id: verdict summary or "error: ..."}``."""
        self.store.require(actor, "handle_cases")
        ids = [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM cases WHERE verdict = '{}' AND type <> 'complaint' AND state <> 'closed' "
                "AND order_id IS NOT NULL ORDER BY id"
            ).fetchall()
        ]
        out: dict[int, str] = {}
        for case_id in ids:
            try:
                out[case_id] = self.evaluate(actor, case_id).summary()
            except (DeskError, ValueError) as exc:
                out[case_id] = f"error: {exc}"
        return out

    def query_for(self, case_id: int) -> ReturnQuery:
        """The :class:`ReturnQuery` a case is judged on, from its order, lines, shop and request."""
        case = self._row(case_id)
        order = self._order(case["order_id"])
        request = orjson.loads(case["request"] or "{}")
        customer = (
            self.db.execute(
                "SELECT country, region FROM customers WHERE id = ?", [order["customer_id"]]
            ).fetchone()
            if order["customer_id"] is not None
            else None
        )
        shop = self.db.execute("SELECT config FROM shops WHERE id = ?", [order["shop_id"]]).fetchone()
        config = orjson.loads(shop[0]) if shop else {}
        delivered_rows = self.db.execute(
            "SELECT DISTINCT ol.delivered_at FROM order_lines ol "
            "WHERE ol.order_id = ? AND ol.delivered_at IS NOT NULL AND (NOT EXISTS "
            "(SELECT 1 FROM case_lines c WHERE c.case_id = ?) OR ol.id IN "
            "(SELECT order_line_id FROM case_lines WHERE case_id = ?))",
            [order["id"], case_id, case_id],
        ).fetchall()
        delivered = sorted({_day(r[0]) for r in delivered_rows})
        if not delivered and order["delivered_at"] is not None:
            delivered = [_day(order["delivered_at"])]
        informed = request.get("informed")
        if informed is None:
            informed = config.get("informs_withdrawal", True)
        if isinstance(informed, str):
            informed = dt.date.fromisoformat(informed)
        days = config.get("return_days")
        platform = order["platform"] if order["platform"] in PLATFORMS else None
        return ReturnQuery(
            country=order["country"] or (customer[0] if customer else "") or None,
            region=order["region"] or (customer[1] if customer else "") or None,
            platform=platform,
            ordered=_day(order["ordered_at"]),
            delivered=delivered,
            requested=_day(case["requested_at"]),
            informed=informed,
            flags=frozenset(request.get("flags") or ()),
            seller_policy_days=None if days is None else int(days),
        )

    # ---- steps -------------------------------------------------------------------------------------------

    def approve(self, actor: Actor, case_id: int, *, note: str = "") -> dict:
        """Approve a request. An exchange reserves its replacement stock first: no stock, no approval."""
        self.store.require(actor, PERMISSIONS["approve"])
        with self.store.tx():
            case = self._row(case_id)
            self._allowed(case, "approve")
            if case["type"] == "exchange":
                self._reserve(case)
            self._platform(actor, case, "approve", decision="approve", note=note)
            return self._move(actor, case, "approve", {"decided_at": self.store.now()}, {"note": note})

    def decline(self, actor: Actor, case_id: int, reason: str) -> dict:
        """Decline a request; the reason is required and goes to the platform."""
        self.store.require(actor, PERMISSIONS["decline"])
        reason = (reason or "").strip()
        if not reason:
            raise CaseError("a decline needs a reason")
        with self.store.tx():
            case = self._row(case_id)
            self._allowed(case, "decline")
            self._platform(actor, case, "decline", decision="decline", reason=reason)
            self._release(case_id)
            return self._move(
                actor,
                case,
                "decline",
                {"decline_reason": reason, "decided_at": self.store.now()},
                {"reason": reason},
            )

    def issue_label(self, actor: Actor, case_id: int, *, tracking: str = "", carrier: str = "") -> dict:
        self.store.require(actor, PERMISSIONS["issue_label"])
        with self.store.tx():
            case = self._row(case_id)
            self._allowed(case, "issue_label")
            self._needs_goods(case, "issue_label")
            patch = {"label_at": self.store.now(), "return_tracking": tracking}
            return self._move(actor, case, "issue_label", patch, {"tracking": tracking, "carrier": carrier})

    def ship_back(self, actor: Actor, case_id: int, *, tracking: str = "") -> dict:
        """The buyer sent the goods back (tracking seen moving)."""
        self.store.require(actor, PERMISSIONS["ship_back"])
        with self.store.tx():
            case = self._row(case_id)
            self._allowed(case, "ship_back")
            self._needs_goods(case, "ship_back")
            patch = {"return_tracking": tracking or case["return_tracking"]}
            if case["label_at"] is None:
                patch["label_at"] = self.store.now()
            return self._move(actor, case, "ship_back", patch, {"tracking": tracking})

    def receive(self, actor: Actor, case_id: int, *, at: int | None = None) -> dict:
        """The goods are back. Where the law counts the refund from receipt, the due date is set now."""
        self.store.require(actor, PERMISSIONS["receive"])
        with self.store.tx():
            case = self._row(case_id)
            self._allowed(case, "receive")
            self._needs_goods(case, "receive")
            received = int(at if at is not None else self.store.now())
            patch: dict[str, Any] = {"received_at": received}
            terms = _refund_terms(orjson.loads(case["verdict"] or "{}"))
            if terms.get("refund_from") == "receipt" and terms.get("refund_days") is not None:
                due = _day(received) + dt.timedelta(days=int(terms["refund_days"]))
                patch["refund_due"] = min(case["refund_due"] or _end_of_day(due), _end_of_day(due))
            return self._move(actor, case, "receive", patch, {"at": received})

    def refund(
        self,
        actor: Actor,
        case_id: int,
        *,
        amount_minor: int | None = None,
        currency: str | None = None,
        lines: Sequence[Mapping[str, Any]] | None = None,
        reason: str = "",
        without_return: bool = False,
    ) -> int:
        """Record a refund and move the case to ``refunded``, in one transaction. Returns the refund id.

        ``lines`` (``{"sku" or "order_line_id", "quantity"}``) refunds order lines at their price, each line
        at most once; ``amount_minor`` alone is a partial refund of the order; with no argument the case's
        own lines are refunded. Never more than paid minus already refunded, always in the order's currency.
        A return's goods must be received first unless ``without_return``. Amounts above the actor's limit
        need a supervisor (the permission check says so and writes nothing).
        """
        self.store.require(actor, PERMISSIONS["refund"])  # may refund at all; the amount is checked below
        case = self._row(case_id)
        order = self._order(case["order_id"])
        if currency is not None and currency.strip().upper() != order["currency"]:
            raise CaseError(
                f"refund currency {currency.strip().upper()} does not match the order's currency {order['currency']}"
            )
        refund_lines, amount = self._refund_amount(case, order, amount_minor, lines)
        usd_minor = round(self.rates.to_usd(amount, order["currency"]) * 100)
        self.store.require(actor, PERMISSIONS["refund"], amount_usd_minor=usd_minor)
        with self.store.tx():
            case = self._row(case_id)  # re-read inside the transaction: another agent may have moved it
            self._allowed(case, "refund")
            if case["type"] in GOODS_COME_BACK and case["received_at"] is None and not without_return:
                raise CaseError(
                    f"case {case_id}: the goods are not received yet; refund after receipt or say without_return"
                )
            refunded = self._refunded(order["id"])
            remaining = order["total_minor"] - refunded
            if amount > remaining:
                raise CaseError(
                    f"a refund of {self._money(amount, order['currency'])} is more than remains refundable on order "
                    f"{order['external_id']} ({self._money(remaining, order['currency'])}: paid "
                    f"{self._money(order['total_minor'], order['currency'])}, refunded {self._money(refunded, order['currency'])})"
                )
            for line, _qty, _amount in refund_lines:
                done = self.db.execute(
                    "SELECT refund_id FROM refund_lines WHERE order_line_id = ?", [line["id"]]
                ).fetchone()
                if done is not None:
                    raise CaseError(
                        f"line {line['sku']} of order {order['external_id']} was already refunded (refund {done[0]})"
                    )
            now = self.store.now()
            refund_id = (
                self.db["refunds"]
                .insert(
                    {
                        "case_id": case_id,
                        "order_id": order["id"],
                        "amount_minor": amount,
                        "currency": order["currency"],
                        "reason": reason,
                        "actor": actor.name,
                        "created_at": now,
                    }
                )
                .last_pk
            )
            for line, qty, line_amount in refund_lines:
                self.db["refund_lines"].insert(
                    {
                        "refund_id": refund_id,
                        "order_line_id": line["id"],
                        "quantity": qty,
                        "amount_minor": line_amount,
                    }
                )
            payload = {
                "refund_id": refund_id,
                "amount_minor": amount,
                "currency": order["currency"],
                "reason": reason,
                "lines": [
                    {"sku": line["sku"], "external_id": line["external_id"], "quantity": q}
                    for line, q, _ in refund_lines
                ],
            }
            self._platform(
                actor,
                case,
                "refund",
                key=f"refund:{refund_id}",
                amount_minor=amount,
                currency=order["currency"],
                digits=self.rates.minor_digits(order["currency"]),
                reason=reason,
                lines=tuple(
                    RefundLine(line_external_id=line["external_id"], quantity=q, sku=line["sku"])
                    for line, q, _ in refund_lines
                ),
            )
            self.store.audit(actor, "refund.create", "refund", refund_id, None, payload)
            self._move(
                actor,
                case,
                "refund",
                {"refunded_minor": case["refunded_minor"] + amount},
                {"refund_id": refund_id, "amount_minor": amount},
            )
        return refund_id

    def ship_replacement(self, actor: Actor, case_id: int, *, tracking: str = "") -> dict:
        """Send the exchange's replacement: its reserved stock leaves the inventory."""
        self.store.require(actor, PERMISSIONS["ship_replacement"])
        with self.store.tx():
            case = self._row(case_id)
            self._allowed(case, "ship_replacement")
            if case["type"] != "exchange":
                raise CaseError(f"case {case_id} is a {case['type']}, not an exchange")
            now = self.store.now()
            for res in self.db.query(
                "SELECT * FROM reservations WHERE case_id = ? AND status = 'held'", [case_id]
            ):
                self.db.execute(
                    "UPDATE inventory SET on_hand = on_hand - ?, reserved = reserved - ?, updated_at = ? WHERE sku = ?",
                    [res["quantity"], res["quantity"], now, res["sku"]],
                )
                self.db.execute(
                    "UPDATE reservations SET status = 'shipped', updated_at = ? WHERE id = ?",
                    [now, res["id"]],
                )
            return self._move(actor, case, "ship_replacement", {}, {"tracking": tracking})

    def close(self, actor: Actor, case_id: int) -> dict:
        self.store.require(actor, PERMISSIONS["close"])
        with self.store.tx():
            case = self._row(case_id)
            self._allowed(case, "close")
            self._release(case_id)
            return self._move(actor, case, "close", {"closed_at": self.store.now()}, {})

    def flag(self, actor: Actor, case_id: int, reason: str) -> dict:
        """Move a case to the exception state with a reason (a mismatch, a lost parcel, a dispute)."""
        self.store.require(actor, PERMISSIONS["flag"])
        reason = (reason or "").strip()
        if not reason:
            raise CaseError("an exception needs a reason")
        with self.store.tx():
            case = self._row(case_id)
            self._allowed(case, "flag")
            return self._move(actor, case, "flag", {"exception_reason": reason}, {"reason": reason})

    # ---- one action by name (many cases at once: crossdesk.bulk) ---------------------------------------

    ACTIONS = (
        "approve",
        "decline",
        "issue_label",
        "ship_back",
        "receive",
        "refund",
        "ship_replacement",
        "close",
        "flag",
    )

    def act(self, actor: Actor, case_id: int, action: str, **params: Any) -> Any:
        """Run one step by name (the CLI and the bulk service use this)."""
        if action not in self.ACTIONS:
            raise CaseError(f"unknown case action {action!r}; expected one of {', '.join(self.ACTIONS)}")
        method = getattr(self, action)
        accepted = set(inspect.signature(method).parameters) - {"actor", "case_id"}
        if "reason" in params and "reason" not in accepted and "note" in accepted:
            params["note"] = params.pop("reason")  # an approval's reason is its note
        unknown = sorted(k for k, v in params.items() if k not in accepted and v is not None)
        if unknown:
            raise CaseError(
                f"{action} takes no {', '.join(unknown)}; it takes {', '.join(sorted(accepted)) or 'nothing'}"
            )
        return method(actor, case_id, **{k: v for k, v in params.items() if k in accepted})

    # ---- exceptions --------------------------------------------------------------------------------------

    def exception_report(
        self, actor: Actor, *, not_received_days: int = 14, now: int | None = None
    ) -> list[dict]:
        """Cases that need a look: requests that do not match their order, returns not received after
        ``not_received_days``, refunds past their due date, and cases acted on twice."""
        self.store.require(actor, "view")
        now = int(now if now is not None else self.store.now())
        out: list[dict] = []
        for case in self.db.query("SELECT * FROM cases WHERE state <> 'closed' ORDER BY id"):
            problems = self._mismatches(dict(case))
            for problem in problems:
                out.append({"case_id": case["id"], "kind": "mismatch", "detail": problem})
        limit = now - not_received_days * DAY
        for case in self.db.query(
            "SELECT * FROM cases WHERE type IN ('return', 'exchange') AND state IN ('approved', 'label_issued', "
            "'in_transit') AND received_at IS NULL AND COALESCE(label_at, decided_at, requested_at) < ? ORDER BY id",
            [limit],
        ):
            since = case["label_at"] or case["decided_at"] or case["requested_at"]
            out.append(
                {
                    "case_id": case["id"],
                    "kind": "not_received",
                    "detail": f"goods not received {(now - since) // DAY} days after {'the label' if case['label_at'] else 'approval'}",
                }
            )
        for case in self.db.query(
            "SELECT * FROM cases WHERE refund_due IS NOT NULL AND refund_due < ? AND refunded_minor = 0 "
            "AND state NOT IN ('declined', 'closed', 'refunded', 'replacement_shipped') ORDER BY id",
            [now],
        ):
            out.append(
                {
                    "case_id": case["id"],
                    "kind": "refund_overdue",
                    "detail": f"refund was due {_day(case['refund_due']).isoformat()}, {(now - case['refund_due']) // DAY + 1} days ago",
                }
            )
        for row in self.db.query(
            "SELECT case_id, action, COUNT(*) AS n FROM case_events WHERE action IN "
            "('approve', 'decline', 'refund', 'ship_replacement', 'receive') GROUP BY case_id, action HAVING n > 1 "
            "ORDER BY case_id"
        ):
            out.append(
                {
                    "case_id": row["case_id"],
                    "kind": "acted_twice",
                    "detail": f"{row['action']} done {row['n']} times",
                }
            )
        out.sort(key=lambda r: (r["case_id"], r["kind"]))
        return out

    # ---- inventory -----------------------------------------------------------------------------------------

    def set_stock(self, actor: Actor, sku: str, on_hand: int) -> dict:
        """Set the stock on hand of a SKU (never below what is reserved)."""
        self.store.require(actor, "manage_settings")
        sku = (sku or "").strip()
        if not sku or on_hand < 0:
            raise CaseError("stock needs a SKU and a quantity of 0 or more")
        with self.store.tx():
            before = self.db.execute(
                "SELECT on_hand, reserved FROM inventory WHERE sku = ?", [sku]
            ).fetchone()
            reserved = before[1] if before else 0
            if on_hand < reserved:
                raise CaseError(
                    f"SKU {sku}: {reserved} are reserved for exchanges; on hand cannot be {on_hand}"
                )
            self.db["inventory"].upsert(
                {"sku": sku, "on_hand": on_hand, "reserved": reserved, "updated_at": self.store.now()},
                pk="sku",
            )
            self.store.audit(
                actor,
                "inventory.set",
                "inventory",
                None,
                {"sku": sku, "on_hand": before and before[0]},
                {"sku": sku, "on_hand": on_hand},
            )
        return self.stock(actor, sku)

    def stock(self, actor: Actor, sku: str) -> dict:
        self.store.require(actor, "view")
        row = self.db.execute("SELECT sku, on_hand, reserved FROM inventory WHERE sku = ?", [sku]).fetchone()
        if row is None:
            return {"sku": sku, "on_hand": 0, "reserved": 0, "available": 0}
        return {"sku": row[0], "on_hand": row[1], "reserved": row[2], "available": row[1] - row[2]}

    # ---- internals ------------------------------------------------------------------------------------------

    def _money(self, amount_minor: int, currency: str) -> str:
        digits = self.rates.minor_digits(currency)
        return f"{currency} {amount_minor / 10**digits:.{digits}f}"

    def _row(self, case_id: int) -> dict:
        row = self.db.execute("SELECT * FROM cases WHERE id = ?", [case_id]).fetchone()
        if row is None:
            raise NotFound(f"no case {case_id} on this desk")
        cols = [d[0] for d in self.db.execute("SELECT * FROM cases LIMIT 0").description]
        return dict(zip(cols, row, strict=True))

    def _order(self, order_id: int | None) -> dict:
        if order_id is None:
            raise CaseError("the case has no order")
        row = self.db.execute("SELECT * FROM orders WHERE id = ?", [order_id]).fetchone()
        if row is None:
            raise NotFound(f"no order {order_id} on this desk")
        cols = [d[0] for d in self.db.execute("SELECT * FROM orders LIMIT 0").description]
        return dict(zip(cols, row, strict=True))

    def _allowed(self, case: dict, action: str) -> None:
        sources, _ = TRANSITIONS[action]
        if case["state"] not in sources:
            raise CaseError(
                f"case {case['id']} is {case['state']}; {action.replace('_', ' ')} needs it "
                f"{' or '.join(sorted(sources))}"
            )

    def _needs_goods(self, case: dict, action: str) -> None:
        if case["type"] not in GOODS_COME_BACK:
            raise CaseError(
                f"case {case['id']} is a {case['type']}: no goods come back, so no {action.replace('_', ' ')}"
            )

    def _update_case(self, case_id: int, patch: Mapping[str, Any]) -> None:
        """The one place a case row changes (so tests can fail it on purpose)."""
        self.db["cases"].update(case_id, dict(patch))

    def _move(
        self, actor: Actor, case: dict, action: str, patch: Mapping[str, Any], data: Mapping[str, Any]
    ) -> dict:
        _, target = TRANSITIONS[action]
        now = self.store.now()
        full = {**patch, "state": target, "updated_at": now}
        before = {k: case.get(k) for k in full}
        self._update_case(case["id"], full)
        self._event(actor, case["id"], action, case["state"], target, data)
        self.store.audit(actor, f"case.{action}", "case", case["id"], before, full)
        name = "case_decided" if action in ("approve", "decline") else "case_updated"
        self.store.emit(actor, name, "case", case["id"], action=action, state=target)
        return self._row(case["id"])

    def _event(
        self, actor: Actor, case_id: int, action: str, before: str, after: str, data: Mapping[str, Any]
    ) -> None:
        self.db["case_events"].insert(
            {
                "case_id": case_id,
                "at": self.store.now(),
                "actor": actor.name,
                "action": action,
                "from_state": before,
                "to_state": after,
                "data": _json(dict(data)),
            }
        )

    def _platform(self, actor: Actor, case: dict, step: str, key: str | None = None, **fields: Any) -> None:
        """Queue the platform's own action for this step, or set the manual next step where it has none.

        ``fields`` are the step's own (a decision and its note or reason, a refund's amount and lines);
        the platform ids come from the case and its order. Fields the platform's action type does not
        have are left out: an approval that is an order cancellation carries no decision or note."""
        found = actions.platform_step(
            case["platform"], step, case["type"], has_return_id=bool(case["external_id"])
        )
        if found.action is not None:
            order = self._order(case["order_id"])
            where = self.outbox.address(
                order["shop_id"] if case["shop_id"] is None else case["shop_id"],
                customer_id=order["customer_id"] if case["customer_id"] is None else case["customer_id"],
            )
            values = {
                "platform": where.platform,
                "shop_external_id": where.shop_external_id,
                "idempotency_key": key or f"case:{case['id']}:{step}",
                "buyer_external_id": where.buyer_external_id,
                "order_external_id": order["external_id"],
                "return_external_id": case["external_id"] or None,
                **dict(found.fields),
                **fields,
            }
            names = {f.name for f in dataclasses.fields(found.action)}
            action = found.action(**{k: v for k, v in values.items() if k in names})
            self.outbox.enqueue(actor, action, ticket_id=case["ticket_id"], case_id=case["id"])
        self._update_case(case["id"], {"next_step": found.manual})

    def _evaluate(self, case_id: int) -> Verdict:
        if self._policies is None:
            self._policies = load_policies(self.store.pm)
        return evaluate_return(self.query_for(case_id), policies=self._policies)

    def _store_verdict(self, case_id: int, verdict: Verdict) -> None:
        data = verdict.to_dict()
        patch: dict[str, Any] = {"verdict": _json(data)}
        due = _refund_terms(data).get("refund_due")
        if due:
            patch["refund_due"] = _end_of_day(dt.date.fromisoformat(due))
        self._update_case(case_id, patch)

    def _refunded(self, order_id: int) -> int:
        return int(
            self.db.execute(
                "SELECT COALESCE(SUM(amount_minor), 0) FROM refunds WHERE order_id = ?", [order_id]
            ).fetchone()[0]
        )

    def _refund_amount(
        self, case: dict, order: dict, amount_minor: int | None, lines: Sequence[Mapping[str, Any]] | None
    ) -> tuple[list[tuple[dict, int, int]], int]:
        order_lines = {
            r["id"]: dict(r)
            for r in self.db.query("SELECT * FROM order_lines WHERE order_id = ?", [order["id"]])
        }
        by_sku = {line["sku"]: line for line in order_lines.values()}
        chosen: list[tuple[dict, int, int]] = []
        if lines is None and amount_minor is None:
            lines = [
                {"order_line_id": r["order_line_id"], "quantity": r["quantity"]}
                for r in self.db.query("SELECT * FROM case_lines WHERE case_id = ?", [case["id"]])
            ]
            if not lines:
                if case["requested_minor"] > 0:
                    amount_minor = case["requested_minor"]
                else:
                    raise CaseError(f"case {case['id']} has no lines and no requested amount: give an amount")
        for item in lines or ():
            line = (
                order_lines.get(item.get("order_line_id"))
                if item.get("order_line_id")
                else by_sku.get(item.get("sku"))
            )
            if line is None:
                raise CaseError(
                    f"{item.get('sku') or item.get('order_line_id')} is not a line of order {order['external_id']}"
                )
            qty = int(item.get("quantity", line["quantity"]))
            if not 0 < qty <= line["quantity"]:
                raise CaseError(
                    f"line {line['sku']}: refund quantity {qty} is not between 1 and {line['quantity']}"
                )
            chosen.append((line, qty, line["unit_price_minor"] * qty))
        lines_total = sum(a for _, _, a in chosen)
        if amount_minor is None:
            amount = lines_total
        else:
            amount = int(amount_minor)
            if chosen and amount > lines_total:
                raise CaseError(
                    f"{self._money(amount, order['currency'])} is more than the lines are worth ({self._money(lines_total, order['currency'])})"
                )
        if amount <= 0:
            raise CaseError("a refund must be a positive amount")
        return chosen, amount

    def _reserve(self, case: dict) -> None:
        now = self.store.now()
        wanted: dict[str, int] = {}
        for row in self.db.query(
            "SELECT cl.quantity, cl.replacement_sku, ol.sku FROM case_lines cl JOIN order_lines ol "
            "ON ol.id = cl.order_line_id WHERE cl.case_id = ?",
            [case["id"]],
        ):
            sku = row["replacement_sku"] or row["sku"]
            wanted[sku] = wanted.get(sku, 0) + row["quantity"]
        if not wanted:
            raise CaseError(f"exchange case {case['id']} has no items to replace")
        for sku, qty in sorted(wanted.items()):
            # One conditional UPDATE: the check and the reservation cannot be split by another writer.
            cur = self.db.execute(
                "UPDATE inventory SET reserved = reserved + ?, updated_at = ? WHERE sku = ? AND on_hand - reserved >= ?",
                [qty, now, sku, qty],
            )
            if cur.rowcount != 1:
                have = self.db.execute(
                    "SELECT on_hand - reserved FROM inventory WHERE sku = ?", [sku]
                ).fetchone()
                raise CaseError(
                    f"no stock for {sku}: {qty} needed, {have[0] if have else 0} available; the exchange cannot be approved"
                )
            self.db.execute(
                "INSERT INTO reservations (case_id, sku, quantity, status, created_at, updated_at) VALUES (?, ?, ?, 'held', ?, ?) "
                "ON CONFLICT (case_id, sku) DO UPDATE SET quantity = excluded.quantity, status = 'held', updated_at = excluded.updated_at",
                [case["id"], sku, qty, now, now],
            )

    def _release(self, case_id: int) -> None:
        now = self.store.now()
        for res in self.db.query(
            "SELECT * FROM reservations WHERE case_id = ? AND status = 'held'", [case_id]
        ):
            self.db.execute(
                "UPDATE inventory SET reserved = reserved - ?, updated_at = ? WHERE sku = ?",
                [res["quantity"], now, res["sku"]],
            )
            self.db.execute(
                "UPDATE reservations SET status = 'released', updated_at = ? WHERE id = ?", [now, res["id"]]
            )

    def _mismatches(self, case: dict) -> list[str]:
        request = orjson.loads(case["request"] or "{}")
        if case["order_id"] is None:
            return []
        order = self._order(case["order_id"])
        lines = {
            r["sku"]: dict(r)
            for r in self.db.query("SELECT * FROM order_lines WHERE order_id = ?", [order["id"]])
        }
        by_id = {line["id"]: line for line in lines.values()}
        out = []
        for item in request.get("items") or ():
            line = (
                by_id.get(item.get("order_line_id"))
                if item.get("order_line_id")
                else lines.get(item.get("sku"))
            )
            qty = int(item.get("quantity", 1))
            if line is None:
                out.append(
                    f"SKU {item.get('sku') or item.get('order_line_id')} is not on order {order['external_id']}"
                )
            elif qty > line["quantity"]:
                out.append(f"{qty} x {line['sku']} asked, {line['quantity']} ordered")
        buyer = request.get("customer_id")
        if buyer is not None and order["customer_id"] is not None and buyer != order["customer_id"]:
            out.append(
                f"the request comes from customer {buyer}, the order belongs to {order['customer_id']}"
            )
        return out


def _refund_terms(verdict: Mapping[str, Any]) -> dict[str, Any]:
    """When the refund is due. The law binds the seller whichever policy served the buyer best, so the
    terms come from the best verdict if it has any, else from the strictest eligible law in ``considered``
    (the earliest due date)."""
    if verdict.get("refund_due") or verdict.get("refund_days") is not None:
        return dict(verdict)
    laws = [
        v
        for v in verdict.get("considered") or ()
        if v.get("kind") == "law"
        and v.get("eligible")
        and (v.get("refund_due") or v.get("refund_days") is not None)
    ]
    if not laws:
        return {}
    dated = [v for v in laws if v.get("refund_due")]
    return dict(min(dated, key=lambda v: v["refund_due"]) if dated else laws[0])


def _check_state(state: str) -> None:
    if state not in states.STATES:
        raise CaseError(f"unknown case state {state!r}; expected one of {', '.join(states.STATES)}")
