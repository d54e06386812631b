"""Stock for exchanges: what is on hand per SKU, what exchanges have reserved, and the reservation's life
(held when an exchange is approved, released when it is declined or closed, shipped with the
replacement). Reserving is one conditional UPDATE, so the check and the hold cannot be split by another
writer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossdesk.aftersales.states import CaseError
from crossdesk.models import Actor
from crossdesk.store import Store


class Inventory:
    """The ``inventory`` and ``reservations`` tables of one desk (used by the case service)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def set_stock(self, actor: Actor, sku: str, on_hand: int) -> dict:
        """Set the stock on hand of a SKU (never below what is reserved)."""
        store = self.store
        store.require(actor, "manage_settings")
        sku = (sku or "").strip()
        if not sku or on_hand < 0:
            raise CaseError("stock needs a SKU and a quantity of 0 or more")
        with store.tx():
            before = store.db.execute(
                "SELECT on_hand, reserved FROM inventory WHERE sku = ?", [sku]
            ).fetchone()
            reserved = before[1] if before else 0
            if on_hand < reserved:
                raise CaseError(f"SKU {sku}: {reserved} are reserved for exchanges; on hand cannot be {on_hand}")
            store.db.execute(
                "INSERT INTO inventory (sku, on_hand, reserved, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved, "
                "updated_at = excluded.updated_at",
                [sku, on_hand, reserved, store.now()],
            )
            store.audit(
                actor,
                "inventory.set",
                "inventory",
                None,
                {"sku": sku, "on_hand": before and before[0]},
                {"sku": sku, "on_hand": on_hand},
            )
        return self.stock(actor, sku)

    def stock(self, actor: Actor, sku: str) -> dict:
        """On hand, reserved and available units of a SKU (zeros for a SKU the desk does not stock)."""
        self.store.require(actor, "view")
        row = self.store.db.execute(
            "SELECT sku, on_hand, reserved FROM inventory WHERE sku = ?", [sku]
        ).fetchone()
        if row is None:
            return {"sku": sku, "on_hand": 0, "reserved": 0, "available": 0}
        return {"sku": row[0], "on_hand": row[1], "reserved": row[2], "available": row[1] - row[2]}

    def reserve_exchange(self, case_id: int) -> None:
        """Hold the replacements an exchange case asks for (its lines' replacement SKUs, else the same
        SKUs). Call inside the case's transaction."""
        wanted: dict[str, int] = {}
        for row in self.store.db.query(
            "SELECT cl.quantity, cl.replacement_sku, ol.sku FROM case_lines cl JOIN order_lines ol "
            "ON ol.id = cl.order_line_id WHERE cl.case_id = ?",
            [case_id],
        ):
            sku = row["replacement_sku"] or row["sku"]
            wanted[sku] = wanted.get(sku, 0) + row["quantity"]
        self.reserve(case_id, wanted)

    def reserve(self, case_id: int, wanted: Mapping[str, int]) -> None:
        """Hold ``wanted`` units per SKU for an exchange; :class:`CaseError` naming the SKU when there is
        not enough. Call inside the case's transaction."""
        store = self.store
        now = store.now()
        if not wanted:
            raise CaseError(f"exchange case {case_id} has no items to replace")
        for sku, qty in sorted(wanted.items()):
            cur = store.db.execute(
                "UPDATE inventory SET reserved = reserved + ?, updated_at = ? WHERE sku = ? AND on_hand - reserved >= ?",
                [qty, now, sku, qty],
            )
            if cur.rowcount != 1:
                have = store.db.execute("SELECT on_hand - reserved FROM inventory WHERE sku = ?", [sku]).fetchone()
                raise CaseError(
                    f"no stock for {sku}: {qty} needed, {have[0] if have else 0} available; the exchange cannot be approved"
                )
            store.db.execute(
                "INSERT INTO reservations (case_id, sku, quantity, status, created_at, updated_at) VALUES (?, ?, ?, 'held', ?, ?) "
                "ON CONFLICT (case_id, sku) DO UPDATE SET quantity = excluded.quantity, status = 'held', updated_at = excluded.updated_at",
                [case_id, sku, qty, now, now],
            )

    def release(self, case_id: int) -> None:
        """Give back what a case holds (declined or closed before shipping)."""
        self._settle(case_id, "released", "UPDATE inventory SET reserved = reserved - ?, updated_at = ? WHERE sku = ?")

    def ship(self, case_id: int) -> None:
        """The replacement left: what the case holds leaves the stock."""
        self._settle(
            case_id,
            "shipped",
            "UPDATE inventory SET on_hand = on_hand - ?1, reserved = reserved - ?1, updated_at = ?2 WHERE sku = ?3",
        )

    def _settle(self, case_id: int, status: str, stock_sql: str) -> None:
        store = self.store
        now = store.now()
        held: list[Any] = store.rows("SELECT * FROM reservations WHERE case_id = ? AND status = 'held'", [case_id])
        for res in held:
            store.db.execute(stock_sql, [res["quantity"], now, res["sku"]])
            store.db.execute(
                "UPDATE reservations SET status = ?, updated_at = ? WHERE id = ?", [status, now, res["id"]]
            )
