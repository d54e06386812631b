"""Amazon Selling Partner API (SP-API): orders in, and the Messaging API's order-bound messages out.

What SP-API really offers a helpdesk, and so what this connector declares:

- ``orders``: ``GET /orders/v0/orders`` (LastUpdatedAfter + MarketplaceIds, paged by NextToken) and
  ``GET /orders/v0/orders/{id}/orderItems``. Buyer name and e-mail are restricted data: without a
  Restricted Data Token they are absent, so a buyer is identified by the order's relay address or, lacking
  it, by the order itself.
- ``messages_out``: the Messaging API sends only the message *types* Amazon allows for an order at that
  moment (``getMessagingActionsForOrder`` lists them: confirmCustomizationDetails, confirmDeliveryDetails,
  unexpectedProblem, ...). A free-text reply to a buyer's question is not one of them; those go out through
  Seller Central or the buyer's relay e-mail, and the outbox marks them ``manual`` saying so.
- no ``messages_in``: buyer-seller messages cannot be read through SP-API. They reach the seller as e-mail
  from the marketplace relay; an e-mail importer is the honest way in.
- no ``returns_in`` / ``returns_decide`` / ``refunds``: merchant-fulfilled returns are authorised in Seller
  Central (the returns report is read-only and delayed), so the after-sales service marks them "do it in
  Seller Central".

Auth: Login with Amazon token exchange (``POST /auth/o2/token``, refresh_token grant) and the
``x-amz-access-token`` header. 429s honour ``Retry-After`` and the ``x-amzn-RateLimit-Limit`` rate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx

from crossdesk import hookimpl
from crossdesk.models import PlatformSpec
from crossdesk.platforms import MessageOut, Page, PlatformError, manual
from crossdesk.plugins.platforms._http import (
    RetryPolicy,
    decimal_text,
    dump_cursor,
    epoch_to_iso,
    iso_to_epoch,
    json_body,
    load_cursor,
    request,
    retry_after_seconds,
)
from crossdesk.plugins.platforms.amazon_feedback import FEEDBACK_THREAD, AmazonFeedback
from crossdesk.templates.lint import lint_text

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://sellingpartnerapi-eu.amazon.com"
DEFAULT_LWA = "https://api.amazon.com/auth/o2/token"
TEXTLESS = frozenset({"negativeFeedbackRemoval", "legalDisclosure", "sendInvoice"})
NO_FREE_TEXT = (
    "Amazon's SP-API has no free-text reply to a buyer: send this answer from Seller Central "
    "(Messages) or reply to the buyer's relay e-mail, then mark the outbox item sent"
)

NO_FEEDBACK_REPLY = (
    "Amazon has no API to answer seller feedback: post a public response in Seller Central (Feedback "
    "Manager), or write to the buyer with an order message type (unexpectedProblem); never ask them to "
    "change or remove the feedback"
)


def feedback_pressure(text: str) -> str:
    """Why ``text`` may not go to an Amazon buyer: it asks to change or remove feedback (or to leave a
    positive one). "" when it does not."""
    found = [f for f in lint_text(text, ["amazon"]) if f.code in ("feedback_change", "feedback_request")]
    return "; ".join(str(f) for f in found)


def rate_limit_wait(response: httpx.Response) -> float | None:
    """Seconds to wait after a 429: ``Retry-After`` if given, and never less than one token of the
    operation's rate (``x-amzn-RateLimit-Limit`` is requests per second)."""
    wait = retry_after_seconds(response)
    limit = response.headers.get("x-amzn-ratelimit-limit")
    if limit:
        try:
            per_token = 1.0 / float(limit)
        except (ValueError, ZeroDivisionError):
            per_token = None
        if per_token is not None:
            wait = max(wait or 0.0, per_token)
    return wait


def _error(response: httpx.Response, what: str) -> PlatformError:
    """SP-API errors are ``{"errors": [{"code", "message", "details"}]}``."""
    code, message = "", ""
    try:
        errors = response.json().get("errors") or []
        if errors:
            code, message = errors[0].get("code", ""), errors[0].get("message", "")
    except (ValueError, AttributeError):
        pass
    return PlatformError(
        f"{what}: HTTP {response.status_code} {code} {message}".strip(),
        status=response.status_code,
        code=code,
    )


class AmazonConnector(AmazonFeedback):
    """One seller account in one marketplace; seller feedback through the Reports API (amazon_feedback)."""

    capabilities = frozenset({"orders", "messages_out"})  # and fetch_reviews (the feedback report)

    def __init__(self, config: Mapping[str, Any], client: httpx.Client) -> None:
        self.client = client
        self.marketplace_id = str(config.get("marketplace_id") or config.get("marketplace") or "")
        if not self.marketplace_id:
            raise PlatformError("amazon: the shop config needs marketplace_id (e.g. A1PA6795UKMFR9)")
        missing = [k for k in ("client_id", "client_secret", "refresh_token") if not config.get(k)]
        if missing:
            raise PlatformError(f"amazon: missing credentials {', '.join(missing)}")
        self._client_id = config["client_id"]
        self._client_secret = config["client_secret"]
        self._refresh_token = config["refresh_token"]
        self.endpoint = str(config.get("base_url") or DEFAULT_ENDPOINT).rstrip("/")
        self.lwa_url = str(config.get("lwa_url") or DEFAULT_LWA)
        self.page_size = int(config.get("page_size", 100))
        self.initial_since = int(config.get("initial_since", time.time() - 30 * 86400))
        self.policy = RetryPolicy.from_config(config)
        # Re-read this much before the newest change seen: orders can surface in the index late.
        self.overlap = int(config.get("overlap", 900))
        self._access_token: str | None = None
        self._expires_at = 0.0
        self.feedback_options = {
            k: config[k] for k in config if str(k).startswith(("feedback_", "report_")) and config[k] is not None
        }

    # ---- auth ----------------------------------------------------------------------------------

    def _token(self) -> str:
        if self._access_token and time.time() < self._expires_at - 60:
            return self._access_token
        response = request(
            self.client,
            "POST",
            self.lwa_url,
            policy=self.policy,
            what="amazon LWA token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": self._refresh_token,
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
        )
        body = json_body(response, what="amazon LWA token")
        if response.status_code != 200 or "access_token" not in body:
            # LWA answers {"error": "invalid_grant", "error_description": ...}; never echo the request.
            raise PlatformError(
                f"amazon LWA token: HTTP {response.status_code} {body.get('error', '')}".strip(),
                status=response.status_code,
                code=str(body.get("error", "")),
            )
        self._access_token = body["access_token"]
        self._expires_at = time.time() + float(body.get("expires_in", 3600))
        return self._access_token

    def _call(self, method: str, path: str, *, write: bool = False, **kwargs: Any) -> httpx.Response:
        what = f"amazon {method} {path.split('?')[0]}"
        for attempt in range(2):
            headers = {"x-amz-access-token": self._token(), "accept": "application/json"}
            response = request(
                self.client,
                method,
                self.endpoint + path,
                policy=self.policy,
                write=write,
                what=what,
                rate_limit_wait=rate_limit_wait,
                headers=headers,
                **kwargs,
            )
            if response.status_code in (401, 403) and attempt == 0:
                self._access_token = None  # expired or revoked: exchange the refresh token once more
                continue
            return response
        return response

    def _get_json(self, path: str, params: Mapping[str, Any]) -> dict:
        what = f"amazon GET {path}"
        last: PlatformError | None = None
        for attempt in range(self.policy.attempts):
            response = self._call("GET", path, params=params)
            if not response.is_success:
                raise _error(response, what)
            try:
                return json_body(response, what=what)
            except PlatformError as exc:
                last = exc
                self.policy.wait(attempt)
        assert last is not None
        raise last

    # ---- orders --------------------------------------------------------------------------------

    def fetch_orders(self, cursor: str | None) -> Page:
        """One page of orders changed since the cursor's time; the cursor carries Amazon's NextToken."""
        state = load_cursor(cursor)
        since = int(state.get("since", self.initial_since))
        hwm = int(state.get("hwm", since))
        token = state.get("next_token")
        params: dict[str, Any] = {"MarketplaceIds": self.marketplace_id}
        if token:
            params["NextToken"] = token
        else:
            params["LastUpdatedAfter"] = epoch_to_iso(since)
            params["MaxResultsPerPage"] = self.page_size
        try:
            body = self._get_json("/orders/v0/orders", params)
        except PlatformError as exc:
            if token and exc.status == 400:
                # NextTokens expire; start the window again (the upsert makes repeats harmless).
                log.warning("amazon: NextToken rejected (%s); restarting from the window start", exc.code)
                return self.fetch_orders(dump_cursor({"since": since, "hwm": hwm}))
            raise
        payload = body.get("payload")
        if not isinstance(payload, dict) or not isinstance(payload.get("Orders"), list):
            raise PlatformError("amazon getOrders: response without payload.Orders", retryable=True)
        records = []
        for order in payload["Orders"]:
            records.append(self._order(order))
            updated = iso_to_epoch(order.get("LastUpdateDate")) or 0
            hwm = max(hwm, updated)
        next_token = payload.get("NextToken")
        if next_token:
            return Page(records, dump_cursor({"since": since, "next_token": next_token, "hwm": hwm}), True)
        return Page(records, dump_cursor({"since": max(since, hwm - self.overlap)}), False)

    def _order(self, order: Mapping[str, Any]) -> dict[str, Any]:
        order_id = order["AmazonOrderId"]
        total = order.get("OrderTotal") or {}
        buyer = order.get("BuyerInfo") or {}
        address = order.get("ShippingAddress") or {}
        lines = []
        token = None
        while True:
            params: dict[str, Any] = {"NextToken": token} if token else {}
            items = self._get_json(f"/orders/v0/orders/{order_id}/orderItems", params).get("payload") or {}
            for item in items.get("OrderItems") or []:
                qty = int(item.get("QuantityOrdered") or 0)
                if qty <= 0:  # cancelled lines come back with quantity 0
                    continue
                price = item.get("ItemPrice") or {}
                # ItemPrice is the line total (price x quantity) in SP-API.
                unit = str((_dec(price.get("Amount")) / qty).quantize(_dec("0.01"))) if price else "0"
                lines.append(
                    {
                        "external_id": item.get("OrderItemId", ""),
                        "sku": item.get("SellerSKU") or item.get("ASIN") or "",
                        "title": item.get("Title", ""),
                        "quantity": qty,
                        "unit_price": unit,
                    }
                )
            token = items.get("NextToken")
            if not token:
                break
        relay = buyer.get("BuyerEmail", "")
        return {
            "external_id": order_id,
            "status": str(order.get("OrderStatus", "")).lower(),
            "currency": total.get("CurrencyCode") or "",
            "total": decimal_text(total.get("Amount")) if total else None,
            "ordered_at": iso_to_epoch(order.get("PurchaseDate")),
            "updated_at": iso_to_epoch(order.get("LastUpdateDate")),
            "shipped_at": None,
            "country": address.get("CountryCode", ""),
            "region": address.get("StateOrRegion", ""),
            "lines": lines,
            "customer": {
                # The relay address is stable per buyer and seller; without it the order is all we know.
                "external_id": relay or f"order:{order_id}",
                "name": buyer.get("BuyerName", ""),
                "email": relay,
                "country": address.get("CountryCode", ""),
            },
        }

    # ---- messages out --------------------------------------------------------------------------

    def messaging_actions(self, order_id: str) -> list[str]:
        """``getMessagingActionsForOrder``: the message types Amazon allows for this order now."""
        body = self._get_json(f"/messaging/v1/orders/{order_id}", {"marketplaceIds": self.marketplace_id})
        actions = (body.get("_links") or {}).get("actions") or []
        return [a.get("name", "") for a in actions if a.get("name")]

    @staticmethod
    def _message_body(action: MessageOut) -> dict[str, Any]:
        """Each message type has its own body: most take ``text``, some only ``attachments`` (uploaded
        first through the Uploads API), negativeFeedbackRemoval takes nothing."""
        body: dict[str, Any] = {}
        if action.message_type not in TEXTLESS and action.body:
            body["text"] = action.body
        if action.attachments:
            body["attachments"] = [
                {"uploadDestinationId": a.upload_destination_id, "fileName": a.file_name}
                for a in action.attachments
            ]
        return body

    def send_message(self, action: MessageOut) -> dict[str, Any]:
        """Send one of the order-bound message types. ``action.message_type`` names it; a plain reply
        (no type) cannot go through SP-API and comes back as a manual step."""
        order_id = action.order_external_id
        kind = action.message_type
        refused = feedback_pressure(action.body)
        if refused:  # never sent, whatever the message type: Amazon suspends sellers for it
            raise PlatformError(f"not sent: {refused}", code="lint")
        if not kind and (action.thread_id or "").startswith(FEEDBACK_THREAD):
            raise manual(NO_FEEDBACK_REPLY)
        if not kind:
            raise manual(NO_FREE_TEXT)
        if not order_id:
            raise manual("this Amazon message is not tied to an order; send it from Seller Central")
        allowed = self.messaging_actions(order_id)
        if kind not in allowed:
            raise manual(
                f"Amazon does not allow {kind} for order {order_id} now "
                f"(allowed: {', '.join(allowed) or 'none'}); use Seller Central"
            )
        path = f"/messaging/v1/orders/{order_id}/messages/{kind}"
        response = self._call(
            "POST",
            path,
            write=True,
            params={"marketplaceIds": self.marketplace_id},
            json=self._message_body(action),
        )
        if response.status_code != 201:
            raise _error(response, f"amazon {kind}")
        # Amazon returns no message id; the buyer sees it in their Buyer-Seller Messages.
        return {"external_id": None}


def _dec(value: Any) -> Decimal:
    return Decimal(str(value if value not in (None, "") else "0"))


def factory(config: dict, client: httpx.Client) -> AmazonConnector:
    return AmazonConnector(config, client)


@hookimpl
def crossdesk_platforms() -> list[PlatformSpec]:
    return [
        PlatformSpec(
            name="amazon",
            display_name="Amazon (SP-API)",
            factory=factory,
            credentials=("client_id", "client_secret", "refresh_token"),
        )
    ]
