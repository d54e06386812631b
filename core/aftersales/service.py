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
from crossdesk.aftersales.inventory import Inventory
from crossdesk.aftersales.judging import day, end_of_day, refund_terms, return_query
from crossdesk.aftersales.matching import match_request
from crossdesk.aftersales.refunds import check_limit, refund_amount, refunded, repeat_of
from crossdesk.aftersales.report import exception_report
from crossdesk.aftersales.states import GOODS_COME_BACK, PERMISSIONS, TRANSITIONS, CaseError
from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor
from crossdesk.orders import Rates
from crossdesk.outbox import OutboxService, requests
from crossdesk.platforms import RefundLine
from crossdesk.policy import ReturnQuery, Verdict, evaluate_return, load_policies
from crossdesk.store import Store


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


class CaseService:
    """After-sales cases on one desk. Every method takes the acting :class:`~crossdesk.models.Actor` first."""

    def __init__(self, store: Store, rates: Rates, outbox: OutboxService) -> None:
        self.store = store
        self.db = store.db
        self.rates = rates
        self.outbox = outbox
        self.inventory = Inventory(store)
        self._policies: list | None = None

    # ---- reading ---------------------------------------------------------------------------------------

    def get(self, actor: Actor, case_id: int) -> dict:
        """One case with its lines, refunds, reservations, events and verdict (parsed)."""
        self.store.require(actor, "view")
        return views.case_detail(self.store, self._row(case_id))

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
        return views.list_cases(
            self.store, state=state, type=type, platform=platform, order_id=order_id, limit=limit, offset=offset
        )

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
        digits = self.rates.minor_digits(order["currency"])
        lines_value = views.lines_value(self.store, case_id)
        quote = views.refund_quote(case, order, self._refunded(order["id"]), digits, lines_value)
        if quote.left <= 0:
            raise CaseError(f"nothing is left to refund on order {order['external_id']}")
        if actor.permissions is not None:  # a custom role: its own limit (the roles setting)
            role = (self.store.get_setting("roles", None) or {}).get(actor.custom_role) or {}
            limit = role.get("refund_limit_usd_minor", 0)
        else:
            limit = self.store.refund_limits().get(actor.role)
        return dataclasses.replace(quote, limit_usd_minor=None if limit is None else int(limit))

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
        request = {
            "items": [dict(i) for i in items],
            "customer_id": customer_id,
            "flags": sorted(flags),
            "informed": informed.isoformat() if isinstance(informed, dt.date) else informed,
        }
        for item in items:
            if int(item.get("quantity", 1)) <= 0:
                raise CaseError(
                    f"item {item.get('sku') or item.get('order_line_id')}: quantity must be positive"
                )
        lines = self.store.rows("SELECT * FROM order_lines WHERE order_id = ?", [order_id])
        case_lines, problems = match_request(order, lines, items, customer_id)
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
        return return_query(self.store, case, self._order(case["order_id"]))

    # ---- steps -------------------------------------------------------------------------------------------

    def approve(self, actor: Actor, case_id: int, *, note: str = "", request_id: str | None = None) -> dict:
        """Approve a request. An exchange reserves its replacement stock first: no stock, no approval.
        ``request_id``: a rerun of the same request returns the case as it is (see :meth:`refund`)."""
        self.store.require(actor, PERMISSIONS["approve"])
        with self.store.tx():
            if requests.done(self.store, request_id, "approve", "case", case_id):
                return self._row(case_id)
            requests.record(self.store, actor, request_id, "approve", "case", case_id)
            case = self._row(case_id)
            self._allowed(case, "approve")
            if case["type"] == "exchange":
                self.inventory.reserve_exchange(case["id"])
            self._platform(actor, case, "approve", decision="approve", note=note)
            return self._move(actor, case, "approve", {"decided_at": self.store.now()}, {"note": note})

    def decline(self, actor: Actor, case_id: int, reason: str, *, request_id: str | None = None) -> dict:
        """Decline a request; the reason is required and goes to the platform."""
        self.store.require(actor, PERMISSIONS["decline"])
        reason = (reason or "").strip()
        if not reason:
            raise CaseError("a decline needs a reason")
        with self.store.tx():
            if requests.done(self.store, request_id, "decline", "case", case_id):
                return self._row(case_id)
            requests.record(self.store, actor, request_id, "decline", "case", case_id)
            case = self._row(case_id)
            self._allowed(case, "decline")
            self._platform(actor, case, "decline", decision="decline", reason=reason)
            self.inventory.release(case_id)
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
            terms = refund_terms(orjson.loads(case["verdict"] or "{}"))
            if terms.get("refund_from") == "receipt" and terms.get("refund_days") is not None:
                due = day(received) + dt.timedelta(days=int(terms["refund_days"]))
                patch["refund_due"] = min(case["refund_due"] or end_of_day(due), end_of_day(due))
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
        request_id: str | None = None,
        force: bool = False,
    ) -> int:
        """Record a refund and move the case to ``refunded``, in one transaction. Returns the refund id.

        ``lines`` (``{"sku" or "order_line_id", "quantity"}``) refunds order lines at their price, each line
        at most once; ``amount_minor`` alone is a partial refund of the order; with no argument the case's
        own lines are refunded. Never more than paid minus already refunded, always in the order's currency.
        A return's goods must be received first unless ``without_return``. The actor's limit counts every
        refund on the order; above it, or in a currency without a rate, it needs a supervisor or an admin.

        Once per request: a ``request_id`` already done on this case (within the ``request_window``
        setting) returns that refund and does nothing again; none given, the call is its own request. A
        refund identical to one made on the case within the window is refused unless ``force``.
        """
        self.store.require(actor, PERMISSIONS["refund"])  # may refund at all; the amount is checked below
        case = self._row(case_id)
        order = self._order(case["order_id"])
        if currency is not None and currency.strip().upper() != order["currency"]:
            raise CaseError(
                f"refund currency {currency.strip().upper()} does not match the order's currency {order['currency']}"
            )
        refund_lines, amount = refund_amount(self.store, case, order, amount_minor, lines, self._money)
        request_id = request_id or requests.new_id()
        with self.store.tx():
            earlier = requests.done(self.store, request_id, "refund", "case", case_id)
            if earlier is not None:
                return int(earlier["result_id"])
            check_limit(self.store, self.rates, actor, order, amount)
            if not force:
                since = self.store.now() - requests.window(self.store)
                repeat_of(self.store, case_id, amount, refund_lines, since, self._money)
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
            requests.record(self.store, actor, request_id, "refund", "case", case_id, refund_id)
            # A partial refund while the goods are still to come back leaves the case where it is.
            total = case["refunded_minor"] + amount
            partial = 0 < total < case["requested_minor"]
            stays = partial and case["type"] in GOODS_COME_BACK and case["received_at"] is None
            data = {"refund_id": refund_id, "amount_minor": amount, "partial": partial}
            self._move(actor, case, "refund", {"refunded_minor": total}, data, case["state"] if stays else "")
        return refund_id

    def ship_replacement(self, actor: Actor, case_id: int, *, tracking: str = "") -> dict:
        """Send the exchange's replacement: its reserved stock leaves the inventory."""
        self.store.require(actor, PERMISSIONS["ship_replacement"])
        with self.store.tx():
            case = self._row(case_id)
            self._allowed(case, "ship_replacement")
            if case["type"] != "exchange":
                raise CaseError(f"case {case_id} is a {case['type']}, not an exchange")
            self.inventory.ship(case_id)
            return self._move(actor, case, "ship_replacement", {}, {"tracking": tracking})

    def close(self, actor: Actor, case_id: int) -> dict:
        self.store.require(actor, PERMISSIONS["close"])
        with self.store.tx():
            case = self._row(case_id)
            self._allowed(case, "close")
            self.inventory.release(case_id)
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

    ACTIONS = ("approve", "decline", "issue_label", "ship_back", "receive", "refund", "ship_replacement")
    ACTIONS += ("close", "flag")

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
        when = int(now if now is not None else self.store.now())
        return exception_report(self.store, now=when, not_received_days=not_received_days)

    # ---- inventory -----------------------------------------------------------------------------------------

    def set_stock(self, actor: Actor, sku: str, on_hand: int) -> dict:
        """Set the stock on hand of a SKU (never below what is reserved)."""
        return self.inventory.set_stock(actor, sku, on_hand)

    def stock(self, actor: Actor, sku: str) -> dict:
        return self.inventory.stock(actor, sku)

    # ---- internals ------------------------------------------------------------------------------------------

    def _money(self, amount_minor: int, currency: str) -> str:
        digits = self.rates.minor_digits(currency)
        return f"{currency} {amount_minor / 10**digits:.{digits}f}"

    def _row(self, case_id: int) -> dict:
        row = self.store.row("SELECT * FROM cases WHERE id = ?", [case_id])
        if row is None:
            raise NotFound(f"no case {case_id} on this desk")
        return row

    def _order(self, order_id: int | None) -> dict:
        if order_id is None:
            raise CaseError("the case has no order")
        row = self.store.row("SELECT * FROM orders WHERE id = ?", [order_id])
        if row is None:
            raise NotFound(f"no order {order_id} on this desk")
        return row

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

    def _move(self, actor: Actor, case: dict, action: str, patch: Mapping, data: Mapping, target: str = "") -> dict:
        target = target or TRANSITIONS[action][1]
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
        event = {"case_id": case_id, "at": self.store.now(), "actor": actor.name, "action": action}
        self.store.insert(
            "case_events", {**event, "from_state": before, "to_state": after, "data": _json(dict(data))}
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
        due = refund_terms(data).get("refund_due")
        if due:
            patch["refund_due"] = end_of_day(dt.date.fromisoformat(due))
        self._update_case(case_id, patch)

    def _refunded(self, order_id: int) -> int:
        return refunded(self.store, order_id)
