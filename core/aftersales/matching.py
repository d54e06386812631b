"""Matching what a buyer asked about against the order: which order lines a request names, and what does
not match (a SKU not on the order, more than was ordered, another buyer's order). Used when a case opens
and again by the exception report, so both say the same thing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: (order line row, quantity asked, replacement SKU or "")
CaseLine = tuple[dict, int, str]


def match_request(
    order: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]],
    items: Iterable[Mapping[str, Any]],
    customer_id: int | None,
) -> tuple[list[CaseLine], list[str]]:
    """The case lines a request's ``items`` (``{"sku" or "order_line_id", "quantity"}``) name on ``order``
    (with ``lines``, its order line rows), and the problems of what does not match, one line each."""
    by_id = {line["id"]: dict(line) for line in lines}
    by_sku = {line["sku"]: line for line in by_id.values()}
    matched: list[CaseLine] = []
    problems: list[str] = []
    for item in items:
        qty = int(item.get("quantity", 1))
        line = by_id.get(item.get("order_line_id")) if item.get("order_line_id") else by_sku.get(item.get("sku"))
        if line is None:
            problems.append(f"SKU {item.get('sku') or item.get('order_line_id')!s} is not on order {order['external_id']}")
            continue
        if qty > line["quantity"]:
            problems.append(f"{qty} x {line['sku']} asked, {line['quantity']} ordered")
            continue
        matched.append((line, qty, str(item.get("replacement_sku") or "")))
    if customer_id is not None and order["customer_id"] is not None and customer_id != order["customer_id"]:
        problems.append(f"the request comes from customer {customer_id}, the order belongs to {order['customer_id']}")
    return matched, problems
