"""Shops: one row per shop on a marketplace (or own web shop) the seller answers buyers of."""

from __future__ import annotations

from collections.abc import Mapping

from crossdesk.errors import NotFound
from crossdesk.models import Actor
from crossdesk.store import Store, to_json
from crossdesk.store.values import required


class ShopService:
    """``desk.shops``. A shop of any platform, built-in or from a plugin, is created with :meth:`upsert`:
    ``platform`` is the name the platform plugin's spec declares."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def upsert(
        self,
        actor: Actor,
        *,
        platform: str,
        external_id: str,
        name: str,
        country: str = "",
        currency: str = "USD",
        marketplace: str = "",
        config: Mapping | None = None,
    ) -> int:
        """Create the shop, or update it when (platform, external id) exists. ``config`` holds only
        non-secret settings; credentials come from the environment or the credentials file."""
        store = self.store
        store.require(actor, "manage_settings")
        platform = required(platform, "platform").lower()
        external_id = required(external_id, "shop external_id")
        row = {
            "platform": platform,
            "external_id": external_id,
            "name": name or external_id,
            "country": country.upper(),
            "currency": currency.upper(),
            "marketplace": marketplace,
            "config": to_json(dict(config or {})),
        }
        with store.tx():
            existing = store.db.execute(
                "SELECT id FROM shops WHERE platform = ? AND external_id = ?", [platform, external_id]
            ).fetchone()
            if existing is None:
                row["created_at"] = store.now()
                shop_id = store.insert("shops", row)
                store.audit(actor, "shop.create", "shop", shop_id, None, row)
            else:
                shop_id = existing[0]
                before = store.get("shops", shop_id)
                if any(before[k] != v for k, v in row.items()):
                    store.update("shops", shop_id, row)
                    store.audit(actor, "shop.update", "shop", shop_id, before, row)
        return shop_id

    def id_of(self, platform: str, external_id: str) -> int:
        """The desk's id of a shop; :class:`NotFound` when the desk has no such shop."""
        row = self.store.db.execute(
            "SELECT id FROM shops WHERE platform = ? AND external_id = ?", [platform.lower(), external_id]
        ).fetchone()
        if row is None:
            raise NotFound(f"no {platform} shop {external_id!r} on this desk")
        return row[0]

    def list(self, actor: Actor) -> list[dict]:
        """Every shop of the desk (id, platform, external id, name), for filters and pickers."""
        self.store.require(actor, "view")
        return self.store.rows("SELECT id, platform, external_id, name FROM shops ORDER BY id")
