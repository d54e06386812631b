"""Reviews apps: a shop whose reviews live in an app (Judge.me on Shopify) rather than on the platform.

A plugin offers an app through ``crossdesk_review_sources`` (:class:`~crossdesk.models.ReviewSourceSpec`).
Attaching a shop to one (``crossdesk reviews app SHOP NAME -o KEY=VALUE``, :meth:`ReviewApps.attach`) checks
the options, makes a first read with them (a refused token is said, nothing is stored), writes the secret
options to the vault (entry ``reviews/<app>/<platform>/<shop>``) and the others to the shop's config under
``reviews_app`` (never a secret there). The reputation pull then reads the app beside the platform's own
reviews (:meth:`ReviewApps.source`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor, ReviewSourceSpec
from crossdesk.shops.service import secret_keys
from crossdesk.store import Store, to_json
from crossdesk.sync import redact
from crossdesk.sync.hosts import origin
from crossdesk.sync.secrets import REDACTOR, install_redaction
from crossdesk.vault import open_vault

CONFIG_KEY = "reviews_app"  # in shops.config: {"name": ..., non-secret options}
BOUND_TO = "bound_to"  # in the vault entry: the origin the token was given for ('' the app's own)


def _origin(settings: Mapping[str, Any]) -> str:
    return origin(str(settings["base_url"])) if settings.get("base_url") else ""


@dataclass
class Attachment:
    """A reviews app checked for a shop (:meth:`ReviewApps.check`), not stored yet."""

    shop: dict[str, Any]
    app: str
    settings: dict[str, str]  # to the shop's config
    secrets: dict[str, str] = field(repr=False)  # to the vault


def vault_entry(app: str, shop: Mapping[str, Any]) -> str:
    """The vault entry holding a shop's secrets for ``app``."""
    return f"reviews/{app}/{shop['platform']}/{shop['external_id']}"


def review_sources(pm: Any) -> dict[str, ReviewSourceSpec]:
    """The reviews apps the installed plugins offer, by name (the first plugin to name one wins)."""
    specs: dict[str, ReviewSourceSpec] = {}
    for answer in pm.hook.crossdesk_review_sources():
        for spec in answer or ():
            specs.setdefault(spec.name, spec)
    return specs


def attached(shop: Mapping[str, Any]) -> dict[str, Any] | None:
    """The reviews app a shop row is attached to (its non-secret settings, ``name`` among them), or None."""
    try:
        config = orjson.loads(shop.get("config") or "{}")
    except orjson.JSONDecodeError:
        return None
    app = config.get(CONFIG_KEY) if isinstance(config, dict) else None
    return dict(app) if isinstance(app, dict) and app.get("name") else None


class ReviewApps:
    """``desk.reputation.apps``: which shop reads its reviews from which app, and the app's client."""

    def __init__(self, store: Store, vault: Any = None) -> None:
        self.store = store
        self._vault = vault  # where attach writes the tokens; None: the system's, opened on first use

    @property
    def vault(self) -> Any:
        if self._vault is None:
            self._vault = open_vault()
        return self._vault

    def specs(self) -> dict[str, ReviewSourceSpec]:
        return review_sources(self.store.pm)

    def _shop(self, shop: str | int) -> dict[str, Any]:
        key = str(shop)
        for row in self.store.rows("SELECT * FROM shops ORDER BY id"):
            if key in (str(row["id"]), row["external_id"], row["name"]):
                return row
        raise NotFound(f"no shop {key!r} (give its id, external id or name; `crossdesk shops list`)")

    def list(self, actor: Actor) -> list[dict[str, Any]]:
        """Every shop an app could serve, with the app it is attached to (``app``: name or '')."""
        self.store.require(actor, "view")
        served = {p for spec in self.specs().values() for p in spec.platforms}
        out = []
        for row in self.store.rows("SELECT id, platform, external_id, name, config FROM shops ORDER BY id"):
            app = attached(row)
            if row["platform"] in served or app:
                out.append(
                    {
                        "shop_id": row["id"],
                        "platform": row["platform"],
                        "external_id": row["external_id"],
                        "name": row["name"],
                        "app": app["name"] if app else "",
                    }
                )
        return out

    def attach(
        self,
        actor: Actor,
        shop: str | int,
        app: str,
        options: Mapping[str, str],
        *,
        vault: Any = None,
        transport: httpx.BaseTransport | None = None,
    ) -> dict[str, Any]:
        """Attach ``shop`` to the reviews app ``app`` once a first read with ``options`` works
        (:meth:`check`, then :meth:`save`). Raises :class:`~crossdesk.errors.DeskError` with one line
        (unknown app or option, a required one missing, a platform the app does not serve, the app refusing
        the token); nothing is stored then."""
        vault = (
            vault if vault is not None else self.vault
        )  # nowhere to keep the token: refused before the read
        return self.save(actor, self.check(actor, shop, app, options, transport=transport), vault=vault)

    def check(
        self,
        actor: Actor,
        shop: str | int,
        app: str,
        options: Mapping[str, str],
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> Attachment:
        """The options checked and a first read made with them, writing nothing: a front end runs this
        without holding the desk (the read waits on the app), then :meth:`save` under the desk's lock."""
        with self.store.lock:  # the only reads of the desk here
            self.store.require(actor, "manage_settings")
            row = self._shop(shop)
        specs = self.specs()
        spec = specs.get(app)
        if spec is None:
            known = ", ".join(sorted(specs)) or "none installed"
            raise DeskError(f"no reviews app {app!r} (known: {known})")
        if row["platform"] not in spec.platforms:
            raise DeskError(
                f"{spec.display_name} serves {', '.join(spec.platforms)} shops; {row['name']} is {row['platform']}"
            )
        names = {o.name for o in spec.options} | {"base_url", "per_page", "retry_attempts", "backoff"}
        unknown = sorted(set(options) - names)
        if unknown:
            raise DeskError(
                f"{spec.display_name} takes no option {', '.join(unknown)} (it takes {', '.join(sorted(names))})"
            )
        install_redaction()  # the token may ride in a request URL (Judge.me's does): never in a log line
        given = {k: str(v) for k, v in options.items() if str(v).strip()}
        missing = [o.name for o in spec.options if o.required and o.name not in given]
        if missing:
            raise DeskError(f"{spec.display_name} needs {', '.join(missing)}: -o {missing[0]}=...")
        given.setdefault("shop_domain", row["external_id"])
        secrets = {k: v for k, v in given.items() if k in spec.secrets}
        settings = {k: v for k, v in given.items() if k not in spec.secrets}
        for value in secrets.values():
            REDACTOR.register(value)
        leaked = secret_keys(settings)
        if leaked:
            raise DeskError(f"{', '.join(leaked)} looks like a secret; the plugin must declare it in secrets")
        with httpx.Client(timeout=float(settings.get("timeout", 30.0)), transport=transport) as client:
            try:
                source = spec.factory({**settings, **secrets}, client)
                source.fetch_reviews(None)  # a first read: a wrong token is said now, not at the next sync
            except Exception as exc:
                raise DeskError(redact(f"{spec.display_name}: {exc}")) from None
        return Attachment(row, app, settings, secrets)

    def save(self, actor: Actor, attachment: Attachment, *, vault: Any = None) -> dict[str, Any]:
        """Store what :meth:`check` returned: the secrets to the vault, the settings to the shop's config."""
        self.store.require(actor, "manage_settings")
        vault = vault if vault is not None else self.vault
        row, app, settings = attachment.shop, attachment.app, attachment.settings
        # the token goes only where it was given for: an edited base_url in the config is refused at the pull
        vault.put(vault_entry(app, row), {**attachment.secrets, BOUND_TO: _origin(settings)})
        config = orjson.loads(self.store.get("shops", row["id"])["config"] or "{}")
        before = config.get(CONFIG_KEY)
        config[CONFIG_KEY] = {"name": app, **settings}
        with self.store.tx():
            self.store.update("shops", row["id"], {"config": to_json(config)})
            self.store.audit(actor, "shop.reviews_app", "shop", row["id"], before, config[CONFIG_KEY])
        return {"shop_id": row["id"], "name": row["name"], "app": app, **settings}

    def detach(self, actor: Actor, shop: str | int, *, vault: Any = None) -> bool:
        """Stop reading ``shop``'s reviews from its app and forget its token; False when it had none."""
        self.store.require(actor, "manage_settings")
        row = self._shop(shop)
        app = attached(row)
        if app is None:
            return False
        vault = vault if vault is not None else (self._vault or open_vault(required=False))
        if vault is not None:
            vault.delete(vault_entry(app["name"], row))
        config = orjson.loads(row["config"] or "{}")
        config.pop(CONFIG_KEY, None)
        with self.store.tx():
            self.store.update("shops", row["id"], {"config": to_json(config)})
            self.store.audit(actor, "shop.reviews_app", "shop", row["id"], app, None)
        return True

    def source(
        self, shop: Mapping[str, Any], vault: Any, client: Callable[[float], httpx.Client]
    ) -> tuple[str, Any] | None:
        """``(app name, source)`` for a shop attached to an app, or None; raises with one line when the app
        is not installed or its token is not in the vault."""
        app = attached(shop)
        if app is None:
            return None
        name = str(app["name"])
        spec = self.specs().get(name)
        if spec is None:
            raise DeskError(f"reviews app {name!r} is not installed (its plugin is missing or switched off)")
        secrets = vault.get(vault_entry(name, shop)) if vault is not None else None
        if not secrets:
            raise DeskError(
                f"reviews app {name}: no token in the vault for this shop; attach it again "
                f"(crossdesk reviews app {shop['external_id']} {name} -o ...)"
            )
        secrets = dict(secrets)
        bound_to = secrets.pop(BOUND_TO, "")
        for value in secrets.values():
            REDACTOR.register(value)
        settings = {k: v for k, v in app.items() if k != "name"}
        if _origin(settings) != bound_to:
            raise DeskError(
                f"reviews app {name}: the shop's config sends it to {_origin(settings) or 'the app itself'}, "
                f"but its token was given for {bound_to or 'the app itself'}; attach it again to send it there"
            )
        return name, spec.factory({**settings, **secrets}, client(float(settings.get("timeout", 30.0))))
