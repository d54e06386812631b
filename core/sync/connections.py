"""Connectors for a desk's shops: the platform plugin's factory, the shop's settings, its credentials.

A connector is built from the shop row (``shops.config`` holds only non-secret settings: marketplace id,
page size, base URL of a sandbox, retry settings) merged with the shop's credentials (environment or
credentials file, see :mod:`crossdesk.sync.secrets`). Each shop gets its own ``httpx.Client`` so its
timeout and connection pool are its own.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import orjson

from crossdesk.models import Connector, PlatformSpec
from crossdesk.store import Store
from crossdesk.sync.hosts import HostMismatch, check_hosts
from crossdesk.sync.secrets import (
    REDACTOR,
    Secret,
    check_no_secrets,
    credentials_path,
    env_names,
    install_redaction,
    load_credentials,
    redact,
)
from crossdesk.vault import entry_name, open_vault

log = logging.getLogger(__name__)


class ConnectionError_(Exception):
    """A shop cannot be connected (no plugin for its platform, missing credentials, bad config)."""


class NoConnector(ConnectionError_):
    """No installed plugin connects this shop's platform (an own web shop, a marketplace without one)."""


_SSL_CONTEXT: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for the process: loading the CA bundle takes ~80 ms, every client
    would otherwise pay it again."""
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        try:
            import certifi  # httpx's own CA bundle, so verification matches httpx's default

            _SSL_CONTEXT = ssl.create_default_context(cafile=certifi.where())
        except ImportError:
            _SSL_CONTEXT = ssl.create_default_context()
    return _SSL_CONTEXT


def _env_hint(spec: PlatformSpec, shop: str) -> str:
    """Where the credentials of one shop can go, by their exact names."""
    if not spec.credentials:
        return (
            f"the {spec.name} plugin declares no credential keys (PlatformSpec.credentials), so only the "
            "credentials file can hold them"
        )
    names = [env_names(spec.name, shop, key) for key in spec.credentials]
    per_platform = ", ".join(platform_wide for _, platform_wide in names)
    return f"set {per_platform} (or per shop: {', '.join(per_shop for per_shop, _ in names)})"


def _platform_specs(pm: Any) -> dict[str, PlatformSpec]:
    specs: dict[str, PlatformSpec] = {}
    for answer in pm.hook.crossdesk_platforms():
        for spec in answer or ():
            specs.setdefault(spec.name, spec)
    return specs


class Connections:
    """Builds and caches one connector per shop for one sync or dispatch run; close it afterwards."""

    def __init__(
        self,
        store: Store,
        *,
        env: Mapping[str, str] | None = None,
        credentials_path: Any = None,
        credentials: Callable[[str, str], Mapping[str, str]] | None = None,
        transport: httpx.BaseTransport | None = None,
        vault: Any = None,
    ) -> None:
        install_redaction()
        self.store = store
        self.specs = _platform_specs(store.pm)
        self._env = env
        self._path = credentials_path
        self._credentials = credentials
        self._transport = transport
        #: where tokens the desk obtained or renewed live (crossdesk.vault); None: opened on first use
        self._vault = vault
        self._vault_opened = vault is not None
        self._cache: dict[int, Connector] = {}
        self._clients: list[httpx.Client] = []

    def shops(self, platform: str | None = None, shop: str | None = None) -> list[dict]:
        """Shop rows, filtered by platform name and by shop (id, external id or name)."""
        rows = [dict(r) for r in self.store.db.query("SELECT * FROM shops ORDER BY id")]
        if platform:
            rows = [r for r in rows if r["platform"] == platform.lower()]
        if shop:
            rows = [r for r in rows if shop in (str(r["id"]), r["external_id"], r["name"])]
        return rows

    def spec(self, platform: str) -> PlatformSpec | None:
        """The installed plugin's spec of ``platform``, or None when no plugin connects it."""
        return self.specs.get(platform)

    def config(self, shop: Mapping[str, Any]) -> dict[str, Any]:
        """What the platform's factory receives for ``shop`` (docs/internals.md, "The config a connector
        factory receives"): the shop's facts, its settings from ``shops.config``, and its credentials."""
        spec = self.spec(shop["platform"])
        keys = tuple(spec.credentials) if spec is not None else ()
        settings = orjson.loads(shop.get("config") or "{}")
        check_no_secrets(shop["platform"], shop["external_id"], settings, keys)
        if self._credentials is not None:
            given = self._credentials(shop["platform"], shop["external_id"])
            secrets = {k: Secret(v) for k, v in given.items()}
            for value in secrets.values():
                REDACTOR.register(value)
        else:
            kwargs = {"env": self._env, "keys": keys}
            if self._path is not None:
                kwargs["path"] = self._path
            secrets = load_credentials(shop["platform"], shop["external_id"], **kwargs)
        stored = self._stored(shop)
        for key, value in stored.items():
            REDACTOR.register(value)
            secrets[key] = Secret(value)
        if secrets and "id" in shop:
            check_hosts(self.store, shop, settings)  # credentials go only where they were issued for
        config = {
            "shop_external_id": shop["external_id"],
            "marketplace": shop.get("marketplace", ""),
            "country": shop.get("country", ""),
            "currency": shop.get("currency", ""),
            "clock": self.store.clock,
        }
        config.update(settings)
        config.update(secrets)
        if self.vault is not None:
            config["save_credentials"] = self._saver(shop)
        return config

    @property
    def vault(self) -> Any:
        """The vault tokens are read from and renewed into, or None when this system has none."""
        if not self._vault_opened:
            self._vault_opened = True
            env = os.environ if self._env is None else self._env
            self._vault = open_vault(env, required=False)
            if env.get("CROSSDESK_VAULT_KEY"):
                REDACTOR.register(env["CROSSDESK_VAULT_KEY"])  # the passphrase never reaches a log
        return self._vault

    def _stored(self, shop: Mapping[str, Any]) -> dict[str, str]:
        """The shop's entry in the vault: what ``crossdesk shops add`` or a token renewal wrote. It wins
        over the environment and the credentials file, being newer than anything typed there."""
        if self.vault is None:
            return {}
        return self.vault.get(entry_name(shop["platform"], shop["external_id"])) or {}

    def _saver(self, shop: Mapping[str, Any]) -> Callable[[Mapping[str, str]], None]:
        """``config["save_credentials"]``: a connector that renewed a token hands the new values here;
        they are merged into the shop's vault entry and written (atomically) before the call returns."""
        name = entry_name(shop["platform"], shop["external_id"])

        def save(values: Mapping[str, str]) -> None:
            entry = self.vault.get(name) or {}
            entry.update({str(k): str(v) for k, v in values.items()})
            for value in entry.values():
                REDACTOR.register(value)
            self.vault.put(name, entry)
            log.info(
                "%s shop %s: renewed credentials stored in the vault", shop["platform"], shop["external_id"]
            )

        return save

    def connector(self, shop: Mapping[str, Any]) -> Connector:
        """The connector of ``shop``; raises :class:`ConnectionError_` with a one-line reason."""
        cached = self._cache.get(shop["id"])
        if cached is not None:
            return cached
        spec = self.spec(shop["platform"])
        if spec is None:
            raise NoConnector(f"no installed plugin connects {shop['platform']}")
        try:
            config = self.config(shop)
            client = httpx.Client(
                timeout=float(config.get("timeout", 30.0)),
                transport=self._transport,
                verify=_ssl_context(),
                headers={"User-Agent": "crossdesk (helpdesk)"},
            )
            self._clients.append(client)
            connector = spec.factory(config, client)
        except HostMismatch as exc:
            raise ConnectionError_(str(exc)) from None
        except Exception as exc:  # a plugin's own validation error: report it, do not crash the run
            hint = ""
            if isinstance(exc, KeyError):  # ``config["token"]`` in a factory: say which key it wanted
                exc = ConnectionError_(f"{spec.name} connector: missing config key {exc}")
            if any(word in str(exc) for word in ("credential", "missing", "needs")):
                hint = (
                    f" ({_env_hint(spec, shop['external_id'])}; or add a "
                    f'[{shop["platform"]}."{shop["external_id"]}"] table to {credentials_path(self._env)})'
                )
            raise ConnectionError_(redact(f"{exc}{hint}")) from None
        caps = getattr(connector, "capabilities", None)
        if not isinstance(caps, frozenset | set):
            raise ConnectionError_(f"{shop['platform']} connector declares no capabilities")
        self._cache[shop["id"]] = connector
        return connector

    def http_client(self, timeout: float = 30.0) -> httpx.Client:
        """A client for another service of a shop (its reviews app), closed with these connections."""
        client = httpx.Client(
            timeout=timeout,
            transport=self._transport,
            verify=_ssl_context(),
            headers={"User-Agent": "crossdesk (helpdesk)"},
        )
        self._clients.append(client)
        return client

    def built(self, shop_id: int) -> Connector | None:
        """The connector this run already built for the shop, or None (never builds one)."""
        return self._cache.get(shop_id)

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        self._cache.clear()

    def __enter__(self) -> Connections:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
