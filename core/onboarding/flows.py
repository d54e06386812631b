"""Each marketplace's own authorisation flow, from the consent URL to a verified shop (docs/onboarding.md).
This module is public: a plugin's binding flow (``crossdesk_binding_flows``) returns its :class:`Bound`.

A flow builds the consent URL the seller opens, then turns the parameters the browser brings back to the
local listener into a :class:`Bound` shop: tokens exchanged, and a first read (the shop's own name as the
platform knows it) proving they work. Secrets go in ``Bound.secrets`` (for the vault), everything else in
``Bound.config`` (for the shop row). Every refusal is a :class:`~crossdesk.errors.DeskError` of one line.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from crossdesk.errors import DeskError


@dataclass
class Bound:
    """A shop the platform vouched for, ready to be stored."""

    platform: str
    external_id: str
    name: str
    secrets: dict[str, str]
    config: dict[str, Any] = field(default_factory=dict)
    country: str = ""
    currency: str = ""
    marketplace: str = ""
    missing_scopes: list[str] = field(default_factory=list)
    #: further shops the same consent vouched for (Amazon's other marketplaces with ``marketplace=all``)
    also: list[Bound] = field(default_factory=list)


class Flow(Protocol):
    platform: str

    def consent_url(self, redirect_uri: str, state: str) -> str: ...

    def finish(self, params: Mapping[str, str], redirect_uri: str, state: str) -> Bound: ...


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise DeskError(f"{what}: the platform answered HTTP {response.status_code} without JSON") from None
    if not isinstance(data, dict):
        raise DeskError(f"{what}: unexpected answer")
    return data


def _check_state(params: Mapping[str, str], state: str) -> None:
    if params.get("error"):
        raise DeskError(
            f"the seller did not authorise: {params['error']} {params.get('error_description', '')}"
        )
    if state and params.get("state", state) != state:
        raise DeskError("the redirect's state does not match this request (a stale or forged redirect)")
    if not params.get("code"):
        raise DeskError("the redirect carried no authorisation code")


# ---- eBay --------------------------------------------------------------------------------------------


EBAY_SCOPES = (
    "https://api.ebay.com/oauth/api_scope",
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment",
    "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly",
)


@dataclass
class EbayFlow:
    """OAuth authorization code grant; ``redirect_uri`` is the RuName eBay maps to the accept URL."""

    client_id: str
    client_secret: str
    base_url: str = "https://api.ebay.com"
    auth_url: str = "https://auth.ebay.com"
    ru_name: str = ""  # production: the RuName whose accept URL points at the listener
    client: httpx.Client | None = None
    initial_since: int | None = None
    platform: str = "ebay"

    def _redirect(self, redirect_uri: str) -> str:
        return self.ru_name or redirect_uri

    def consent_url(self, redirect_uri: str, state: str) -> str:
        query = {
            "client_id": self.client_id,
            "redirect_uri": self._redirect(redirect_uri),
            "response_type": "code",
            "scope": " ".join(EBAY_SCOPES),
            "state": state,
        }
        return f"{self.auth_url.rstrip('/')}/oauth2/authorize?{urllib.parse.urlencode(query)}"

    def finish(self, params: Mapping[str, str], redirect_uri: str, state: str) -> Bound:
        _check_state(params, state)
        client = self.client or httpx.Client(timeout=30)
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        response = client.post(
            f"{self.base_url.rstrip('/')}/identity/v1/oauth2/token",
            headers={"Authorization": f"Basic {basic}"},
            data={
                "grant_type": "authorization_code",
                "code": params["code"],
                "redirect_uri": self._redirect(redirect_uri),
            },
        )
        tokens = _json(response, "eBay code exchange")
        if response.status_code != 200 or not tokens.get("refresh_token"):
            raise DeskError(
                f"eBay refused the code: {tokens.get('error_description') or tokens.get('error') or response.status_code}"
            )
        me = client.get(
            f"{self.base_url.rstrip('/')}/commerce/identity/v1/user/",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        user = _json(me, "eBay first read")
        if me.status_code == 403:
            raise DeskError("eBay: the token lacks the commerce.identity.readonly scope; grant it and retry")
        if me.status_code != 200 or not user.get("username"):
            raise DeskError(f"eBay first read failed (HTTP {me.status_code})")
        return Bound(
            platform="ebay",
            external_id=str(user["username"]),
            name=str(user["username"]),
            marketplace=str(user.get("registrationMarketplaceId") or ""),
            config={"base_url": self.base_url, "seller_username": str(user["username"])},
            secrets={
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "refresh_token": str(tokens["refresh_token"]),
            },
        )


# ---- Shopify -----------------------------------------------------------------------------------------


SHOPIFY_SCOPES = ("read_orders", "write_orders", "read_customers", "read_returns", "write_returns")
SHOP_QUERY = "query Shop { shop { name myshopifyDomain currencyCode } }"


def shopify_hmac_ok(params: Mapping[str, str], secret: str) -> bool:
    """Shopify's callback signature: hex HMAC-SHA256 of the other parameters, sorted, as a query string."""
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("hmac", "signature"))
    expected = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, params.get("hmac", ""))


@dataclass
class ShopifyFlow:
    """The app install flow (offline token), or :meth:`from_token` for a custom app's admin token."""

    shop_domain: str
    api_key: str = ""
    api_secret: str = ""
    base_url: str = ""  # default https://<shop_domain>
    api_version: str = "2025-01"
    client: httpx.Client | None = None
    initial_since: int | None = None
    platform: str = "shopify"

    def __post_init__(self) -> None:
        domain = self.shop_domain.strip().lower().removeprefix("https://").rstrip("/")
        if not domain.endswith(".myshopify.com") or not domain.removesuffix(".myshopify.com"):
            raise DeskError(f"{self.shop_domain!r} is not a shop domain (expected NAME.myshopify.com)")
        self.shop_domain = domain
        self.base_url = (self.base_url or f"https://{domain}").rstrip("/")

    def consent_url(self, redirect_uri: str, state: str) -> str:
        if not (self.api_key and self.api_secret):
            raise DeskError("the Shopify install flow needs the app's API key and secret (or paste --token)")
        query = {
            "client_id": self.api_key,
            "scope": ",".join(SHOPIFY_SCOPES),
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{self.base_url}/admin/oauth/authorize?{urllib.parse.urlencode(query)}"

    def finish(self, params: Mapping[str, str], redirect_uri: str, state: str) -> Bound:
        if not shopify_hmac_ok(params, self.api_secret):
            raise DeskError("the Shopify callback's hmac does not verify: not from Shopify, refused")
        _check_state(params, state)
        if params.get("shop", self.shop_domain) != self.shop_domain:
            raise DeskError(f"the callback is for {params.get('shop')}, not {self.shop_domain}")
        client = self.client or httpx.Client(timeout=30)
        response = client.post(
            f"{self.base_url}/admin/oauth/access_token",
            json={"client_id": self.api_key, "client_secret": self.api_secret, "code": params["code"]},
        )
        data = _json(response, "Shopify code exchange")
        if response.status_code != 200 or not data.get("access_token"):
            raise DeskError(f"Shopify refused the code: {data.get('error_description') or data.get('error')}")
        granted = {s for s in str(data.get("scope") or "").split(",") if s}
        bound = self.from_token(str(data["access_token"]))
        bound.missing_scopes = [s for s in SHOPIFY_SCOPES if s not in granted]
        return bound

    def from_token(self, token: str) -> Bound:
        """Verify an admin API token (install flow or a custom app's) with a first read."""
        client = self.client or httpx.Client(timeout=30)
        response = client.post(
            f"{self.base_url}/admin/api/{self.api_version}/graphql.json",
            headers={"X-Shopify-Access-Token": token, "Content-Type": "application/json"},
            json={"query": SHOP_QUERY},
        )
        if response.status_code in (401, 403):
            raise DeskError(f"Shopify refused the token for {self.shop_domain} (HTTP {response.status_code})")
        shop = (_json(response, "Shopify first read").get("data") or {}).get("shop") or {}
        if not shop.get("name"):
            raise DeskError("Shopify first read returned no shop")
        return Bound(
            platform="shopify",
            external_id=self.shop_domain,
            name=str(shop["name"]),
            currency=str(shop.get("currencyCode") or ""),
            config={
                "base_url": self.base_url,
                "shop_domain": self.shop_domain,
                "api_version": self.api_version,
            },
            secrets={"access_token": token},
        )


# ---- Shopee ------------------------------------------------------------------------------------------


def _shopee_sign(key: str, base: str) -> str:
    return hmac.new(key.encode(), base.encode(), hashlib.sha256).hexdigest()


@dataclass
class ShopeeFlow:
    """The partner authorisation link (signed), the code exchanged for a rotating token pair."""

    partner_id: int
    partner_key: str
    base_url: str = "https://partner.shopeemobile.com"
    client: httpx.Client | None = None
    clock: Any = time.time
    initial_since: int | None = None
    platform: str = "shopee"

    def _signed(self, path: str) -> dict[str, Any]:
        ts = int(time.time())
        return {
            "partner_id": self.partner_id,
            "timestamp": ts,
            "sign": _shopee_sign(self.partner_key, f"{self.partner_id}{path}{ts}"),
        }

    def consent_url(self, redirect_uri: str, state: str) -> str:
        # Shopee passes no state back; the redirect itself carries ours so the callback can be checked.
        sep = "&" if "?" in redirect_uri else "?"
        query = self._signed("/api/v2/shop/auth_partner")
        query["redirect"] = f"{redirect_uri}{sep}state={state}"
        return f"{self.base_url.rstrip('/')}/api/v2/shop/auth_partner?{urllib.parse.urlencode(query)}"

    def finish(self, params: Mapping[str, str], redirect_uri: str, state: str) -> Bound:
        _check_state(params, state)
        if not str(params.get("shop_id", "")).isdigit():
            raise DeskError(
                "the Shopee redirect carried no shop_id (a main-account authorisation is not supported)"
            )
        shop_id = int(params["shop_id"])
        client = self.client or httpx.Client(timeout=30)
        path = "/api/v2/auth/token/get"
        response = client.post(
            self.base_url.rstrip("/") + path,
            params=self._signed(path),
            json={"code": params["code"], "shop_id": shop_id, "partner_id": self.partner_id},
        )
        tokens = _json(response, "Shopee code exchange")
        if tokens.get("error") or not tokens.get("access_token"):
            raise DeskError(
                f"Shopee refused the code: {tokens.get('error')} {tokens.get('message', '')}".strip()
            )
        path = "/api/v2/shop/get_shop_info"
        ts = int(time.time())
        base = f"{self.partner_id}{path}{ts}{tokens['access_token']}{shop_id}"
        info = _json(
            client.get(
                self.base_url.rstrip("/") + path,
                params={
                    "partner_id": self.partner_id,
                    "timestamp": ts,
                    "access_token": tokens["access_token"],
                    "shop_id": shop_id,
                    "sign": _shopee_sign(self.partner_key, base),
                },
            ),
            "Shopee first read",
        )
        if info.get("error") or not info.get("shop_name"):
            raise DeskError(
                f"Shopee first read failed: {info.get('error')} {info.get('message', '')}".strip()
            )
        expires = int(self.clock()) + int(tokens.get("expire_in") or 14400)
        return Bound(
            platform="shopee",
            external_id=str(shop_id),
            name=str(info["shop_name"]),
            country=str(info.get("region") or ""),
            config={"base_url": self.base_url},
            secrets={
                "partner_id": str(self.partner_id),
                "partner_key": self.partner_key,
                "access_token": str(tokens["access_token"]),
                "refresh_token": str(tokens["refresh_token"]),
                "access_token_expires_at": str(expires),
            },
        )
