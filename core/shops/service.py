"""Shops: one row per shop on a marketplace (or own web shop) the seller answers buyers of."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor
from crossdesk.store import Store, to_json
from crossdesk.store.values import required

#: Keys that hold secrets: a shop config (stored in the database) holding one of these is refused.
SECRET_KEYS = frozenset(
    {
        "access_token",
        "refresh_token",
        "client_secret",
        "client_id",
        "partner_key",
        "api_key",
        "password",
        "token",
        "secret",
    }
)
SECRET_HINT = re.compile(r"(token|secret|password|partner_key|api_key)", re.IGNORECASE)


def secret_keys(config: Mapping[str, Any], declared: Iterable[str] = ()) -> list[str]:
    """The keys of ``config`` that hold credentials: those the platform declares as credentials
    (``PlatformSpec.credentials``), and those whose name says they are secret."""
    credentials = {k.lower() for k in declared}
    return sorted(
        k for k in config if k.lower() in SECRET_KEYS or k.lower() in credentials or SECRET_HINT.search(k)
    )


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
        bad = secret_keys(config or {}, self._credential_keys(platform) if config else ())
        if bad:
            # Refused before anything is written: a secret must not reach the table, nor the audit row.
            raise DeskError(
                f"{platform} shop {external_id}: the shop config would hold {', '.join(bad)}; put credentials "
                "in the environment or the credentials file, never in the shop"
            )
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

    def _credential_keys(self, platform: str) -> tuple[str, ...]:
        """The credential keys the platform's plugin declares (none when no plugin connects it)."""
        for answer in self.store.pm.hook.crossdesk_platforms():
            for spec in answer or ():
                if spec.name == platform:
                    return tuple(getattr(spec, "credentials", ()))
        return ()

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
