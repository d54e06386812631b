"""Shopify Admin GraphQL API: orders, return requests, return decisions, refunds and cancellations.

``POST /admin/api/<version>/graphql.json`` with ``X-Shopify-Access-Token``. Lists page with
``first``/``after`` and ``pageInfo { hasNextPage endCursor }``. Rate limiting is a cost bucket: a query
that does not fit answers HTTP 200 with ``errors[].extensions.code == "THROTTLED"`` and
``extensions.cost.throttleStatus``; the wait is the missing points over the restore rate. Mutations report
business errors in ``userErrors``.

- ``orders``: ``orders(query: "updated_at:>=...", sortKey: UPDATED_AT)``.
- ``returns_in``: the return requests on orders (``return_status:return_requested``).
- ``returns_decide``: ``returnApproveRequest`` / ``returnDeclineRequest``.
- ``refunds``: ``refundCreate``; the outbox idempotency key is written into the refund note so a retry
  after an unclear failure can find the refund it already made.
- ``cancellations``: ``orderCancel``.
- no ``messages_in`` / ``messages_out``: the Admin API has no buyer-conversation API. Shopify Inbox is a
  separate app without a public API; buyer e-mails to the shop are the way in, through an e-mail importer.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from crossdesk import hookimpl
from crossdesk.models import PlatformSpec
from crossdesk.platforms import Action, Cancellation, Page, PlatformError, Refund, ReturnDecision
from crossdesk.plugins.platforms._http import (
    RetryPolicy,
    decimal_text,
    dump_cursor,
    epoch_to_iso,
    iso_to_epoch,
    json_body,
    load_cursor,
    request,
)

API_VERSION = "2025-01"
DECLINE_REASONS = {"RETURN_PERIOD_ENDED", "FINAL_SALE", "OTHER"}

ORDER_FIELDS = """
  id name createdAt updatedAt cancelledAt displayFinancialStatus displayFulfillmentStatus
  currencyCode
  totalPriceSet { shopMoney { amount currencyCode } }
  customer { id displayName defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } }
  shippingAddress { countryCodeV2 provinceCode }
  lineItems(first: 100) { nodes { id sku title quantity originalUnitPriceSet { shopMoney { amount currencyCode } } } }
"""

ORDERS_QUERY = (
    """
query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { """
    + ORDER_FIELDS
    + """ }
  }
}
"""
)

RETURNS_QUERY = """
query Returns($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name updatedAt currencyCode
      customer { id displayName }
      returns(first: 10) {
        nodes {
          id name status totalQuantity
          returnLineItems(first: 50) {
            nodes { ... on ReturnLineItem { quantity returnReason customerNote
              fulfillmentLineItem { lineItem { id sku } } } }
          }
        }
      }
    }
  }
}
"""

APPROVE = """
mutation Approve($input: ReturnApproveRequestInput!) {
  returnApproveRequest(input: $input) { return { id status } userErrors { field message } }
}
"""
DECLINE = """
mutation Decline($input: ReturnDeclineRequestInput!) {
  returnDeclineRequest(input: $input) { return { id status } userErrors { field message } }
}
"""
REFUND = """
mutation Refund($input: RefundInput!) {
  refundCreate(input: $input) { refund { id } userErrors { field message } }
}
"""
CANCEL = """
mutation Cancel($orderId: ID!, $reason: OrderCancelReason!, $refund: Boolean!, $restock: Boolean!, $notifyCustomer: Boolean) {
  orderCancel(orderId: $orderId, reason: $reason, refund: $refund, restock: $restock, notifyCustomer: $notifyCustomer) {
    job { id } orderCancelUserErrors { field message code }
  }
}
"""
TRANSACTIONS = "query Transactions($id: ID!) { order(id: $id) { id transactions(first: 20) { id gateway kind status } } }"
RETURN_STATUS = "query Status($id: ID!) { return(id: $id) { id status } }"
ORDER_REFUNDS = "query Refunds($id: ID!) { order(id: $id) { id cancelledAt refunds(first: 50) { id note } } }"


def throttle_wait(response: httpx.Response) -> float | None:
    """Seconds until the cost bucket holds what the query asked for, when Shopify said THROTTLED."""
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors or not any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
        return None
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    needed = float(cost.get("requestedQueryCost") or 0) - float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or 50)
    return max(0.0, needed / rate)


class ShopifyConnector:
    capabilities = frozenset({"orders", "returns_in", "returns_decide", "refunds", "cancellations"})

    def __init__(self, config: Mapping[str, Any], client: httpx.Client) -> None:
        if not config.get("access_token"):
            raise PlatformError("shopify: missing credential access_token")
        self.client = client
        self._token = str(config["access_token"])
        shop = str(config.get("shop_domain") or config.get("shop_external_id") or "")
        base = config.get("base_url") or f"https://{shop}"
        version = str(config.get("api_version") or API_VERSION)
        self.url = f"{str(base).rstrip('/')}/admin/api/{version}/graphql.json"
        self.page_size = int(config.get("page_size", 50))
        self.initial_since = int(config.get("initial_since", time.time() - 30 * 86400))
        self.policy = RetryPolicy.from_config(config)
        self.overlap = int(config.get("overlap", 900))  # search index lag, as for the other platforms

    def _graphql(self, query: str, variables: Mapping[str, Any], *, write: bool = False, what: str) -> dict:
        last: PlatformError | None = None
        for attempt in range(self.policy.attempts):
            response = request(
                self.client,
                "POST",
                self.url,
                policy=self.policy,
                write=write,
                what=f"shopify {what}",
                check=throttle_wait,  # THROTTLED means nothing ran: safe to wait and resend, even a mutation
                headers={"X-Shopify-Access-Token": self._token, "Content-Type": "application/json"},
                json={"query": query, "variables": dict(variables)},
            )
            if response.status_code in (401, 403):
                raise PlatformError(
                    f"shopify {what}: HTTP {response.status_code}: the access token was refused",
                    status=response.status_code,
                )
            if not response.is_success:
                raise PlatformError(
                    f"shopify {what}: HTTP {response.status_code}", status=response.status_code
                )
            try:
                body = json_body(response, what=f"shopify {what}", write=write)
            except PlatformError as exc:
                if write:
                    raise
                last = exc
                self.policy.wait(attempt)
                continue
            if not isinstance(body, dict) or (body.get("data") is None and not body.get("errors")):
                last = PlatformError(
                    f"shopify {what}: response without data", retryable=True, ambiguous=write
                )
                if write:
                    raise last
                self.policy.wait(attempt)
                continue
            if body.get("errors"):
                first = body["errors"][0]
                code = (first.get("extensions") or {}).get("code", "")
                raise PlatformError(f"shopify {what}: {first.get('message', 'error')}", code=code)
            return body["data"]
        assert last is not None
        raise last

    @staticmethod
    def _user_errors(result: Mapping[str, Any] | None, what: str, key: str = "userErrors") -> None:
        errors = (result or {}).get(key) or []
        if errors:
            text = "; ".join(e.get("message", "") for e in errors)
            raise PlatformError(f"shopify {what}: {text}", code="USER_ERROR")

    # ---- orders --------------------------------------------------------------------------------

    def _page(self, query: str, cursor: str | None, extra: str, what: str) -> tuple[list[dict], str, bool]:
        state = load_cursor(cursor)
        since = int(state.get("since", self.initial_since))
        hwm = int(state.get("hwm", since))
        search = f"updated_at:>='{epoch_to_iso(since)}'" + (f" AND {extra}" if extra else "")
        data = self._graphql(
            query, {"first": self.page_size, "after": state.get("after"), "query": search}, what=what
        )
        conn = (data or {}).get("orders") or {}
        nodes = conn.get("nodes")
        if not isinstance(nodes, list):
            raise PlatformError(f"shopify {what}: no orders connection", retryable=True)
        for node in nodes:
            hwm = max(hwm, iso_to_epoch(node.get("updatedAt")) or 0)
        info = conn.get("pageInfo") or {}
        if info.get("hasNextPage") and info.get("endCursor"):
            return nodes, dump_cursor({"since": since, "after": info["endCursor"], "hwm": hwm}), True
        return nodes, dump_cursor({"since": max(since, hwm - self.overlap)}), False

    def fetch_orders(self, cursor: str | None) -> Page:
        nodes, nxt, more = self._page(ORDERS_QUERY, cursor, "", "orders")
        return Page([self._order(n) for n in nodes], nxt, more)

    def _order(self, node: Mapping[str, Any]) -> dict[str, Any]:
        money = ((node.get("totalPriceSet") or {}).get("shopMoney")) or {}
        customer = node.get("customer") or None
        address = node.get("shippingAddress") or {}
        lines = []
        for item in ((node.get("lineItems") or {}).get("nodes")) or []:
            price = ((item.get("originalUnitPriceSet") or {}).get("shopMoney")) or {}
            lines.append(
                {
                    "external_id": item["id"],
                    "sku": item.get("sku") or item["id"].rsplit("/", 1)[-1],
                    "title": item.get("title", ""),
                    "quantity": int(item.get("quantity") or 1),
                    "unit_price": decimal_text(price.get("amount")),
                }
            )
        status = (
            "cancelled" if node.get("cancelledAt") else str(node.get("displayFulfillmentStatus", "")).lower()
        )
        return {
            "external_id": node["id"],
            "status": status,
            "currency": money.get("currencyCode") or node.get("currencyCode", ""),
            "total": decimal_text(money.get("amount")),
            "ordered_at": iso_to_epoch(node.get("createdAt")),
            "updated_at": iso_to_epoch(node.get("updatedAt")),
            "country": address.get("countryCodeV2", ""),
            "region": address.get("provinceCode", ""),
            "lines": lines,
            "customer": {
                "external_id": customer["id"],
                "name": customer.get("displayName", ""),
                "email": ((customer.get("defaultEmailAddress") or {}).get("emailAddress")) or "",
                "phone": ((customer.get("defaultPhoneNumber") or {}).get("phoneNumber")) or "",
                "country": address.get("countryCodeV2", ""),
            }
            if customer
            else None,
        }

    # ---- returns -------------------------------------------------------------------------------

    def fetch_returns(self, cursor: str | None) -> Page:
        nodes, nxt, more = self._page(RETURNS_QUERY, cursor, "return_status:return_requested", "returns")
        records = []
        for order in nodes:
            for ret in ((order.get("returns") or {}).get("nodes")) or []:
                items = ((ret.get("returnLineItems") or {}).get("nodes")) or []
                reason = next((i.get("returnReason") for i in items if i.get("returnReason")), "")
                records.append(
                    {
                        "external_id": ret["id"],
                        "order_external_id": order["id"],
                        "state": ret.get("status", ""),
                        "reason": str(reason or "").lower(),
                        "comment": next((i.get("customerNote") for i in items if i.get("customerNote")), "")
                        or "",
                        "currency": order.get("currencyCode", ""),
                        "amount": None,  # Shopify computes the refund when it is made, not on request
                        "requested_at": iso_to_epoch(order.get("updatedAt")),
                        "lines": [
                            {
                                "line_external_id": (
                                    ((i.get("fulfillmentLineItem") or {}).get("lineItem")) or {}
                                ).get("id"),
                                "quantity": int(i.get("quantity") or 1),
                            }
                            for i in items
                        ],
                        "customer": {
                            "external_id": order["customer"]["id"],
                            "name": order["customer"].get("displayName", ""),
                        }
                        if order.get("customer")
                        else None,
                    }
                )
        return Page(records, nxt, more)

    def decide_return(self, action: ReturnDecision) -> dict[str, Any]:
        return_id = action.return_external_id
        if not return_id:
            raise PlatformError("shopify decide: the Shopify return id is not known for this case")
        if action.decision == "approve":
            data = self._graphql(
                APPROVE, {"input": {"id": return_id}}, write=True, what="returnApproveRequest"
            )
            result = data.get("returnApproveRequest")
            self._user_errors(result, "returnApproveRequest")
        else:
            reason = (action.reason_code or "OTHER").upper()
            payload = {
                "id": return_id,
                "declineReason": reason if reason in DECLINE_REASONS else "OTHER",
                "declineNote": action.reason or action.note,
            }
            data = self._graphql(DECLINE, {"input": payload}, write=True, what="returnDeclineRequest")
            result = data.get("returnDeclineRequest")
            self._user_errors(result, "returnDeclineRequest")
        return {"external_id": return_id, "status": ((result or {}).get("return") or {}).get("status", "")}

    def refund(self, action: Refund) -> dict[str, Any]:
        order_id = action.order_external_id
        # The idempotency key in the note is how find_sent recognises this refund after an unclear failure.
        note = f"{action.reason or 'Refund'} [crossdesk:{action.idempotency_key}]"
        refund_input: dict[str, Any] = {"orderId": order_id, "note": note, "notify": action.notify}
        lines = [{"lineItemId": line.line_external_id, "quantity": line.quantity} for line in action.lines]
        if lines:
            refund_input["refundLineItems"] = lines
        # Money moves only with a REFUND transaction against the payment that was captured.
        parent = self._captured_payment(order_id)
        refund_input["transactions"] = [
            {
                "orderId": order_id,
                "parentId": parent["id"],
                "amount": str(action.amount),
                "gateway": parent["gateway"],
                "kind": "REFUND",
            }
        ]
        data = self._graphql(REFUND, {"input": refund_input}, write=True, what="refundCreate")
        result = data.get("refundCreate")
        self._user_errors(result, "refundCreate")
        return {"external_id": ((result or {}).get("refund") or {}).get("id")}

    def _captured_payment(self, order_id: str) -> dict[str, Any]:
        data = self._graphql(TRANSACTIONS, {"id": order_id}, what="order transactions")
        for tx in ((data.get("order") or {}).get("transactions")) or []:
            if tx.get("status") == "SUCCESS" and tx.get("kind") in ("SALE", "CAPTURE"):
                return tx
        raise PlatformError(
            f"shopify refund: order {order_id} has no captured payment to refund through the API; "
            "refund it in the Shopify admin",
            manual_step=f"Refund order {order_id} in the Shopify admin (no captured payment found by the API)",
        )

    def cancel_order(self, action: Cancellation) -> dict[str, Any]:
        order_id = action.order_external_id
        data = self._graphql(
            CANCEL,
            {
                "orderId": order_id,
                "reason": (action.reason_code or "CUSTOMER").upper(),
                "refund": action.refund,
                "restock": action.restock,
                "notifyCustomer": action.notify,
            },
            write=True,
            what="orderCancel",
        )
        result = data.get("orderCancel")
        self._user_errors(result, "orderCancel", "orderCancelUserErrors")
        return {"external_id": order_id}

    # ---- reconciliation ------------------------------------------------------------------------

    def find_sent(self, action: Action) -> dict[str, Any] | None:
        if isinstance(action, ReturnDecision):
            return_id = action.return_external_id
            if not return_id:
                return None  # never sent: decide_return refuses a decision without the return id
            data = self._graphql(RETURN_STATUS, {"id": return_id}, what="return status")
            status = ((data.get("return") or {}).get("status")) or ""
            return {"external_id": return_id} if status and status != "REQUESTED" else None
        if not isinstance(action, Refund | Cancellation):
            raise PlatformError(f"shopify find_sent: cannot look for a {action.kind}")
        data = self._graphql(ORDER_REFUNDS, {"id": action.order_external_id}, what="order refunds")
        order = data.get("order") or {}
        if isinstance(action, Cancellation):
            return {"external_id": order.get("id")} if order.get("cancelledAt") else None
        marker = f"[crossdesk:{action.idempotency_key}]"
        for refund in order.get("refunds") or []:
            if marker in (refund.get("note") or ""):
                return {"external_id": refund["id"]}
        return None


def factory(config: dict, client: httpx.Client) -> ShopifyConnector:
    return ShopifyConnector(config, client)


@hookimpl
def crossdesk_platforms() -> list[PlatformSpec]:
    return [
        PlatformSpec(name="shopify", display_name="Shopify", factory=factory, credentials=("access_token",))
    ]
