"""A local fake of the Shopify Admin GraphQL API (the operations crossdesk sends).

``POST /admin/api/<version>/graphql.json`` with ``X-Shopify-Access-Token``. The fake does not parse
GraphQL: it recognises each operation crossdesk sends by its name (``query Orders``, ``mutation Approve``
...) and answers with the shapes Shopify gives: connections with ``pageInfo { hasNextPage endCursor }``,
``userErrors`` on mutations, ``extensions.cost`` on every answer, and on demand the THROTTLED error that
Shopify sends with HTTP 200 when the cost bucket is empty (:meth:`FakeShopify.throttled`).

The app install flow: ``/admin/oauth/authorize`` (the merchant always approves) redirects to
``redirect_uri`` with ``code``, ``shop``, ``state``, ``timestamp`` and ``hmac`` (hex HMAC-SHA256 of the
other parameters, sorted and joined as a query string, keyed with the app's secret);
``POST /admin/oauth/access_token`` exchanges the code for an offline token and the scopes granted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
import urllib.parse
from datetime import UTC, datetime
from typing import Any

from crossdesk.fakes.marketplace import MarketplaceFake, SeedOrder
from crossdesk.fakes.server import FakeRequest, FakeResponse, Fault

OPERATION = re.compile(r"^\s*(query|mutation)\s+(\w+)")
SINCE = re.compile(r"updated_at:>='([^']+)'")


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _cost(requested: int = 52, available: int = 1948, restore: float = 100.0) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": requested if available >= requested else None,
            "throttleStatus": {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": available,
                "restoreRate": restore,
            },
        }
    }


class FakeShopify(MarketplaceFake):
    def __init__(self, *, orders: int = 12, version: str = "2025-01") -> None:
        super().__init__("shopify", orders=orders, prefix="45078", currency="USD")
        self.version = version
        self.access_token = "shpat_fake0123456789abcdef0123456789"
        self.return_status = {self.return_gid(r.return_id): "REQUESTED" for r in self.returns}
        self.refunds: dict[str, list[dict[str, str]]] = {}
        self.cancelled: dict[str, str] = {}
        self.add_route("POST", f"/admin/api/{version}/graphql.json", self.graphql)
        self.add_route("GET", "/admin/oauth/authorize", self.authorize)
        self.add_route("POST", "/admin/oauth/access_token", self.oauth_token)
        self.api_key = "fake-shopify-app-key-5e4d3c"
        self.api_secret = "fake-shopify-app-secret-9a8b7c6d"
        self.domain = "acme.myshopify.com"
        self.shop_name = "Acme Outfitters"
        self.codes: dict[str, str] = {}  # code -> scopes asked
        self.withheld: set[str] = set()  # scopes the merchant does not grant (a missing-scope test)

    def authorize(self, req: FakeRequest) -> FakeResponse:
        if req.arg("client_id") != self.api_key or not (req.arg("redirect_uri") or "").startswith("http"):
            return FakeResponse(
                status=400, body=b"Oauth error invalid_request: bad client_id or redirect_uri"
            )
        code = secrets.token_hex(16)
        self.codes[code] = req.arg("scope") or ""
        params = {
            "code": code,
            "host": base64.b64encode(f"{self.domain}/admin".encode()).decode(),
            "shop": self.domain,
            "state": req.arg("state") or "",
            "timestamp": str(int(time.time())),
        }
        message = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        params["hmac"] = hmac.new(self.api_secret.encode(), message.encode(), hashlib.sha256).hexdigest()
        return FakeResponse(
            status=302, headers={"Location": f"{req.arg('redirect_uri')}?{urllib.parse.urlencode(params)}"}
        )

    def oauth_token(self, req: FakeRequest) -> FakeResponse:
        body = req.params()
        if body.get("client_id") != self.api_key or body.get("client_secret") != self.api_secret:
            return FakeResponse.json({"error": "invalid_client"}, status=400)
        asked = self.codes.pop(str(body.get("code") or ""), None)
        if asked is None:
            return FakeResponse.json(
                {"error": "invalid_request", "error_description": "bad code"}, status=400
            )
        granted = [s for s in asked.split(",") if s and s not in self.withheld]
        return FakeResponse.json({"access_token": self.access_token, "scope": ",".join(granted)})

    def op_shop(self, variables: dict[str, Any]) -> dict[str, Any]:
        return {"shop": {"name": self.shop_name, "myshopifyDomain": self.domain, "currencyCode": "USD"}}

    def credentials(self) -> dict[str, str]:
        return {"access_token": self.access_token}

    @staticmethod
    def order_gid(order_id: str) -> str:
        return f"gid://shopify/Order/{order_id}"

    @staticmethod
    def return_gid(return_id: str) -> str:
        return f"gid://shopify/Return/{return_id.removeprefix('R')}"

    @staticmethod
    def throttled(requested: int = 100, available: int = 10, restore: float = 100.0) -> Fault:
        """The answer Shopify gives when the cost bucket cannot pay for the query: HTTP 200, THROTTLED."""
        body = {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
            ],
            "extensions": _cost(requested, available, restore),
        }
        return Fault.status(200, body)

    # ---- dispatch ------------------------------------------------------------------------------

    def graphql(self, req: FakeRequest) -> FakeResponse:
        if req.header("x-shopify-access-token") != self.access_token:
            return FakeResponse.json(
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
                status=401,
            )
        try:
            body = req.json()
            query, variables = body["query"], body.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            return FakeResponse.json({"errors": [{"message": "Invalid JSON in request body"}]}, status=400)
        m = OPERATION.match(query)
        if not m:
            return FakeResponse.json({"errors": [{"message": "Parse error: operation name expected"}]})
        handler = getattr(self, f"op_{m.group(2).lower()}", None)
        if handler is None:
            return FakeResponse.json({"errors": [{"message": f"Unknown operation {m.group(2)}"}]})
        data = handler(variables)
        return FakeResponse.json({"data": data, "extensions": _cost()})

    # ---- queries -------------------------------------------------------------------------------

    def _order_node(self, o: SeedOrder, *, returns: bool) -> dict[str, Any]:
        gid = self.order_gid(o.order_id)
        node: dict[str, Any] = {
            "id": gid,
            "name": f"#{o.order_id}",
            "createdAt": iso(o.created),
            "updatedAt": iso(o.updated),
            "currencyCode": o.currency,
            "customer": {
                "id": f"gid://shopify/Customer/{o.buyer_id.removeprefix('buyer')}",
                "displayName": o.buyer_name,
            },
        }
        if returns:
            node["returns"] = {
                "nodes": [
                    {
                        "id": self.return_gid(r.return_id),
                        "name": f"#{o.order_id}-R1",
                        "status": self.return_status[self.return_gid(r.return_id)],
                        "totalQuantity": r.quantity,
                        "returnLineItems": {
                            "nodes": [
                                {
                                    "quantity": r.quantity,
                                    "returnReason": "DEFECTIVE",
                                    "customerNote": "Broken on arrival",
                                    "fulfillmentLineItem": {
                                        "lineItem": {
                                            "id": f"gid://shopify/LineItem/{r.line_id}",
                                            "sku": r.sku,
                                        }
                                    },
                                }
                            ]
                        },
                    }
                    for r in self.returns
                    if r.order_id == o.order_id
                ]
            }
            return node
        node.update(
            cancelledAt=self.cancelled.get(gid),
            displayFinancialStatus="PAID",
            displayFulfillmentStatus="FULFILLED" if o.status == "shipped" else "UNFULFILLED",
            totalPriceSet={"shopMoney": {"amount": o.total, "currencyCode": o.currency}},
            shippingAddress={"countryCodeV2": o.country, "provinceCode": None},
            lineItems={
                "nodes": [
                    {
                        "id": f"gid://shopify/LineItem/{line.line_id}",
                        "sku": line.sku,
                        "title": line.title,
                        "quantity": line.quantity,
                        "originalUnitPriceSet": {
                            "shopMoney": {"amount": line.unit_price, "currencyCode": o.currency}
                        },
                    }
                    for line in o.lines
                ]
            },
        )
        node["customer"].update(defaultEmailAddress={"emailAddress": o.email}, defaultPhoneNumber=None)
        return node

    def _orders(self, variables: dict[str, Any], *, returns: bool) -> dict[str, Any]:
        search = variables.get("query") or ""
        m = SINCE.search(search)
        since = parse_iso(m.group(1)) if m else 0
        matching = sorted(
            (o for o in self.orders if o.updated >= since), key=lambda o: (o.updated, o.order_id)
        )
        if "return_status:return_requested" in search:
            requested = {
                r.order_id
                for r in self.returns
                if self.return_status[self.return_gid(r.return_id)] == "REQUESTED"
            }
            matching = [o for o in matching if o.order_id in requested]
        first = int(variables.get("first") or 50)
        after = variables.get("after")
        offset = int(base64.b64decode(after).decode()) if after else 0
        page = self.window(matching, offset, first)
        more = offset + first < len(matching)
        end = base64.b64encode(str(offset + first).encode()).decode() if page else None
        return {
            "orders": {
                "pageInfo": {"hasNextPage": more, "endCursor": end},
                "nodes": [self._order_node(o, returns=returns) for o in page],
            }
        }

    def op_orders(self, variables: dict[str, Any]) -> dict[str, Any]:
        return self._orders(variables, returns=False)

    def op_returns(self, variables: dict[str, Any]) -> dict[str, Any]:
        return self._orders(variables, returns=True)

    def op_status(self, variables: dict[str, Any]) -> dict[str, Any]:
        rid = variables.get("id")
        status = self.return_status.get(rid)
        return {"return": None if status is None else {"id": rid, "status": status}}

    def op_transactions(self, variables: dict[str, Any]) -> dict[str, Any]:
        gid = variables.get("id")
        if not any(self.order_gid(o.order_id) == gid for o in self.orders):
            return {"order": None}
        sale = {
            "id": f"{gid.replace('Order', 'OrderTransaction')}1",
            "gateway": "shopify_payments",
            "kind": "SALE",
            "status": "SUCCESS",
        }
        return {"order": {"id": gid, "transactions": [sale]}}

    def op_refunds(self, variables: dict[str, Any]) -> dict[str, Any]:
        gid = variables.get("id")
        if not any(self.order_gid(o.order_id) == gid for o in self.orders):
            return {"order": None}
        return {
            "order": {"id": gid, "cancelledAt": self.cancelled.get(gid), "refunds": self.refunds.get(gid, [])}
        }

    # ---- mutations -----------------------------------------------------------------------------

    def _decide(self, variables: dict[str, Any], field: str, new_status: str) -> dict[str, Any]:
        rid = (variables.get("input") or {}).get("id")
        if rid not in self.return_status:
            return {
                field: {"return": None, "userErrors": [{"field": ["id"], "message": "Return does not exist"}]}
            }
        if self.return_status[rid] != "REQUESTED":
            return {
                field: {
                    "return": None,
                    "userErrors": [{"field": ["id"], "message": "Return is not requested"}],
                }
            }
        self.return_status[rid] = new_status
        self.actions.append((field, rid, dict(variables["input"])))
        return {field: {"return": {"id": rid, "status": new_status}, "userErrors": []}}

    def op_approve(self, variables: dict[str, Any]) -> dict[str, Any]:
        return self._decide(variables, "returnApproveRequest", "OPEN")

    def op_decline(self, variables: dict[str, Any]) -> dict[str, Any]:
        return self._decide(variables, "returnDeclineRequest", "DECLINED")

    def op_refund(self, variables: dict[str, Any]) -> dict[str, Any]:
        data = variables.get("input") or {}
        gid = data.get("orderId")
        if not any(self.order_gid(o.order_id) == gid for o in self.orders):
            return {
                "refundCreate": {
                    "refund": None,
                    "userErrors": [{"field": ["orderId"], "message": "Order does not exist"}],
                }
            }
        refund = {"id": f"gid://shopify/Refund/{len(self.actions) + 1}", "note": data.get("note") or ""}
        self.refunds.setdefault(gid, []).append(refund)
        self.actions.append(("refundCreate", gid, dict(data)))
        return {"refundCreate": {"refund": {"id": refund["id"]}, "userErrors": []}}

    def op_cancel(self, variables: dict[str, Any]) -> dict[str, Any]:
        gid = variables.get("orderId")
        if gid in self.cancelled:
            errors = [
                {"field": ["orderId"], "message": "Order has already been cancelled", "code": "INVALID"}
            ]
            return {"orderCancel": {"job": None, "orderCancelUserErrors": errors}}
        self.cancelled[gid] = iso(1765792800)
        self.actions.append(("orderCancel", gid, dict(variables)))
        return {"orderCancel": {"job": {"id": "gid://shopify/Job/1"}, "orderCancelUserErrors": []}}
