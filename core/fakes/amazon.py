"""A local fake of Amazon SP-API: LWA token exchange, website authorisation, Orders v0, Sellers, the
Messaging API, and the Reports API's seller feedback report.

Same paths, auth and shapes as the real API: the Seller Central consent page
``GET /apps/authorize/consent`` (``application_id``, ``state``, ``version=beta`` for a draft app) redirects
to ``redirect_uri`` with ``spapi_oauth_code``, ``selling_partner_id`` and ``state``; ``POST /auth/o2/token``
(form: the authorization_code grant turns that code into a refresh token, the refresh_token grant issues
access tokens); ``GET /sellers/v1/marketplaceParticipations`` names the seller's marketplaces and store; every SP-API call needs ``x-amz-access-token``; ``GET /orders/v0/orders`` pages with an
opaque ``NextToken`` (which the fake can expire, as Amazon's do); errors are
``{"errors": [{"code", "message", "details"}]}``; every answer carries ``x-amzn-RateLimit-Limit``.
Reports (2021-06-30): ``POST /reports`` (``GET_SELLER_FEEDBACK_DATA``) answers 202 with a ``reportId``;
``GET /reports/{id}`` is IN_QUEUE/IN_PROGRESS for ``report_polls`` polls, then DONE with a
``reportDocumentId``; ``GET /documents/{id}`` gives a pre-signed ``url`` (on this server, no SP-API token,
a signature in the query) to a tab-separated document, gzipped when ``gzip_reports``.
"""

from __future__ import annotations

import gzip
import secrets
import urllib.parse
from datetime import UTC, datetime
from typing import Any

from crossdesk.fakes.marketplace import MarketplaceFake, SeedOrder
from crossdesk.fakes.server import FakeRequest, FakeResponse

RATE = "0.0167"  # getOrders: one request a minute sustained
REPORTS = "/reports/2021-06-30"
FEEDBACK_COLUMNS = ("Date", "Rating", "Comments", "Response", "Order ID", "Rater Email")
FEEDBACK_SEED = (
    (5, "Fast delivery, well packed."),
    (1, "Wrong size sent and no answer to my message."),
    (4, "Good."),
    (2, "Took three weeks."),
)


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _errors(status: int, code: str, message: str) -> FakeResponse:
    return FakeResponse.json(
        {"errors": [{"code": code, "message": message, "details": ""}]},
        status=status,
        headers={"x-amzn-RateLimit-Limit": RATE},
    )


class FakeAmazon(MarketplaceFake):
    """Seeded with orders; ``client_id``/``client_secret``/``refresh_token`` are the valid credentials."""

    def __init__(self, *, orders: int = 12, marketplace_id: str = "A1PA6795UKMFR9") -> None:
        super().__init__("amazon", orders=orders, prefix="302-", currency="EUR")
        self.marketplace_id = marketplace_id
        self.client_id = "amzn1.application-oa2-client.fake0001"
        self.client_secret = "fake-lwa-client-secret-0123456789"
        self.refresh_token = "Atzr|fake-refresh-token-abcdefghij"
        self.tokens: set[str] = set()
        #: website authorisation: the app (a draft needs ``version=beta``), the seller who consents
        self.application_id = "amzn1.sp.solution.fake-0000-1111"
        self.draft = True
        self.selling_partner_id = "A3FAKESELLER0001"
        self.store_name = "Acme Outlet EU"
        self.marketplaces = [(marketplace_id, "DE", "Amazon.de", "EUR", "de_DE", "www.amazon.de")]
        #: SP-API roles the app was not granted (their endpoints answer 403 Unauthorized)
        self.withheld_roles: set[str] = set()
        self.consent_denied = False
        self.codes: dict[str, str] = {}  # spapi_oauth_code -> the redirect_uri it was issued for
        self.next_tokens: dict[str, tuple[int, int, int]] = {}
        #: message types allowed per order (getMessagingActionsForOrder); default for every order
        self.allowed_actions: dict[str, list[str]] = {}
        self.default_actions = ["confirmDeliveryDetails", "unexpectedProblem"]
        self.add_route("POST", "/auth/o2/token", self.token)
        self.add_route("GET", "/apps/authorize/consent", self.consent)
        self.add_route("GET", "/sellers/v1/marketplaceParticipations", self.participations)
        self.add_route("GET", "/orders/v0/orders", self.get_orders)
        self.add_route("GET", "/orders/v0/orders/{order_id}/orderItems", self.get_order_items)
        self.add_route("GET", "/messaging/v1/orders/{order_id}", self.get_actions)
        self.add_route("POST", "/messaging/v1/orders/{order_id}/messages/{action}", self.send)
        self.add_route("POST", f"{REPORTS}/reports", self.create_report)
        self.add_route("GET", f"{REPORTS}/reports/{{report_id}}", self.get_report)
        self.add_route("GET", f"{REPORTS}/documents/{{document_id}}", self.get_document)
        self.add_route("GET", "/s3/reports/{document_id}", self.download)
        #: the seller feedback Amazon holds: Date (the marketplace's d/m/y), Rating, Comments, Response,
        #: Order ID, Rater Email (the buyer's relay address, as on the order)
        self.feedback = [
            self._feedback(o, stars, text)
            for o, (stars, text) in zip(self.orders[:4], FEEDBACK_SEED, strict=False)
        ]
        self.reports: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, tuple[str, bytes]] = {}  # id -> (signature, body as sent)
        self.report_polls = 1  # polls answered IN_PROGRESS before DONE
        self.gzip_reports = True
        self.report_status = "DONE"  # what a finished report ends as (FATAL, CANCELLED to test those)

    def credentials(self) -> dict[str, str]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
        }

    def expire_tokens(self) -> None:
        """Access tokens and NextTokens stop working, as after an hour."""
        with self._lock:
            self.tokens.clear()
            self.next_tokens.clear()

    # ---- auth ----------------------------------------------------------------------------------

    def consent(self, req: FakeRequest) -> FakeResponse:
        """Seller Central's consent page; the fake's seller consents unless ``consent_denied``."""
        if req.arg("application_id") != self.application_id:
            return FakeResponse.text("MD1000: the application id is not known", status=400)
        if self.draft and req.arg("version") != "beta":
            return FakeResponse.text("MD9100: a draft application needs version=beta", status=400)
        redirect = req.arg("redirect_uri") or ""
        if not redirect.startswith("http"):
            return FakeResponse.text("MD5101: redirect_uri is not registered for the app", status=400)
        if self.consent_denied:
            query = {"error": "access_denied", "state": req.arg("state") or ""}
            return FakeResponse(
                status=302, headers={"Location": f"{redirect}?{urllib.parse.urlencode(query)}"}
            )
        code = "ANfake" + secrets.token_urlsafe(16)
        self.codes[code] = redirect
        query = {
            "state": req.arg("state") or "",
            "selling_partner_id": self.selling_partner_id,
            "spapi_oauth_code": code,
        }
        return FakeResponse(status=302, headers={"Location": f"{redirect}?{urllib.parse.urlencode(query)}"})

    def token(self, req: FakeRequest) -> FakeResponse:
        form = {k: v[0] for k, v in req.form().items()}
        if form.get("grant_type") not in ("refresh_token", "authorization_code"):
            return FakeResponse.json({"error": "unsupported_grant_type"}, status=400)
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
            return FakeResponse.json(
                {"error": "invalid_client", "error_description": "Client authentication failed"}, status=401
            )
        if form.get("grant_type") == "authorization_code":
            issued_for = self.codes.pop(form.get("code", ""), None)
            if issued_for is None or issued_for != form.get("redirect_uri", issued_for):
                return FakeResponse.json(
                    {"error": "invalid_grant", "error_description": "The authorization code is invalid"},
                    status=400,
                )
        elif form.get("refresh_token") != self.refresh_token:
            return FakeResponse.json(
                {"error": "invalid_grant", "error_description": "The request has an invalid grant parameter"},
                status=400,
            )
        token = "Atza|" + secrets.token_urlsafe(24)
        self.tokens.add(token)
        return FakeResponse.json(
            {
                "access_token": token,
                "refresh_token": self.refresh_token,
                "token_type": "bearer",
                "expires_in": 3600,
            }
        )

    def _auth(self, req: FakeRequest, role: str = "") -> FakeResponse | None:
        if req.header("x-amz-access-token") not in self.tokens or role in self.withheld_roles:
            return _errors(403, "Unauthorized", "Access to requested resource is denied.")
        return None

    def participations(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "Finance and Accounting")  # the role Amazon's Sellers API docs name
        if denied:
            return denied
        payload = [
            {
                "marketplace": {
                    "id": mid,
                    "countryCode": country,
                    "name": name,
                    "defaultCurrencyCode": currency,
                    "defaultLanguageCode": language,
                    "domainName": domain,
                },
                "participation": {"isParticipating": True, "hasSuspendedListings": False},
                "storeName": self.store_name,
            }
            for mid, country, name, currency, language, domain in self.marketplaces
        ]
        return FakeResponse.json({"payload": payload}, headers={"x-amzn-RateLimit-Limit": "0.016"})

    # ---- orders --------------------------------------------------------------------------------

    def _order_json(self, o: SeedOrder) -> dict[str, Any]:
        return {
            "AmazonOrderId": o.order_id,
            "PurchaseDate": iso(o.created),
            "LastUpdateDate": iso(o.updated),
            "OrderStatus": "Shipped" if o.status == "shipped" else "Unshipped",
            "FulfillmentChannel": "MFN",
            "OrderTotal": {"CurrencyCode": o.currency, "Amount": o.total},
            "MarketplaceId": self.marketplace_id,
            "BuyerInfo": {"BuyerEmail": f"{o.buyer_id}@marketplace.amazon.de"},
            "ShippingAddress": {"CountryCode": o.country},
        }

    def get_orders(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "Inventory and Order Tracking")
        if denied:
            return denied
        marketplace = req.arg("MarketplaceIds")
        if marketplace not in {m[0] for m in self.marketplaces}:
            return _errors(400, "InvalidInput", "Invalid Input: MarketplaceIds")
        if marketplace != self.marketplace_id:  # the seller's other marketplaces have no orders here
            return FakeResponse.json({"payload": {"Orders": [], "LastUpdatedBefore": iso(2**31 - 1)}})
        token = req.arg("NextToken")
        if token:
            if token not in self.next_tokens:
                return _errors(400, "InvalidInput", "Invalid NextToken")
            since, offset, limit = self.next_tokens[token]
        else:
            after = req.arg("LastUpdatedAfter")
            if not after:
                return _errors(
                    400, "InvalidInput", "Either CreatedAfter or LastUpdatedAfter must be specified"
                )
            since, offset = parse_iso(after), 0
            limit = int(req.arg("MaxResultsPerPage", "100") or 100)
        matching = sorted(
            (o for o in self.orders if o.updated >= since), key=lambda o: (o.updated, o.order_id)
        )
        page = self.window(matching, offset, limit)
        payload: dict[str, Any] = {
            "Orders": [self._order_json(o) for o in page],
            "LastUpdatedBefore": iso(2**31 - 1),
        }
        if offset + limit < len(matching):
            nxt = secrets.token_urlsafe(16)
            self.next_tokens[nxt] = (since, offset + limit, limit)
            payload["NextToken"] = nxt
        return FakeResponse.json({"payload": payload}, headers={"x-amzn-RateLimit-Limit": RATE})

    def _find(self, order_id: str) -> SeedOrder | None:
        return next((o for o in self.orders if o.order_id == order_id), None)

    def get_order_items(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "Inventory and Order Tracking")
        if denied:
            return denied
        order = self._find(req.path_params["order_id"])
        if order is None:
            return _errors(404, "NotFound", "Order not found")
        from decimal import Decimal

        items = [
            {
                "ASIN": f"B0{abs(hash(line.sku)) % 10**8:08d}",
                "SellerSKU": line.sku,
                "OrderItemId": line.line_id,
                "Title": line.title,
                "QuantityOrdered": line.quantity,
                "ItemPrice": {
                    "CurrencyCode": order.currency,
                    "Amount": str(Decimal(line.unit_price) * line.quantity),
                },
            }
            for line in order.lines
        ]
        return FakeResponse.json(
            {"payload": {"AmazonOrderId": order.order_id, "OrderItems": items}},
            headers={"x-amzn-RateLimit-Limit": "0.5"},
        )

    # ---- messaging -----------------------------------------------------------------------------

    def _actions(self, order_id: str) -> list[str]:
        return self.allowed_actions.get(order_id, self.default_actions)

    def get_actions(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "Buyer Communication")
        if denied:
            return denied
        order_id = req.path_params["order_id"]
        if self._find(order_id) is None:
            return _errors(404, "NotFound", "Order not found")
        base = f"/messaging/v1/orders/{order_id}"
        actions = [
            {"href": f"{base}/messages/{name}?marketplaceIds={self.marketplace_id}", "name": name}
            for name in self._actions(order_id)
        ]
        return FakeResponse.json(
            {
                "_links": {
                    "self": {"href": f"{base}?marketplaceIds={self.marketplace_id}"},
                    "actions": actions,
                }
            },
            headers={"Content-Type": "application/hal+json"},
        )

    def send(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "Buyer Communication")
        if denied:
            return denied
        order_id, action = req.path_params["order_id"], req.path_params["action"]
        if self._find(order_id) is None:
            return _errors(404, "NotFound", "Order not found")
        if action not in self._actions(order_id):
            return _errors(403, "Unauthorized", f"{action} is not available for this order")
        try:
            body = req.json()
        except ValueError:
            return _errors(400, "InvalidInput", "Malformed request body")
        if not body.get("text"):
            return _errors(400, "InvalidInput", "text is required")
        self.actions.append((action, order_id, body))
        return FakeResponse(status=201, body=b"{}", headers={"Content-Type": "application/json"})

    # ---- reports: seller feedback --------------------------------------------------------------

    def _feedback(self, o: SeedOrder, stars: int, text: str) -> dict[str, Any]:
        return {
            "when": o.updated + 4 * 86400,
            "Rating": str(stars),
            "Comments": text,
            "Response": "",
            "Order ID": o.order_id,
            "Rater Email": f"{o.buyer_id}@marketplace.amazon.de",
        }

    def add_feedback(self, order: int, stars: int, text: str, *, days_later: int = 4) -> dict[str, Any]:
        with self._lock:
            row = self._feedback(self.orders[order], stars, text)
            row["when"] = self.orders[order].updated + days_later * 86400
            self.feedback.append(row)
        return row

    def feedback_date(self, ts: int) -> str:
        """Dates as the report writes them: month first in North America, day first elsewhere."""
        us = self.marketplace_id in ("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8")
        return datetime.fromtimestamp(ts, UTC).strftime("%m/%d/%y" if us else "%d/%m/%y")

    def create_report(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req)
        if denied:
            return denied
        try:
            body = req.json() or {}
        except ValueError:
            return _errors(400, "InvalidInput", "Malformed request body")
        if body.get("reportType") != "GET_SELLER_FEEDBACK_DATA":
            return _errors(400, "InvalidInput", f"Unsupported reportType {body.get('reportType')!r}")
        if body.get("marketplaceIds") != [self.marketplace_id]:
            return _errors(400, "InvalidInput", "Invalid Input: marketplaceIds")
        start = parse_iso(body["dataStartTime"]) if body.get("dataStartTime") else 0
        report_id = str(50_000 + len(self.reports))
        self.reports[report_id] = {"start": start, "polls": 0, "status": "IN_QUEUE", "document": None}
        self.actions.append(("createReport", report_id, body))
        return FakeResponse.json({"reportId": report_id}, status=202)

    def get_report(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req)
        if denied:
            return denied
        report_id = req.path_params["report_id"]
        report = self.reports.get(report_id)
        if report is None:
            return _errors(404, "NotFound", "Report not found")
        if report["status"] in ("IN_QUEUE", "IN_PROGRESS"):
            report["polls"] += 1
            if report["polls"] > self.report_polls:
                report["status"] = self.report_status
                if report["status"] == "DONE":
                    report["document"] = self._document(report["start"])
            else:
                report["status"] = "IN_PROGRESS"
        out = {
            "reportId": report_id,
            "reportType": "GET_SELLER_FEEDBACK_DATA",
            "processingStatus": report["status"],
            "marketplaceIds": [self.marketplace_id],
        }
        if report["document"]:
            out["reportDocumentId"] = report["document"]
        return FakeResponse.json(out)

    def _document(self, start: int) -> str:
        rows = ["\t".join(FEEDBACK_COLUMNS)]
        for f in sorted(self.feedback, key=lambda f: f["when"], reverse=True):
            if f["when"] >= start:
                fields = [self.feedback_date(f["when"]), *(f[c] for c in FEEDBACK_COLUMNS[1:])]
                rows.append("\t".join(fields))
        data = ("\n".join(rows) + "\n").encode()
        doc_id = f"amzn1.tortuga.4.eu.{secrets.token_hex(6)}"
        self.documents[doc_id] = (secrets.token_hex(8), gzip.compress(data) if self.gzip_reports else data)
        return doc_id

    def get_document(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req)
        if denied:
            return denied
        doc_id = req.path_params["document_id"]
        if doc_id not in self.documents:
            return _errors(404, "NotFound", "Report document not found")
        signature, _ = self.documents[doc_id]
        out = {
            "reportDocumentId": doc_id,
            "url": self.url(f"/s3/reports/{doc_id}?X-Amz-Signature={signature}"),
        }
        if self.gzip_reports:
            out["compressionAlgorithm"] = "GZIP"
        return FakeResponse.json(out)

    def download(self, req: FakeRequest) -> FakeResponse:
        """The pre-signed URL: no SP-API token, the signature in the query (S3 answers 403 without it)."""
        found = self.documents.get(req.path_params["document_id"])
        if found is None or req.arg("X-Amz-Signature") != found[0]:
            return FakeResponse.text("<Error><Code>AccessDenied</Code></Error>", status=403)
        return FakeResponse(status=200, body=found[1], headers={"Content-Type": "text/tab-separated-values"})
