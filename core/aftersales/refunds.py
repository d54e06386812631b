"""What a refund covers: which order lines, how many of each, and the amount, checked against what the
order and the case allow (never more than the lines are worth, never a line twice in one refund)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from crossdesk.aftersales.states import CaseError
from crossdesk.errors import PermissionDenied
from crossdesk.models import Actor
from crossdesk.orders import Rates
from crossdesk.store import Store


def refund_amount(
    store: Store,
    case: Mapping[str, Any],
    order: Mapping[str, Any],
    amount_minor: int | None,
    lines: Sequence[Mapping[str, Any]] | None,
    money: Callable[[int, str], str],
) -> tuple[list[tuple[dict, int, int]], int]:
    """What a refund covers: ``[(order line, quantity, amount)]`` and the total in minor units.

    ``lines`` (``{"sku" or "order_line_id", "quantity"}``) refunds order lines at their price;
    ``amount_minor`` alone is a partial refund of the order; neither refunds the case's own lines (or its
    requested amount when it has none). :class:`CaseError` says what does not fit."""
    order_lines = {
        r["id"]: dict(r)
        for r in store.db.query("SELECT * FROM order_lines WHERE order_id = ?", [order["id"]])
    }
    by_sku = {line["sku"]: line for line in order_lines.values()}
    chosen: list[tuple[dict, int, int]] = []
    if lines is None and amount_minor is None:
        lines = [
            {"order_line_id": r["order_line_id"], "quantity": r["quantity"]}
            for r in store.db.query("SELECT * FROM case_lines WHERE case_id = ?", [case["id"]])
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
                f"{money(amount, order['currency'])} is more than the lines are worth ({money(lines_total, order['currency'])})"
            )
    if amount <= 0:
        raise CaseError("a refund must be a positive amount")
    return chosen, amount


def repeat_of(
    store: Store,
    case_id: int,
    amount: int,
    chosen: Sequence[tuple[dict, int, int]],
    since: int,
    money: Callable[[int, str], str],
) -> None:
    """Refuse a refund identical to one made on this case since ``since`` (same amount, same lines): the
    double refund of a command run again after it died right after its commit. :class:`CaseError` says
    what was refunded, by whom and when, and how to do it again on purpose."""
    wanted = sorted((line["id"], qty) for line, qty, _ in chosen)
    for refund in store.rows(
        "SELECT * FROM refunds WHERE case_id = ? AND amount_minor = ? AND created_at >= ? ORDER BY id DESC",
        [case_id, amount, since],
    ):
        lines = sorted(
            tuple(r)
            for r in store.db.execute(
                "SELECT order_line_id, quantity FROM refund_lines WHERE refund_id = ?", [refund["id"]]
            ).fetchall()
        )
        if lines == wanted:
            when = dt.datetime.fromtimestamp(refund["created_at"], dt.UTC).strftime("%Y-%m-%d %H:%M")
            raise CaseError(
                f"{money(amount, refund['currency'])} was already refunded on case {case_id} by "
                f"{refund['actor']} at {when} UTC (refund {refund['id']}); to refund it again, force it (--force)"
            )


def refunded(store: Store, order_id: int) -> int:
    """Minor units refunded on an order so far."""
    row = store.db.execute(
        "SELECT COALESCE(SUM(amount_minor), 0) FROM refunds WHERE order_id = ?", [order_id]
    )
    return int(row.fetchone()[0])


def check_limit(store: Store, rates: Rates, actor: Actor, order: Mapping[str, Any], amount: int) -> None:
    """Hold a refund to the actor's limit (the ``refund_limits`` setting, USD cents per role), counting
    every refund already made on the order, by anyone, on any of its cases: 49 + 49 + 12 is 110. A
    currency without a rate cannot be held to a limit, so only a role without one may refund it.
    :class:`PermissionDenied` says why; call inside the refund's transaction."""
    limit = store.refund_limits().get(actor.role)
    if limit is None:
        return
    currency = order["currency"]
    usd = rates.usd_minor(amount, currency)
    if usd is None:
        raise PermissionDenied(
            actor,
            "refund",
            f"this desk has no rate for {currency}, so a refund in {currency} cannot be held to the "
            f"{actor.role.value} limit; add a rate for {currency} or ask an admin",
        )
    before = rates.usd_minor(refunded(store, order["id"]), currency) or 0
    if before + usd > limit:
        already = (
            f" (already refunded USD {before / 100:.2f} on order {order['external_id']})" if before else ""
        )
        raise PermissionDenied(
            actor,
            "refund",
            f"USD {usd / 100:.2f}{already} is above the {actor.role.value} limit of USD {limit / 100:.2f}; "
            "ask a supervisor",
        )
