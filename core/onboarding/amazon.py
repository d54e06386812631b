"""Amazon: SP-API website authorisation through Login with Amazon, and the mail account of the shop.

The seller opens Seller Central's consent page for the app (``application_id``, ``state``, and
``version=beta`` while the app is a draft) and consents; Amazon sends the browser to the listener with
``spapi_oauth_code``, ``selling_partner_id`` and ``state``. The code (valid five minutes) is exchanged at
the LWA token endpoint (``grant_type=authorization_code`` with the app's LWA client id and secret) for a
**refresh token**; access tokens (an hour) are minted from it by the connector at every run. The first
read is ``GET /sellers/v1/marketplaceParticipations`` (the seller's marketplaces and store name); a second
read probes the Orders API, whose 403 means the app lacks the *Inventory and Order Tracking* role.

Buyer-seller messages never come through SP-API: they arrive by e-mail from Amazon's relay. A
:class:`MailBinding` names the mailbox they arrive at; the onboarding service logs in to it before the
seller consents and keeps its password in the vault (docs/onboarding.md).
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from crossdesk.errors import DeskError
from crossdesk.onboarding.flows import Bound, _json

DEFAULT_CONSENT = "https://sellercentral.amazon.com"
DEFAULT_LWA = "https://api.amazon.com/auth/o2/token"
DEFAULT_ENDPOINT = "https://sellingpartnerapi-eu.amazon.com"

#: the SP-API roles crossdesk uses, and what for (docs/onboarding.md)
ROLES = {
    "Finance and Accounting": "the Sellers API: which marketplaces the seller sells on, the store's name",
    "Inventory and Order Tracking": "read orders, their items and buyers' countries",
    "Buyer Communication": "send the message types Amazon allows for an order",
}


@dataclass
class MailBinding:
    """The mailbox an Amazon shop's buyer messages arrive at (Amazon's relay forwards them there)."""

    address: str
    password: str = field(repr=False)
    imap_host: str = ""
    smtp_host: str = ""
    settings: dict[str, Any] = field(default_factory=dict)  # ports, security, username, folder ...
    name: str = ""  # the mail account's name; default: the address

    def __post_init__(self) -> None:
        if "@" not in self.address:
            raise DeskError(f"{self.address!r} is not an e-mail address")
        if not self.password:
            raise DeskError(f"mail account {self.address}: a password (or app password) is needed")
        if not (self.imap_host or self.smtp_host):
            raise DeskError(f"mail account {self.address}: give its IMAP host (and SMTP host for replies)")
        self.name = self.name or self.address

    def account_settings(self) -> dict[str, Any]:
        """What the mail account row holds (no password)."""
        out = dict(self.settings)
        if self.imap_host:
            out["imap_host"] = self.imap_host
        if self.smtp_host:
            out["smtp_host"] = self.smtp_host
        return out


def _lwa_error(data: Mapping[str, Any], status: int) -> str:
    return str(data.get("error_description") or data.get("error") or f"HTTP {status}")


@dataclass
class AmazonFlow:
    """SP-API website authorisation; ``base_url`` is the SP-API endpoint of the seller's region."""

    application_id: str
    client_id: str
    client_secret: str
    base_url: str = DEFAULT_ENDPOINT
    consent_base: str = DEFAULT_CONSENT
    lwa_url: str = DEFAULT_LWA
    draft: bool = False  # a draft (unpublished) app: the consent URL carries version=beta
    marketplace_id: str = ""  # the marketplace to sync; default: the first the seller participates in
    mail: MailBinding | None = None
    client: httpx.Client | None = None
    initial_since: int | None = None
    platform: str = "amazon"

    def __post_init__(self) -> None:
        for what, value in (
            ("application id", self.application_id),
            ("LWA client id", self.client_id),
            ("LWA client secret", self.client_secret),
        ):
            if not value:
                raise DeskError(f"shops add amazon needs the app's {what}")
        if not self.application_id.startswith("amzn1."):
            raise DeskError(f"{self.application_id!r} is not an SP-API application id (amzn1.sp.solution...)")

    def consent_url(self, redirect_uri: str, state: str) -> str:
        query = {"application_id": self.application_id, "state": state, "redirect_uri": redirect_uri}
        if self.draft:
            query["version"] = "beta"
        return f"{self.consent_base.rstrip('/')}/apps/authorize/consent?{urllib.parse.urlencode(query)}"

    def finish(self, params: Mapping[str, str], redirect_uri: str, state: str) -> Bound:
        if params.get("error"):
            raise DeskError(
                f"the seller did not authorise: {params['error']} {params.get('error_description', '')}".strip()
            )
        if params.get("state") != state:
            raise DeskError("the redirect's state does not match this request (a stale or forged redirect)")
        code, partner = params.get("spapi_oauth_code"), params.get("selling_partner_id")
        if not code or not partner:
            raise DeskError("the redirect carried no spapi_oauth_code or selling_partner_id")
        client = self.client or httpx.Client(timeout=30)
        response = client.post(
            self.lwa_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
        )
        tokens = _json(response, "Login with Amazon code exchange")
        if response.status_code != 200 or not tokens.get("refresh_token"):
            raise DeskError(f"Login with Amazon refused the code: {_lwa_error(tokens, response.status_code)}")
        headers = {"x-amz-access-token": str(tokens["access_token"])}
        endpoint = self.base_url.rstrip("/")
        first = client.get(f"{endpoint}/sellers/v1/marketplaceParticipations", headers=headers)
        if first.status_code == 403:
            raise DeskError(
                "Amazon refused to list the seller's marketplaces (403): the app lacks the SP-API role "
                f"'Finance and Accounting' ({ROLES['Finance and Accounting']}), or the seller consented "
                "in another region; add the role to the app and run shops add amazon again"
            )
        rows = _json(first, "Amazon first read").get("payload")
        if first.status_code != 200 or not isinstance(rows, list):
            raise DeskError(f"Amazon first read failed (HTTP {first.status_code})")
        active = [r for r in rows if (r.get("participation") or {}).get("isParticipating")]
        if not active:
            raise DeskError(f"Amazon: seller {partner} participates in no marketplace")
        by_id = {str((r.get("marketplace") or {}).get("id")): r for r in active}
        if self.marketplace_id not in ("", "all", *by_id):
            raise DeskError(
                f"Amazon: seller {partner} does not sell on {self.marketplace_id}; "
                f"its marketplaces: {', '.join(sorted(by_id))}"
            )
        if self.marketplace_id == "all":
            chosen = active
        else:
            chosen = [by_id[self.marketplace_id] if self.marketplace_id else active[0]]
        secrets = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": str(tokens["refresh_token"]),
        }
        bound = [
            self._bound(client, endpoint, headers, str(partner), row, sorted(by_id), secrets)
            for row in chosen
        ]
        bound[0].also = bound[1:]
        return bound[0]

    def _bound(
        self,
        client: httpx.Client,
        endpoint: str,
        headers: Mapping[str, str],
        partner: str,
        row: Mapping[str, Any],
        marketplaces: list[str],
        secrets: Mapping[str, str],
    ) -> Bound:
        """One shop: the seller in one marketplace (one refresh token serves all of the seller's region)."""
        market = row.get("marketplace") or {}
        return Bound(
            platform="amazon",
            # one shop per seller and marketplace, as the desk keeps Amazon shops (orders carry theirs)
            external_id=f"{partner}:{market.get('id')}",
            name=str(row.get("storeName") or partner),
            country=str(market.get("countryCode") or ""),
            currency=str(market.get("defaultCurrencyCode") or ""),
            marketplace=str(market.get("id") or ""),
            config={
                "base_url": self.base_url,
                "lwa_url": self.lwa_url,
                "marketplace_id": str(market.get("id") or ""),
                "selling_partner_id": partner,
                "marketplaces": marketplaces,
            },
            secrets=dict(secrets),
            missing_scopes=self._missing_roles(client, endpoint, headers, str(market.get("id"))),
        )

    def _missing_roles(
        self, client: httpx.Client, endpoint: str, headers: Mapping[str, str], marketplace: str
    ) -> list[str]:
        """The roles whose probe Amazon refuses with 403: the order read the desk needs first, then, when
        an order came back, the Messaging API's list of what may be sent for it."""
        since = self.initial_since if self.initial_since is not None else time.time() - 30 * 86400
        probe = client.get(
            f"{endpoint}/orders/v0/orders",
            headers=dict(headers),
            params={
                "MarketplaceIds": marketplace,
                "LastUpdatedAfter": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since)),
                "MaxResultsPerPage": 1,
            },
        )
        if probe.status_code == 403:
            return [_role("Inventory and Order Tracking")]
        try:
            orders = (probe.json().get("payload") or {}).get("Orders") or []
        except (ValueError, AttributeError):
            orders = []
        if not orders or not orders[0].get("AmazonOrderId"):
            return []  # nothing to ask the Messaging API about yet
        messaging = client.get(
            f"{endpoint}/messaging/v1/orders/{orders[0]['AmazonOrderId']}",
            headers=dict(headers),
            params={"marketplaceIds": marketplace},
        )
        return [_role("Buyer Communication")] if messaging.status_code == 403 else []


def _role(name: str) -> str:
    return f"SP-API role '{name}' ({ROLES[name]})"
