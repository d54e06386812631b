"""Orders and their lines: the upsert platforms and imports go through, and the order a screen shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor
from crossdesk.store import Store
from crossdesk.store.values import amounts, currency_code, required


class OrderService:
    """``desk.orders``: every order of every shop, unique on (platform, shop, external id)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def upsert(
        self,
        actor: Actor,
        *,
        platform: str,
        shop_id: int,
        external_id: str,
        customer_id: int | None,
        currency: str,
        ordered_at: int,
        lines: Sequence[Mapping[str, Any]],
        status: str = "paid",
        shipped_at: int | None = None,
        delivered_at: int | None = None,
        tracking_number: str = "",
        carrier: str = "",
        country: str = "",
        region: str = "",
        total_minor: int | None = None,
    ) -> int:
        """Insert or update an order and its lines (each line: sku, quantity, unit_price_minor, and
        optionally external_id, title, delivered_at). The total defaults to the sum of the lines."""
        store = self.store
        store.require(actor, "manage_settings")
        external_id = required(external_id, "order external_id")
        currency = currency_code(currency)
        clean_lines = []
        for i, line in enumerate(lines):
            qty = int(line.get("quantity", 1))
            price = int(line["unit_price_minor"])
            if qty <= 0:
                raise DeskError(f"order {external_id}: line {i + 1} has quantity {qty}; it must be positive")
            if price < 0:
                raise DeskError(f"order {external_id}: line {i + 1} has a negative price")
            clean_lines.append(
                {
                    "external_id": str(line.get("external_id") or i + 1),
                    "sku": required(str(line.get("sku", "")), f"order {external_id} line sku"),
                    "title": str(line.get("title", "")),
                    "quantity": qty,
                    "unit_price_minor": price,
                    "currency": currency,
                    "delivered_at": line.get("delivered_at", delivered_at),
                }
            )
        total = amounts(f"order {external_id}", clean_lines, total_minor)
        row = {
            "platform": platform,
            "shop_id": shop_id,
            "external_id": external_id,
            "customer_id": customer_id,
            "status": status,
            "currency": currency,
            "total_minor": total,
            "ordered_at": int(ordered_at),
            "shipped_at": shipped_at,
            "delivered_at": delivered_at,
            "tracking_number": tracking_number,
            "carrier": carrier,
            "country": country.upper(),
            "region": region.upper(),
        }
        with store.tx():
            order_id = self.id_of(platform, shop_id, external_id)
            if order_id is None:
                order_id = store.insert("orders", row)
                store.audit(actor, "order.create", "order", order_id, None, row)
                changed = row
            else:
                before = store.get("orders", order_id)
                changed = {k: v for k, v in row.items() if before[k] != v}
                if changed:
                    store.update("orders", order_id, changed)
                    store.audit(
                        actor, "order.update", "order", order_id, {k: before[k] for k in changed}, changed
                    )
            for line in clean_lines:
                line["order_id"] = order_id
                store.db.execute(
                    "INSERT INTO order_lines (order_id, external_id, sku, title, quantity, unit_price_minor, "
                    "currency, delivered_at) VALUES (:order_id, :external_id, :sku, :title, :quantity, "
                    ":unit_price_minor, :currency, :delivered_at) ON CONFLICT (order_id, external_id) DO UPDATE "
                    "SET sku = excluded.sku, title = excluded.title, quantity = excluded.quantity, "
                    "unit_price_minor = excluded.unit_price_minor, delivered_at = excluded.delivered_at",
                    line,
                )
            if changed:  # the buyer's segment follows their orders (a pipeline step)
                store.emit(actor, "order_upserted", "order", order_id, customer_id=customer_id)
        return order_id

    def id_of(self, platform: str, shop_id: int, external_id: str) -> int | None:
        """The desk's id of a platform's order, or None when the desk does not have it."""
        row = self.store.db.execute(
            "SELECT id FROM orders WHERE platform = ? AND shop_id = ? AND external_id = ?",
            [platform, shop_id, external_id],
        ).fetchone()
        return None if row is None else row[0]

    def get(self, actor: Actor, order_id: int) -> dict:
        """One order with its lines."""
        self.store.require(actor, "view")
        out = self.store.row("SELECT * FROM orders WHERE id = ?", [order_id])
        if out is None:
            raise NotFound(f"no order #{order_id}")
        out["lines"] = self.store.rows("SELECT * FROM order_lines WHERE order_id = ? ORDER BY id", [order_id])
        return out
