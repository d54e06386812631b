"""eBay: Sell Fulfillment orders, Post-Order returns and refunds, and the REST Message API.

- ``orders``: ``GET /sell/fulfillment/v1/order`` with ``filter=lastmodifieddate:[from..to]``, ``limit`` and
  ``offset``. The window's upper end is fixed at the start of a run so the set being paged stays put.
- ``returns_in`` / ``returns_decide`` / ``refunds``: the Post-Order API (``/post-order/v2/return/search``,
  ``.../{returnId}/decide``, ``.../{returnId}/issue_refund``), which wants ``Authorization: IAF <token>``.
- ``messages_in`` / ``messages_out``: the REST Message API (``/commerce/message/v1``: getConversations,
  getConversation, send_message) rather than the XML Trading API's GetMyMessages; it is eBay's current
  member-to-member messaging interface and speaks JSON with the same OAuth token.
- no ``cancellations``: the Post-Order cancellation flow is not wired in yet.

Idempotency: eBay takes no idempotency key on these calls. Before sending again after an unclear failure,
:meth:`EbayConnector.find_sent` looks on eBay: a return already decided or refunded, or our message text
already in the conversation, counts as sent.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from typing import Any

import httpx

from crossdesk import hookimpl
from crossdesk.models import PlatformSpec
from crossdesk.platforms import Action, MessageOut, Page, PlatformError, Refund, ReturnDecision, manual
from crossdesk.plugins.platforms._http import (
    RetryPolicy,
    decimal_text,
    dump_cursor,
    epoch_to_iso,
    iso_to_epoch,
    json_body,
    load_cursor,
    per_unit,
    platform_time,
    request,
)
from crossdesk.plugins.platforms.ebay_feedback import FEEDBACK_THREAD, EbayFeedback

CLOCK_SKEW = 120  # seconds of disagreement between our clock and the platform's we tolerate
DEFAULT_ENDPOINT = "https://api.ebay.com"
SCOPES = (
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment "
    "https://api.ebay.com/oauth/api_scope/commerce.message"
)
DECISIONS = {"approve": "ACCEPT", "decline": "DECLINE"}
# Post-Order return states after which a decision has been taken.
DECIDED_STATES = {
    "RETURN_ACCEPTED",
    "RETURN_DECLINED",
    "ITEM_SHIPPED",
    "ITEM_DELIVERED",
    "REFUND_ISSUED",
    "CLOSED",
    "RETURN_REJECTED",
}
REFUNDED_STATES = {"REFUND_ISSUED", "REFUND_INITIATED", "CLOSED"}


def _error(response: httpx.Response, what: str) -> PlatformError:
    """REST errors are ``{"errors": [{"errorId", "category", "message", "longMessage"}]}``; Post-Order
    sometimes uses ``{"error": [...]}``."""
    code, message = "", ""
    try:
        body = response.json()
        errors = body.get("errors") or body.get("error") or []
        if errors:
            code, message = str(errors[0].get("errorId", "")), errors[0].get("message", "")
    except (ValueError, AttributeError):
        pass
    return PlatformError(
        f"{what}: HTTP {response.status_code} {code} {message}".strip(),
        status=response.status_code,
        code=code,
    )


class EbayConnector(EbayFeedback):
    capabilities = frozenset(
        {"orders", "messages_in", "messages_out", "returns_in", "returns_decide", "refunds"}
    )

    def __init__(self, config: Mapping[str, Any], client: httpx.Client) -> None:
        self.client = client
        self.endpoint = str(config.get("base_url") or DEFAULT_ENDPOINT).rstrip("/")
        self.seller = str(config.get("seller_username") or "")
        # eBay marketplace ids look like EBAY_US, EBAY_DE; Post-Order wants the one the order was sold on.
        marketplace = str(config.get("marketplace") or "")
        self.marketplace = marketplace if marketplace.startswith("EBAY_") else "EBAY_US"
        self.page_size = int(config.get("page_size", 50))
        self.initial_since = int(config.get("initial_since", time.time() - 30 * 86400))
        self.policy = RetryPolicy.from_config(config)
        self._access_token: str | None = config.get("access_token")
        self._refresh_token = config.get("refresh_token")
        self._client_id = config.get("client_id")
        self._client_secret = config.get("client_secret")
        self._expires_at = float("inf") if self._access_token else 0.0
        if not self._access_token and not (self._refresh_token and self._client_id and self._client_secret):
            raise PlatformError("ebay: needs access_token, or refresh_token with client_id and client_secret")
        self.clock = config.get("clock") or time.time
        #: the platform's clock minus the desk's, from the Date of its last answer (see platform_time)
        self.skew = 0.0
        # Re-read this much before the last window's end: eBay's search index lags its writes a little.
        self.overlap = int(config.get("overlap", 900))

    # ---- auth ----------------------------------------------------------------------------------

    def _token(self) -> str:
        if self._access_token and time.time() < self._expires_at - 60:
            return self._access_token
        if not self._refresh_token:
            raise PlatformError(
                "ebay: the access token was refused and there is no refresh_token to renew it"
            )
        basic = base64.b64encode(f"{self._client_id}:{self._client_secret}".encode()).decode()
        response = request(
            self.client,
            "POST",
            self.endpoint + "/identity/v1/oauth2/token",
            policy=self.policy,
            what="ebay OAuth token",
            headers={"Authorization": f"Basic {basic}"},
            data={"grant_type": "refresh_token", "refresh_token": self._refresh_token, "scope": SCOPES},
        )
        body = json_body(response, what="ebay OAuth token")
        if response.status_code != 200 or "access_token" not in body:
            raise PlatformError(
                f"ebay OAuth token: HTTP {response.status_code} {body.get('error', '')}".strip(),
                status=response.status_code,
            )
        self._access_token = body["access_token"]
        self._expires_at = time.time() + float(body.get("expires_in", 7200))
        return self._access_token

    def _call(
        self, method: str, path: str, *, post_order: bool = False, write: bool = False, **kwargs: Any
    ) -> httpx.Response:
        what = f"ebay {method} {path}"
        for attempt in range(2):
            scheme = "IAF" if post_order else "Bearer"  # Post-Order predates eBay's Bearer convention
            headers = {"Authorization": f"{scheme} {self._token()}", "Accept": "application/json"}
            if post_order:
                headers["X-EBAY-C-MARKETPLACE-ID"] = self.marketplace
            response = request(
                self.client,
                method,
                self.endpoint + path,
                policy=self.policy,
                write=write,
                what=what,
                headers=headers,
                **kwargs,
            )
            when = platform_time(response)
            if when is not None:
                self.skew = when - self.clock()
            if response.status_code == 401 and attempt == 0 and self._refresh_token:
                self._access_token = None
                self._expires_at = 0.0
                continue
            return response
        return response

    def _get(self, path: str, params: Mapping[str, Any], *, post_order: bool = False) -> dict:
        what = f"ebay GET {path}"
        last: PlatformError | None = None
        for attempt in range(self.policy.attempts):
            response = self._call("GET", path, params=params, post_order=post_order)
            if not response.is_success:
                raise _error(response, what)
            try:
                body = json_body(response, what=what)
            except PlatformError as exc:
                last = exc
                self.policy.wait(attempt)
                continue
            if not isinstance(body, dict):
                last = PlatformError(f"{what}: unexpected body", retryable=True)
                self.policy.wait(attempt)
                continue
            return body
        assert last is not None
        raise last

    # ---- windows -------------------------------------------------------------------------------

    def _window(self, state: dict) -> tuple[int, int, int, int]:
        since = int(state.get("since", self.initial_since))
        until = int(state.get("until") or self.clock())
        return since, until, int(state.get("offset", 0)), int(state.get("hwm", since))

    # ---- orders --------------------------------------------------------------------------------

    def fetch_orders(self, cursor: str | None) -> Page:
        state = load_cursor(cursor)
        since, until, offset, hwm = self._window(state)
        body = self._get(
            "/sell/fulfillment/v1/order",
            {
                "filter": f"lastmodifieddate:[{epoch_to_iso(since, millis=True)}..{epoch_to_iso(until, millis=True)}]",
                "limit": self.page_size,
                "offset": offset,
            },
        )
        orders = body.get("orders")
        if not isinstance(orders, list):
            orders = []
            if body.get("total", 0) and offset < int(body["total"]):
                raise PlatformError("ebay getOrders: page without orders", retryable=True)
        records = [self._order(o) for o in orders]
        for order in orders:
            hwm = max(hwm, iso_to_epoch(order.get("lastModifiedDate")) or 0)
        offset += self.page_size  # eBay's offset counts records skipped, page by page
        more = bool(body.get("next")) and bool(orders)
        if more:
            return Page(
                records, dump_cursor({"since": since, "until": until, "offset": offset, "hwm": hwm}), True
            )
        # The next run starts where this window ended (less the overlap); an order modified during the run
        # is caught there.
        return Page(records, dump_cursor({"since": until - self.overlap}), False)

    def _order(self, order: Mapping[str, Any]) -> dict[str, Any]:
        buyer = order.get("buyer") or {}
        reg = buyer.get("buyerRegistrationAddress") or {}
        tax = buyer.get("taxAddress") or {}
        total = ((order.get("pricingSummary") or {}).get("total")) or {}
        currency = total.get("currency", "")
        lines = []
        for item in order.get("lineItems") or []:
            qty = int(item.get("quantity") or 1)
            cost = item.get("lineItemCost") or {}  # price x quantity
            unit = per_unit(cost.get("value"), qty)
            lines.append(
                {
                    "external_id": item.get("lineItemId", ""),
                    "sku": item.get("sku") or item.get("legacyItemId") or "",
                    "title": item.get("title", ""),
                    "quantity": qty,
                    "unit_price": unit,
                }
            )
        country = (reg.get("contactAddress") or {}).get("countryCode") or tax.get("countryCode", "")
        return {
            "external_id": order["orderId"],
            "status": str(order.get("orderFulfillmentStatus", "")).lower(),
            "currency": currency,
            "total": decimal_text(total.get("value")) if total else None,
            "ordered_at": iso_to_epoch(order.get("creationDate")),
            "updated_at": iso_to_epoch(order.get("lastModifiedDate")),
            "country": country,
            "region": tax.get("stateOrProvince", ""),
            "lines": lines,
            "customer": {
                "external_id": buyer.get("username", ""),
                "handle": buyer.get("username", ""),
                "name": reg.get("fullName", ""),
                "email": reg.get("email", ""),
                "phone": (reg.get("primaryPhone") or {}).get("phoneNumber", ""),
                "country": country,
            },
        }

    # ---- messages ------------------------------------------------------------------------------

    def fetch_messages(self, cursor: str | None) -> Page:
        """Conversations with activity in the window, one page of conversations at a time, each read in
        full; only the buyers' messages are returned (ours are already in the desk)."""
        state = load_cursor(cursor)
        since, until, offset, hwm = self._window(state)
        body = self._get(
            "/commerce/message/v1/conversation",
            {
                "conversation_type": "FROM_MEMBERS",
                "start_time": epoch_to_iso(since, millis=True),
                "end_time": epoch_to_iso(until, millis=True),
                "limit": self.page_size,
                "offset": offset,
            },
        )
        conversations = body.get("conversations") or []
        records = []
        for conv in conversations:
            conv_id = conv["conversationId"]
            for msg in self._conversation_messages(conv_id):
                created = iso_to_epoch(msg.get("createdDate")) or 0
                if self.seller and msg.get("senderUsername") == self.seller:
                    continue
                hwm = max(hwm, created)
                records.append(
                    {
                        "thread_id": conv_id,
                        "external_id": msg["messageId"],
                        "body": msg.get("messageBody", ""),
                        "created_at": created,
                        "subject": conv.get("conversationTitle", ""),
                        "author": msg.get("senderUsername", ""),
                        "order_external_id": conv.get("referenceId")
                        if conv.get("referenceType") == "ORDER"
                        else None,
                        "customer": {
                            "external_id": msg.get("senderUsername", ""),
                            "handle": msg.get("senderUsername", ""),
                        },
                    }
                )
        offset += self.page_size
        if body.get("next") and conversations:
            return Page(
                records, dump_cursor({"since": since, "until": until, "offset": offset, "hwm": hwm}), True
            )
        return Page(records, dump_cursor({"since": until - self.overlap}), False)

    def _conversation_messages(self, conv_id: str) -> list[dict]:
        out: list[dict] = []
        offset = 0
        while True:
            body = self._get(
                f"/commerce/message/v1/conversation/{conv_id}",
                {"conversation_type": "FROM_MEMBERS", "limit": 50, "offset": offset},
            )
            messages = body.get("messages") or []
            out.extend(messages)
            offset += 50
            if not body.get("next") or not messages:
                return out

    def send_message(self, action: MessageOut) -> dict[str, Any]:
        if (action.thread_id or "").startswith(FEEDBACK_THREAD):
            return self.reply_feedback(action)
        if not action.thread_id:
            raise PlatformError("ebay send_message: the eBay conversation id is not known for this message")
        response = self._call(
            "POST",
            "/commerce/message/v1/send_message",
            write=True,
            json={"conversationId": action.thread_id, "messageText": action.body},
        )
        if not response.is_success:
            raise _error(response, "ebay send_message")
        body = json_body(response, what="ebay send_message", write=True)
        return {"external_id": body.get("messageId")}

    # ---- returns -------------------------------------------------------------------------------

    def fetch_returns(self, cursor: str | None) -> Page:
        state = load_cursor(cursor)
        since, until, _, hwm = self._window(state)
        page_no = int(state.get("page", 1))  # Post-Order's "offset" is a 1-based page number
        body = self._get(
            "/post-order/v2/return/search",
            {
                "creation_date_range_from": epoch_to_iso(since, millis=True),
                "creation_date_range_to": epoch_to_iso(until, millis=True),
                "limit": self.page_size,
                "offset": page_no,
            },
            post_order=True,
        )
        members = body.get("members") or []
        records = []
        for ret in members:
            info = ret.get("creationInfo") or {}
            created = iso_to_epoch((info.get("creationDate") or {}).get("value")) or 0
            hwm = max(hwm, created)
            refund = ((ret.get("sellerTotalRefund") or {}).get("estimatedRefundAmount")) or {}
            item = info.get("item") or {}
            records.append(
                {
                    "external_id": str(ret["returnId"]),
                    "order_external_id": ret.get("orderId"),
                    "state": ret.get("state", ""),
                    "reason": info.get("reason", ""),
                    "comment": (info.get("comments") or {}).get("content", ""),
                    "currency": refund.get("currency", ""),
                    "amount": decimal_text(refund.get("value")) if refund else "0",
                    "requested_at": created,
                    "lines": [
                        {"sku": item.get("itemId", ""), "quantity": int(item.get("returnQuantity") or 1)}
                    ],
                    "customer": {
                        "external_id": ret.get("buyerLoginName", ""),
                        "handle": ret.get("buyerLoginName", ""),
                    },
                }
            )
        pages = int((body.get("paginationOutput") or {}).get("totalPages") or 1)
        if page_no < pages and members:
            return Page(
                records, dump_cursor({"since": since, "until": until, "page": page_no + 1, "hwm": hwm}), True
            )
        return Page(records, dump_cursor({"since": until - self.overlap}), False)

    def _return(self, return_id: str) -> dict:
        return self._get(f"/post-order/v2/return/{return_id}", {}, post_order=True)

    def decide_return(self, action: ReturnDecision) -> dict[str, Any]:
        return_id = action.return_external_id
        if not return_id:
            raise PlatformError("ebay decide: needs the eBay returnId; this case is not an eBay return")
        body: dict[str, Any] = {"decision": DECISIONS[action.decision]}
        comment = action.note or action.reason
        if comment:
            body["comments"] = {"content": comment}
        response = self._call(
            "POST", f"/post-order/v2/return/{return_id}/decide", post_order=True, write=True, json=body
        )
        if not response.is_success:
            raise _error(response, "ebay return decide")
        return {"external_id": str(return_id)}

    def refund(self, action: Refund) -> dict[str, Any]:
        return_id = action.return_external_id
        if not return_id:
            raise PlatformError("ebay refund: only refunds of an eBay return can be issued through the API")
        amount = {"value": str(action.amount), "currency": action.currency}
        body = {
            "refundDetail": {
                "itemizedRefundDetail": [{"refundAmount": amount, "refundFeeType": "PURCHASE_PRICE"}],
                "totalAmount": amount,
            },
            # Our key in the refund's comment is what tells this refund from another one on the return.
            "comments": {"content": f"{action.reason} {marker(action)}".strip()},
        }
        response = self._call(
            "POST", f"/post-order/v2/return/{return_id}/issue_refund", post_order=True, write=True, json=body
        )
        if not response.is_success:
            raise _error(response, "ebay issue_refund")
        result = json_body(response, what="ebay issue_refund", write=True)
        return {"external_id": str(return_id), "status": result.get("refundStatus", "")}

    # ---- reconciliation ------------------------------------------------------------------------

    def find_sent(self, action: Action) -> dict[str, Any] | None:
        """Whether an action whose outcome we did not hear already happened on eBay."""
        if isinstance(action, MessageOut):
            if (action.thread_id or "").startswith(FEEDBACK_THREAD):
                return self.find_feedback_reply(action)
            if not action.thread_id:
                return None  # never sent: send_message refuses a message without its conversation
            # Our queue time in the platform's clock (measured on its answers: the desk's clock may be
            # minutes off), less a margin: a reply sent seconds after queueing may carry a platform time
            # slightly before our queue time.
            messages = self._conversation_messages(action.thread_id)
            since = action.created_at + self.skew - CLOCK_SKEW  # the skew its answer just measured
            for msg in messages:
                if (
                    msg.get("messageBody") == action.body
                    and (not self.seller or msg.get("senderUsername") == self.seller)
                    and (iso_to_epoch(msg.get("createdDate")) or 0) >= since
                ):
                    return {"external_id": msg["messageId"]}
            return None
        if not isinstance(action, ReturnDecision | Refund):
            raise PlatformError(f"ebay find_sent: cannot look for a {action.kind}")
        return_id = action.return_external_id
        if not return_id:
            return None  # never sent: both calls refuse an action without the eBay returnId
        if isinstance(action, Refund):
            return self._find_refund(action, return_id)
        state = ((self._return(return_id).get("summary") or {}).get("state")) or ""
        return {"external_id": str(return_id)} if state in DECIDED_STATES else None

    def _find_refund(self, action: Refund, return_id: str) -> dict[str, Any] | None:
        """A return may carry several partial refunds, so its state says nothing of this one: look for our
        key in the notes of the refunds in its history. A refund there without a key of ours (issued in
        Seller Hub) may be this one or not: a person decides (``manual``), never a guess."""
        found = self._get(f"/post-order/v2/return/{return_id}", {"fieldgroups": "FULL"}, post_order=True)
        state = ((found.get("summary") or {}).get("state")) or ""
        history = (found.get("detail") or {}).get("responseHistory")
        refunds = [h for h in history or () if h.get("activity") == "SELLER_ISSUE_REFUND"]
        key = marker(action)
        if any(key in (h.get("notes") or "") for h in refunds):
            return {"external_id": str(return_id)}
        unknown = [h for h in refunds if MARKER_PREFIX not in (h.get("notes") or "")]
        if unknown or (state in REFUNDED_STATES and history is None):
            raise manual(
                f"eBay return {return_id} shows a refund this desk cannot tell apart from this one "
                f"({action.currency} {action.amount}): check the return in Seller Hub, then mark this item "
                "sent or retry it"
            )
        return None


MARKER_PREFIX = "[crossdesk:"


def marker(action: Action) -> str:
    """The text that identifies an action of ours on eBay (in a refund's comment)."""
    return f"{MARKER_PREFIX}{action.idempotency_key}]"


def factory(config: dict, client: httpx.Client) -> EbayConnector:
    return EbayConnector(config, client)


@hookimpl
def crossdesk_platforms() -> list[PlatformSpec]:
    return [
        PlatformSpec(
            name="ebay",
            display_name="eBay",
            factory=factory,
            credentials=("access_token", "refresh_token", "client_id", "client_secret"),
        )
    ]
