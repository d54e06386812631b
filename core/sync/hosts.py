"""Credentials bound to the hosts they were issued for.

A shop's endpoint settings (``base_url``, ``lwa_url``...; :func:`crossdesk.shops.service.endpoints`) live
in ``shops.config``, which an import or a hand edit can change; its credentials live outside the desk. The
first time a sync builds the shop's connector with credentials, the origins of those settings (scheme,
host and port; none set means the platform's own) are recorded in ``credential_hosts``. Afterwards the
credentials go only there: a shop whose endpoints point elsewhere is refused with a one-line error, before
any request, until an operator with the settings permission rebinds it (:func:`rebind`, audited).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson

from crossdesk.models import Actor
from crossdesk.shops.service import endpoints
from crossdesk.store import Store

SYNC = Actor.system("sync")


class HostMismatch(Exception):
    """A shop's endpoints point to another host than the one its credentials are bound to."""


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``, lower-cased, with the scheme's default port made explicit."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower(), 0)
    except ValueError:
        return url.strip().lower()
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


def origins(settings: Mapping[str, Any]) -> dict[str, str]:
    return {key: origin(url) for key, url in sorted(endpoints(settings).items())}


def check_hosts(store: Store, shop: Mapping[str, Any], settings: Mapping[str, Any]) -> None:
    """Bind ``shop``'s credentials to its endpoints on first use; afterwards raise :class:`HostMismatch`
    when they point elsewhere."""
    now = origins(settings)
    row = store.db.execute(
        "SELECT origins, bound_at FROM credential_hosts WHERE shop_id = ?", [shop["id"]]
    ).fetchone()
    if row is None:
        _bind(store, SYNC, shop["id"], now, "shop.bind")
        return
    bound = orjson.loads(row[0])
    if bound != now:
        moved = sorted(set(bound) | set(now))
        what = ", ".join(
            f"{k} {bound.get(k, 'the platform default')} -> {now.get(k, 'the platform default')}"
            for k in moved
            if bound.get(k) != now.get(k)
        )
        raise HostMismatch(
            f"{shop['platform']} shop {shop['external_id']}: its credentials were issued for another host "
            f"than its endpoints now name ({what}); nothing was sent. If the move is right, rebind it: "
            f"crossdesk sync-rebind {shop['external_id']}"
        )


def rebind(store: Store, actor: Actor, shop_id: int) -> dict[str, str]:
    """Bind the shop's credentials to its current endpoints (the settings permission; audited)."""
    store.require(actor, "manage_settings")
    shop = store.get("shops", shop_id)
    now = origins(orjson.loads(shop["config"] or "{}"))
    _bind(store, actor, shop_id, now, "shop.rebind")
    return now


def _bind(store: Store, actor: Actor, shop_id: int, now: dict[str, str], action: str) -> None:
    with store.tx():
        before = store.db.execute(
            "SELECT origins FROM credential_hosts WHERE shop_id = ?", [shop_id]
        ).fetchone()
        store.db.execute(
            "INSERT INTO credential_hosts (shop_id, origins, bound_at, bound_by) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (shop_id) DO UPDATE SET origins = excluded.origins, bound_at = excluded.bound_at, "
            "bound_by = excluded.bound_by",
            [shop_id, orjson.dumps(now).decode(), store.now(), actor.name],
        )
        store.audit(actor, action, "shop", shop_id, None if before is None else orjson.loads(before[0]), now)
