"""Shops: one row per shop on a marketplace (or own web shop) the seller answers buyers of."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor
from crossdesk.store import Store, to_json
from crossdesk.store.values import required

#: Keys that hold secrets: a shop config (stored in the database) holding one of these is refused. Names
#: are compared without case and without ``_``/``-`` (``apiKey``, ``API-Key`` and ``api_key`` are one).
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
        "passwd",
        "pwd",
        "private_key",
        "authorization",
        "auth",
        "bearer",
        "credentials",
        "cookie",
        "signing_key",
    }
)
SECRET_HINT = re.compile(r"(token|secret|passw|partnerkey|apikey|privatekey|authoriz|credential|bearer|cookie)")


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


_SECRET_NAMES = frozenset(_norm(k) for k in SECRET_KEYS)


def is_endpoint(key: str) -> bool:
    """A setting that names where requests go (``base_url``, ``lwa_url``, ``endpoint``)."""
    name = _norm(key)
    return name.endswith(("url", "uri")) or name in ("endpoint", "host")


def _url_holds_secret(value: str) -> bool:
    """A URL with a user name or password in it, or a secret-looking query parameter."""
    if "://" not in value:
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return True  # not a URL anything can use; refused rather than stored unread
    if parts.username or parts.password:
        return True
    return any(_secret_name(k) for k, _ in parse_qsl(parts.query, keep_blank_values=True))


def _secret_name(key: str, declared: frozenset[str] = frozenset()) -> bool:
    name = _norm(key)
    return name in _SECRET_NAMES or name in declared or bool(SECRET_HINT.search(name))


def secret_keys(config: Mapping[str, Any], declared: Iterable[str] = ()) -> list[str]:
    """The keys of ``config`` that hold credentials, at any depth (``auth.refresh_token``): those the
    platform declares as credentials (``PlatformSpec.credentials``), those whose name says they are
    secret, and URLs that carry a user, a password or a secret-looking query parameter."""
    credentials = frozenset(_norm(k) for k in declared)
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if is_endpoint(str(key)) and not isinstance(item, Mapping | list):
                    if isinstance(item, str) and _url_holds_secret(item):
                        found.append(where)
                elif _secret_name(str(key), credentials):
                    found.append(where)
                else:
                    walk(item, where)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")
        elif isinstance(value, str) and _url_holds_secret(value):
            found.append(path)

    walk(config, "")
    return sorted(found)


def endpoints(config: Mapping[str, Any] | str | None) -> dict[str, str]:
    """The settings of a shop config that say where requests go, by key."""
    if isinstance(config, str):
        config = orjson.loads(config or "{}")
    return {str(k): str(v) for k, v in (config or {}).items() if is_endpoint(str(k)) and isinstance(v, str)}


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
                    was, now = endpoints(before["config"]), endpoints(row["config"])
                    if was != now:
                        # Where the shop's requests (and its credentials) go: its own audit row, so a
                        # review of endpoint moves does not have to diff every shop update.
                        store.audit(actor, "shop.endpoint", "shop", shop_id, was, now)
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
