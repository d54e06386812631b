"""``desk.onboarding``: bind a shop through its marketplace's consent flow; list, test and unbind shops.

Binding: a one-shot listener on loopback, the consent URL shown (and opened in the browser), the code the
browser brings back exchanged for tokens, a first read proving them, then the tokens written to the vault
(never the database) and the shop row upserted with its non-secret settings. Every step is audited.
"""

from __future__ import annotations

import os
import secrets
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor, BindingFlowSpec
from crossdesk.onboarding.builtin import BUILT_IN
from crossdesk.onboarding.flows import Bound, Flow, ShopifyFlow
from crossdesk.onboarding.listener import RedirectListener
from crossdesk.shops import ShopService
from crossdesk.store import Store
from crossdesk.sync import Connections
from crossdesk.vault import Vault, entry_name, open_vault


@dataclass
class BindResult:
    shop_id: int
    platform: str
    external_id: str
    name: str
    vault: str  # where the tokens went (its description, never a value)
    missing_scopes: list[str] = field(default_factory=list)
    mail_account: str = ""  # the mail account bound with the shop (Amazon), its password in the vault
    also: list[BindResult] = field(default_factory=list)  # the other shops of the same consent

    def __str__(self) -> str:
        line = f"bound {self.platform} shop {self.name!r} ({self.external_id}) as shop #{self.shop_id}; tokens in the {self.vault}"
        if self.mail_account:
            line += (
                f"\nmail account {self.mail_account!r} bound: its buyer mail is polled by crossdesk mail poll"
            )
        if self.missing_scopes:
            line += (
                f"\nmissing permissions: {', '.join(self.missing_scopes)}: grant them and run shops add again"
            )
        return "\n".join([line, *map(str, self.also)])


class OnboardingService:
    def __init__(
        self,
        store: Store,
        shops: ShopService,
        vault: Vault | None = None,
        *,
        mail: Any = None,
        flows: Callable[[], list[list[BindingFlowSpec]]] | None = None,
    ) -> None:
        self.store = store
        self.shops = shops
        self._vault = vault
        #: the mail channel's service (``desk.mail``), for flows that bind a mailbox too (Amazon)
        self.mail = mail
        #: the plugins' answers to ``crossdesk_binding_flows`` (the hook's caller)
        self._flows = flows

    def flow_specs(self) -> dict[str, BindingFlowSpec]:
        """Every binding flow by platform: the built-in ones (eBay, Shopify, Shopee), then the plugins'; two
        naming one platform is an error (which flow a seller's consent goes through is not left to the order
        plugins load in)."""
        out: dict[str, BindingFlowSpec] = {spec.platform: spec for spec in BUILT_IN}
        for answer in self._flows() if self._flows else []:
            for spec in answer or []:
                if spec.platform in out:
                    raise DeskError(
                        f"two plugins offer a binding flow for {spec.platform}: {out[spec.platform].display_name!r}"
                        f" and {spec.display_name!r}; switch one off with CROSSDESK_LOAD_PLUGINS"
                    )
                out[spec.platform] = spec
        return out

    def build_flow(
        self, platform: str, options: Mapping[str, Any], env: Mapping[str, str] | None = None
    ) -> Any:
        """A plugin's flow for ``platform`` from ``options`` (each missing one read from its envvar);
        DeskError naming the options still missing, or an unknown option or platform."""
        spec = self.flow_specs().get(platform)
        if spec is None:
            known = ", ".join(sorted(self.flow_specs())) or "none"
            raise DeskError(f"no binding flow for {platform!r} (flows: {known})")
        env = os.environ if env is None else env
        declared = {o.name: o for o in spec.options}
        unknown = sorted(set(options) - set(declared) - {"base_url", "initial_since"})
        if unknown:
            raise DeskError(
                f"shops add {platform} has no option {', '.join(unknown)} (it takes: {', '.join(declared)})"
            )
        given = {k: v for k, v in options.items() if v not in (None, "")}
        for option in spec.options:
            if option.name not in given and option.envvar and env.get(option.envvar):
                given[option.name] = env[option.envvar]
        missing = [o for o in spec.options if o.required and o.name not in given]
        if missing:
            said = ", ".join(f"-o {o.name}=..." + (f" (or {o.envvar})" if o.envvar else "") for o in missing)
            raise DeskError(f"shops add {platform} needs {said}")
        return spec.build(given)

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            self._vault = open_vault()
        return self._vault

    def bind(
        self,
        actor: Actor,
        flow: Flow,
        *,
        show: Callable[[str], None] = print,
        open_browser: bool = True,
        timeout: float = 300.0,
    ) -> BindResult:
        """Walk ``flow`` through the seller's browser and store the shop it vouches for."""
        bound = self.consent(actor, flow, show=show, open_browser=open_browser, timeout=timeout)
        return self.store_consented(actor, flow, bound)

    def consent(
        self,
        actor: Actor,
        flow: Flow,
        *,
        show: Callable[[str], None] = print,
        open_browser: bool = True,
        timeout: float = 300.0,
    ) -> Bound:
        """The seller's consent and the first read, writing nothing: a front end runs this (it waits for
        the browser) without holding the desk, then :meth:`store_consented` under the desk's lock."""
        with self.store.lock:  # the one read of the desk here; the wait for the browser holds nothing
            self.store.require(actor, "manage_settings")
        self.vault  # noqa: B018 -- refuse before the seller consents when there is nowhere to keep the tokens
        mailbox = getattr(flow, "mail", None)
        if mailbox is not None:  # a wrong password is found before the seller consents, not after
            self.check_mail(mailbox)
        state = secrets.token_urlsafe(16)
        with RedirectListener() as listener:
            url = flow.consent_url(listener.url, state)
            show(url)
            if open_browser:
                webbrowser.open(url)
            params = listener.wait(timeout)
        bound = flow.finish(params, listener.url, state)
        since = getattr(flow, "initial_since", None)
        if since is not None:
            for shop in (bound, *bound.also):
                shop.config["initial_since"] = int(since)
        return bound

    def from_token(self, actor: Actor, platform: str, options: Mapping[str, Any]) -> Bound:
        """A Shopify shop from a custom app's admin API token (``shop``, ``token``, optional ``base_url``):
        a first read proves it, nothing is written (then :meth:`store_bound`); DeskError in one line."""
        with self.store.lock:
            self.store.require(actor, "manage_settings")
        if platform != "shopify":
            raise DeskError(
                f"a pasted token binds a Shopify shop (a custom app's admin token), not {platform}"
            )
        if not str(options.get("shop") or "").strip():
            raise DeskError("the shop domain is needed with the token (NAME.myshopify.com)")
        if not str(options.get("token") or "").strip():
            raise DeskError("paste the custom app's admin API token (shpat_...)")
        flow = ShopifyFlow(str(options["shop"]), base_url=str(options.get("base_url") or ""))
        return flow.from_token(str(options["token"]).strip())

    def store_consented(self, actor: Actor, flow: Flow, bound: Bound) -> BindResult:
        """Store what :meth:`consent` returned: the shop, and the flow's mail account when it has one."""
        result = self.store_bound(actor, bound)
        result.also = [self.store_bound(actor, other) for other in bound.also]
        mailbox = getattr(flow, "mail", None)
        if mailbox is not None:
            result.mail_account = self.store_mail(actor, result.shop_id, mailbox)
        return result

    def check_mail(self, mailbox: Any) -> None:
        """Log in to a mailbox's IMAP and SMTP servers; DeskError naming what failed."""
        if self.mail is None:
            raise DeskError("this desk has no mail channel to bind the mail account to")
        checks = self.mail.check_settings(
            {"address": mailbox.address, **mailbox.account_settings()}, mailbox.password
        )
        failed = [f"{what}: {detail}" for what, ok, detail in checks if not ok]
        if failed:
            raise DeskError(f"mail account {mailbox.address}: " + "; ".join(failed))

    def store_mail(self, actor: Actor, shop_id: int, mailbox: Any, vault: Vault | None = None) -> str:
        """The mail account row for a bound shop, its password in the vault (``mail/<account>``)."""
        self.store.require(actor, "manage_settings")
        vault = vault or self.vault
        vault.put(entry_name("mail", mailbox.name), {"password": mailbox.password})
        self.mail.accounts.add(
            actor, name=mailbox.name, shop_id=shop_id, address=mailbox.address, **mailbox.account_settings()
        )
        return mailbox.name

    def store_bound(self, actor: Actor, bound: Bound, vault: Vault | None = None) -> BindResult:
        """Write a verified shop: tokens to the vault first (a shop row without them cannot sync), then
        the shop row and the audit entry."""
        self.store.require(actor, "manage_settings")
        vault = vault or self.vault
        vault.put(entry_name(bound.platform, bound.external_id), bound.secrets)
        shop_id = self.shops.upsert(
            actor,
            platform=bound.platform,
            external_id=bound.external_id,
            name=bound.name,
            country=bound.country,
            currency=bound.currency or "USD",
            marketplace=bound.marketplace,
            config=bound.config,
        )
        with self.store.tx():
            self.store.audit(
                actor,
                "shop.bind",
                "shop",
                shop_id,
                None,
                {
                    "vault": vault.description,
                    "keys": sorted(bound.secrets),
                    "missing_scopes": bound.missing_scopes,
                },
            )
        return BindResult(
            shop_id, bound.platform, bound.external_id, bound.name, vault.description, bound.missing_scopes
        )

    def _row(self, shop: str) -> dict[str, Any]:
        for row in self.store.rows("SELECT * FROM shops ORDER BY id"):
            if shop in (str(row["id"]), row["external_id"], row["name"]):
                return dict(row)
        raise NotFound(f"no shop {shop!r} on this desk (crossdesk shops list)")

    def list(self, actor: Actor) -> list[dict[str, Any]]:
        """Every shop and whether the vault holds its tokens (which keys, never values)."""
        self.store.require(actor, "view")
        names = set(self.vault.names())
        out = []
        for row in self.store.rows(
            "SELECT id, platform, external_id, name, country, currency FROM shops ORDER BY id"
        ):
            row = dict(row)
            row["in_vault"] = entry_name(row["platform"], row["external_id"]) in names
            out.append(row)
        return out

    def test(self, actor: Actor, shop: str, **connection_options: Any) -> str:
        """Build the shop's connector and make one read; a line saying what answered, or DeskError."""
        self.store.require(actor, "manage_settings")
        row = self._row(shop)
        connection_options.setdefault("vault", self.vault)
        with Connections(self.store, **connection_options) as conn:
            try:
                connector = conn.connector(row)
                info = getattr(connector, "shop_info", None)
                if callable(info):
                    answer = info()
                    return f"{row['platform']} shop {row['external_id']}: the platform answers as {answer.get('name')!r}"
                page = connector.fetch_orders(None)
                return f"{row['platform']} shop {row['external_id']}: read {len(page.records)} order(s)"
            except Exception as exc:  # a platform's refusal, said in one line
                raise DeskError(f"{row['platform']} shop {row['external_id']}: {exc}") from None

    def remove(self, actor: Actor, shop: str) -> str:
        """Forget the shop's tokens. The shop row stays: its tickets, orders and history point at it."""
        self.store.require(actor, "manage_settings")
        row = self._row(shop)
        removed = self.vault.delete(entry_name(row["platform"], row["external_id"]))
        with self.store.tx():
            self.store.audit(actor, "shop.unbind", "shop", row["id"], None, {"tokens_removed": removed})
        what = "tokens removed from the vault" if removed else "the vault held no tokens for it"
        return f"{row['platform']} shop {row['external_id']}: {what}; revoke the app's access on the platform too"
