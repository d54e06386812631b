"""The facts a draft may rest on, gathered from the desk for one ticket: the thread, the order and its
lines, the tracking state, the return cases with their verdicts and citations, refunds already made,
matching knowledge-base articles, and the shop's tone settings. Nothing else reaches the model, and
:mod:`crossdesk.assist.guard` checks a draft's amounts, dates, numbers and refunds against these only.

What is left out on purpose: the buyer's name, e-mail, phone and address (a reply does not need them
and a hosted model should not see them), other tickets and other buyers, internal notes, agents' names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from crossdesk.models import Actor
from crossdesk.orders import OrderService, Rates
from crossdesk.store import Store
from crossdesk.templates import TemplateService
from crossdesk.tickets import TicketService

KB_ARTICLES = 3
KB_CHARS = 600
TONE_SETTING = "assist_tone"  # the demo sets it (crossdesk.demo.ai)  # desk setting: {"*": {...}, "<shop id>": {...}}
DEFAULT_TONE = {"formality": "polite", "sign_off": "", "max_sentences": 6}


def _day(ts: int | None) -> str | None:
    return dt.datetime.fromtimestamp(ts, dt.UTC).date().isoformat() if ts else None


def money(minor: int, currency: str, digits: int) -> str:
    return f"{minor / 10**digits:.{digits}f} {currency}"


def gather(
    store: Store,
    tickets: TicketService,
    orders: OrderService,
    templates: TemplateService,
    rates: Rates,
    actor: Actor,
    ticket_id: int,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """``(facts, thread)`` for one ticket. ``thread`` is the messages oldest first, each ``{"from":
    "buyer"|"seller", "language", "text"}`` (notes left out); it is data for the model, never
    instructions."""
    ticket = tickets.get(actor, ticket_id)
    thread = [
        {"from": "buyer" if m["direction"] == "in" else "seller", "language": m.get("language") or "",
         "text": m["body"]}
        for m in ticket["messages"]
        if m["direction"] in ("in", "out")
    ]  # fmt: skip
    facts: dict[str, Any] = {
        "ticket": {
            "platform": ticket["platform"],
            "subject": ticket.get("subject") or "",
            "intent": ticket.get("intent") or "",
            "buyer_language": ticket.get("language") or "",
        }
    }
    order_id = ticket.get("order_id")
    if order_id is not None:
        order = orders.get(actor, order_id)
        digits = rates.minor_digits(order["currency"])
        facts["order"] = {
            "number": order["external_id"],
            "status": order["status"],
            "total": money(order["total_minor"], order["currency"], digits),
            "ordered_on": _day(order["ordered_at"]),
            "shipped_on": _day(order.get("shipped_at")),
            "delivered_on": _day(order.get("delivered_at")),
            "lines": [
                {"sku": ln["sku"], "title": ln["title"], "quantity": ln["quantity"],
                 "unit_price": money(ln["unit_price_minor"], ln["currency"] or order["currency"], digits)}
                for ln in order["lines"]
            ],
        }  # fmt: skip
        if order.get("tracking_number"):
            state = (
                "delivered"
                if order.get("delivered_at")
                else ("in transit" if order.get("shipped_at") else "label created")
            )
            facts["tracking"] = {
                "number": order["tracking_number"],
                "carrier": order.get("carrier") or "",
                "state": state,
            }
        cases = store.rows(
            "SELECT id, type, state, verdict, requested_minor, refunded_minor, currency, refund_due, next_step "
            "FROM cases WHERE order_id = ? OR ticket_id = ? ORDER BY id",
            [order_id, ticket_id],
        )
        facts["cases"] = [_case(c, digits) for c in cases]
        refunds = store.rows(
            "SELECT amount_minor, currency, created_at FROM refunds WHERE order_id = ? ORDER BY id",
            [order_id],
        )
        facts["refunds_made"] = [
            {"amount": money(r["amount_minor"], r["currency"], digits), "on": _day(r["created_at"])}
            for r in refunds
        ]
    kb = templates.kb_suggest(actor, ticket_id, limit=KB_ARTICLES)
    facts["kb"] = [{"title": a.get("title", ""), "text": str(a.get("body", ""))[:KB_CHARS]} for a in kb]
    tone = dict(DEFAULT_TONE)
    stored = store.get_setting(TONE_SETTING, None) or {}
    tone.update(stored.get("*", {}))
    tone.update(stored.get(str(ticket["shop_id"]), {}))
    facts["tone"] = tone
    return facts, thread


def _case(c: dict[str, Any], digits: int) -> dict[str, Any]:
    verdict = orjson.loads(c["verdict"] or "{}")
    out: dict[str, Any] = {"type": c["type"], "state": c["state"], "next_step": c["next_step"] or ""}
    if c["requested_minor"]:
        out["requested"] = money(c["requested_minor"], c["currency"], digits)
    if c["refunded_minor"]:
        out["refunded"] = money(c["refunded_minor"], c["currency"], digits)
    if c["refund_due"]:
        out["refund_due"] = _day(c["refund_due"])
    if verdict:
        out["return_verdict"] = {
            "eligible": verdict.get("eligible"),
            "deadline": verdict.get("deadline"),
            "return_by": verdict.get("return_by"),
            "basis": verdict.get("basis", ""),  # the citation: the law or policy and its article
            "reasons": list(verdict.get("reasons", []))[:4],
            "policy": verdict.get("policy", ""),
        }
    return out


def refund_in_facts(facts: dict[str, Any]) -> bool:
    """Whether the facts hold a refund made, decided or due (only then may a draft speak of one)."""
    if facts.get("refunds_made"):
        return True
    for case in facts.get("cases", []):
        if case.get("refunded") or case.get("refund_due") or case.get("state") in ("refunded", "approved"):
            return True
    return False
