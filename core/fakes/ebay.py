"""A local fake of eBay's Sell Fulfillment, Post-Order and Message APIs.

Auth as on eBay: ``Authorization: Bearer <token>`` on the REST APIs, ``Authorization: IAF <token>`` on
Post-Order, tokens from ``POST /identity/v1/oauth2/token`` (refresh_token grant, Basic client auth). The consent page
``/oauth2/authorize`` (the seller always consents) redirects to ``redirect_uri`` with a ``code`` that the
authorization_code grant exchanges for an access token and a refresh token; ``/commerce/identity/v1/user/``
names the seller the token belongs to.
Orders page with ``limit``/``offset`` and a ``filter=lastmodifieddate:[from..to]``; Post-Order search
pages with a 1-based page number in ``offset``; errors are ``{"errors": [{"errorId", "message"}]}``.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
import urllib.parse
from datetime import UTC, datetime
from typing import Any, ClassVar

from crossdesk.fakes.marketplace import MarketplaceFake, SeedMessage, SeedOrder
from crossdesk.fakes.server import FakeRequest, FakeResponse

SCOPES = (
    "https://api.ebay.com/oauth/api_scope",
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment",
    "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly",
)


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_iso(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _error(status: int, error_id: int, message: str) -> FakeResponse:
    return FakeResponse.json(
        {"errors": [{"errorId": error_id, "category": "REQUEST", "message": message}]}, status=status
    )


def _times(price: str | None, quantity: int) -> str | None:
    """A line's cost as eBay sends it (price x quantity), or a seeded poison (null, "Infinity") as it is."""
    from decimal import Decimal, InvalidOperation

    try:
        return None if price is None else str(Decimal(price) * quantity)
    except InvalidOperation:
        return price


class FakeEbay(MarketplaceFake):
    def __init__(self, *, orders: int = 12, seller: str = "acme_outlet") -> None:
        super().__init__("ebay", orders=orders, prefix="12-0", currency="USD")
        self.seller = seller
        self.access_token = "v^1.1#i^1#fake-ebay-user-token-0123456789"
        self.tokens = {self.access_token}
        self.client_id = "AcmeApp-fake-PRD-0123"
        self.client_secret = "PRD-fake-client-secret-987"
        self.refresh_token = "v^1.1#r^1#fake-ebay-refresh-token"
        self.return_states = {r.return_id: r.state for r in self.returns}
        #: returnId -> its activity history (``detail.responseHistory``): each refund issued, with its notes
        self.return_history: dict[str, list[dict[str, Any]]] = {}
        self.add_route("POST", "/identity/v1/oauth2/token", self.token)
        self.add_route("GET", "/oauth2/authorize", self.authorize)
        self.add_route("GET", "/commerce/identity/v1/user/", self.identity)
        self.add_route("GET", "/commerce/feedback/v1/feedback", self.get_feedback)
        self.add_route("POST", "/commerce/feedback/v1/respond_to_feedback", self.respond_to_feedback)
        kinds = ("POSITIVE", "NEGATIVE", "NEUTRAL")
        self.feedback = [
            self._feedback(i, o, k) for i, (o, k) in enumerate(zip(self.orders, kinds, strict=False))
        ]
        self.codes: dict[str, str] = {}  # code -> the redirect_uri it was issued for
        self.granted_scopes = set(SCOPES)
        self.add_route("GET", "/sell/fulfillment/v1/order", self.get_orders)
        self.add_route("GET", "/post-order/v2/return/search", self.search_returns)
        self.add_route("GET", "/post-order/v2/return/{return_id}", self.get_return)
        self.add_route("POST", "/post-order/v2/return/{return_id}/decide", self.decide)
        self.add_route("POST", "/post-order/v2/return/{return_id}/issue_refund", self.issue_refund)
        self.add_route("GET", "/commerce/message/v1/conversation", self.get_conversations)
        self.add_route("GET", "/commerce/message/v1/conversation/{conversation_id}", self.get_conversation)
        self.add_route("POST", "/commerce/message/v1/send_message", self.send_message)

    def credentials(self) -> dict[str, str]:
        return {"access_token": self.access_token}

    # ---- auth ----------------------------------------------------------------------------------

    def token(self, req: FakeRequest) -> FakeResponse:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if req.header("authorization") != f"Basic {expected}":
            return FakeResponse.json({"error": "invalid_client"}, status=401)
        form = {k: v[0] for k, v in req.form().items()}
        if form.get("grant_type") == "authorization_code":
            if self.codes.pop(form.get("code", ""), None) != form.get("redirect_uri"):
                return FakeResponse.json(
                    {"error": "invalid_grant", "error_description": "bad code"}, status=400
                )
            token = "v^1.1#i^1#" + secrets.token_urlsafe(20)
            self.tokens.add(token)
            return FakeResponse.json(
                {
                    "access_token": token,
                    "expires_in": 7200,
                    "refresh_token": self.refresh_token,
                    "refresh_token_expires_in": 47304000,
                    "token_type": "User Access Token",
                }
            )
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return FakeResponse.json({"error": "invalid_grant"}, status=400)
        token = "v^1.1#i^1#" + secrets.token_urlsafe(20)
        self.tokens.add(token)
        return FakeResponse.json(
            {"access_token": token, "expires_in": 7200, "token_type": "User Access Token"}
        )

    def authorize(self, req: FakeRequest) -> FakeResponse:
        """The seller's consent page; the fake's seller grants the scopes in ``granted_scopes``."""
        if req.arg("client_id") != self.client_id or req.arg("response_type") != "code":
            return FakeResponse.json({"error": "invalid_request"}, status=400)
        redirect = req.arg("redirect_uri") or ""
        if not redirect.startswith("http"):
            return FakeResponse.json({"error": "invalid_request", "error_description": "redirect_uri"}, 400)
        code = "v^1.1#c^1#" + secrets.token_urlsafe(16)
        self.codes[code] = redirect
        query = urllib.parse.urlencode({"code": code, "state": req.arg("state") or "", "expires_in": 299})
        return FakeResponse(status=302, headers={"Location": f"{redirect}?{query}"})

    def identity(self, req: FakeRequest) -> FakeResponse:
        bad = self._auth(req, "Bearer")
        if bad:
            return bad
        return FakeResponse.json(
            {
                "userId": "fake-user-" + self.seller,
                "username": self.seller,
                "accountType": "BUSINESS",
                "registrationMarketplaceId": "EBAY_US",
            }
        )

    TEXTS: ClassVar[dict[str, str]] = {
        "POSITIVE": "Fast shipping, as described.",
        "NEUTRAL": "OK but slow.",
        "NEGATIVE": "Item not as described, seller ignored me.",
    }

    def _feedback(self, i: int, o: SeedOrder, kind: str) -> dict[str, Any]:
        line = o.lines[0] if o.lines else None
        return {
            "feedbackId": f"fb-{9000 + i}",
            "commentType": kind,
            "feedbackComment": {"commentText": self.TEXTS[kind]},
            "feedbackEnteredDate": iso(o.updated + 5 * 86400),
            "providerUserDetail": {"username": o.buyer_id},
            "orderLineItemSummary": {
                "orderId": o.order_id,
                "lineItemId": line.line_id if line else "",
                "sku": line.sku if line else "",
            },
        }

    def add_feedback(self, kind: str, *, order: int = 0, days_later: int = 5) -> dict[str, Any]:
        """One more feedback (``kind`` POSITIVE, NEUTRAL or NEGATIVE) on ``self.orders[order]``, entered
        ``days_later`` days after the order's last change."""
        with self._lock:
            entry = self._feedback(len(self.feedback), self.orders[order], kind)
            entry["feedbackEnteredDate"] = iso(self.orders[order].updated + days_later * 86400)
            self.feedback.append(entry)
        return entry

    def get_feedback(self, req: FakeRequest) -> FakeResponse:
        bad = self._auth(req, "Bearer")
        if bad:
            return bad
        if req.arg("user_id") != self.seller or req.arg("feedback_type") != "FEEDBACK_RECEIVED_AS_SELLER":
            return _error(400, 215001, "user_id and feedback_type are required")
        limit, offset = int(req.arg("limit") or 25), int(req.arg("offset") or 0)
        # newest first, as eBay returns feedback
        entries = sorted(self.feedback, key=lambda f: f["feedbackEnteredDate"], reverse=True)
        if req.arg("feedback_id"):
            entries = [f for f in entries if f["feedbackId"] == req.arg("feedback_id")]
        page = entries[offset : offset + limit]
        return FakeResponse.json(
            {"feedbackEntries": page, "total": len(entries), "limit": limit, "offset": offset}
        )

    def respond_to_feedback(self, req: FakeRequest) -> FakeResponse:
        """``respondToFeedback``: one reply (REPLY) per feedback received, to the buyer who left it, <= 80
        characters; a second reply is refused as on eBay."""
        bad = self._auth(req, "Bearer")
        if bad:
            return bad
        body = req.json() or {}
        entry = next((f for f in self.feedback if f["feedbackId"] == body.get("feedbackId")), None)
        if entry is None:
            return _error(404, 215101, "The feedback was not found")
        if body.get("responseType") not in ("REPLY", "FOLLOW_UP"):
            return _error(400, 215102, "responseType must be REPLY or FOLLOW_UP")
        if body.get("recipientUserId") != entry["providerUserDetail"]["username"]:
            return _error(400, 215103, "recipientUserId is not the user who left this feedback")
        text = body.get("responseText") or ""
        if not text or len(text) > 80:
            return _error(400, 215104, "responseText is required and at most 80 characters")
        if entry.get("feedbackResponse"):
            return _error(409, 215105, "A response to this feedback already exists")
        entry["feedbackResponse"] = {"responseText": text, "responseType": body["responseType"]}
        self.actions.append(("respond_to_feedback", entry["feedbackId"], body))
        return FakeResponse.empty(200)

    def _auth(self, req: FakeRequest, scheme: str) -> FakeResponse | None:
        header = req.header("authorization")
        if not header.startswith(scheme + " ") or header[len(scheme) + 1 :] not in self.tokens:
            return _error(401, 1001, "Invalid access token")
        return None

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    # ---- orders --------------------------------------------------------------------------------

    def _order_json(self, o: SeedOrder) -> dict[str, Any]:

        return {
            "orderId": o.order_id,
            "creationDate": iso(o.created),
            "lastModifiedDate": iso(o.updated),
            "orderFulfillmentStatus": "FULFILLED" if o.status == "shipped" else "NOT_STARTED",
            "orderPaymentStatus": "PAID",
            "buyer": {
                "username": o.buyer_id,
                "taxAddress": {"countryCode": o.country, "stateOrProvince": ""},
                "buyerRegistrationAddress": {
                    "fullName": o.buyer_name,
                    "email": o.email,
                    "contactAddress": {"countryCode": o.country},
                },
            },
            "pricingSummary": {"total": {"value": o.total, "currency": o.currency}},
            "lineItems": [
                {
                    "lineItemId": line.line_id,
                    "sku": line.sku,
                    "title": line.title,
                    "quantity": line.quantity,
                    "lineItemCost": {
                        "value": _times(line.unit_price, line.quantity),
                        "currency": o.currency,
                    },
                }
                for line in o.lines
            ],
        }

    def get_orders(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "Bearer")
        if denied:
            return denied
        since, until = 0, 2**31
        flt = req.arg("filter") or ""
        if flt:
            m = re.fullmatch(r"lastmodifieddate:\[([^.\]]*(?:\.\d+Z)?)\.\.([^\]]*)\]", flt)
            if not m:
                return _error(400, 30700, f"Invalid filter: {flt}")
            since = parse_iso(m.group(1)) if m.group(1) else 0
            until = parse_iso(m.group(2)) if m.group(2) else 2**31
        limit = int(req.arg("limit", "50") or 50)
        offset = int(req.arg("offset", "0") or 0)
        if not 1 <= limit <= 1000:
            return _error(400, 30800, "Invalid limit")
        matching = sorted(
            (o for o in self.orders if since <= o.updated <= until), key=lambda o: (o.updated, o.order_id)
        )
        page = self.window(matching, offset, limit)
        body: dict[str, Any] = {
            "href": req.path,
            "total": len(matching),
            "limit": limit,
            "offset": offset,
            "orders": [self._order_json(o) for o in page],
        }
        if offset + limit < len(matching):
            body["next"] = f"{req.path}?limit={limit}&offset={offset + limit}"
        return FakeResponse.json(body)

    # ---- returns -------------------------------------------------------------------------------

    def search_returns(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "IAF")
        if denied:
            return denied
        since = parse_iso(req.arg("creation_date_range_from")) if req.arg("creation_date_range_from") else 0
        until = parse_iso(req.arg("creation_date_range_to")) if req.arg("creation_date_range_to") else 2**31
        limit = int(req.arg("limit", "25") or 25)
        page_no = int(req.arg("offset", "1") or 1)
        matching = sorted(
            (r for r in self.returns if since <= r.created <= until), key=lambda r: (r.created, r.return_id)
        )
        page = matching[(page_no - 1) * limit : page_no * limit]
        members = [
            {
                "returnId": r.return_id,
                "orderId": r.order_id,
                "buyerLoginName": r.buyer_id,
                "sellerLoginName": self.seller,
                "state": self.return_states[r.return_id],
                "status": "WAITING_FOR_RETURN_REQUEST_APPROVAL",
                "creationInfo": {
                    "item": {"itemId": r.sku, "transactionId": r.line_id, "returnQuantity": r.quantity},
                    "reason": r.reason,
                    "comments": {"content": "It stopped working after two days."},
                    "creationDate": {"value": iso(r.created)},
                },
                "sellerTotalRefund": {
                    "estimatedRefundAmount": {"value": float(r.amount), "currency": r.currency}
                },
            }
            for r in page
        ]
        pages = max(1, -(-len(matching) // limit))
        return FakeResponse.json(
            {
                "members": members,
                "paginationOutput": {
                    "offset": page_no,
                    "limit": limit,
                    "totalEntries": len(matching),
                    "totalPages": pages,
                },
            }
        )

    def get_return(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "IAF")
        if denied:
            return denied
        rid = req.path_params["return_id"]
        if rid not in self.return_states:
            return _error(404, 1002, "Return not found")
        summary = {"returnId": rid, "state": self.return_states[rid]}
        if req.arg("fieldgroups") != "FULL":
            return FakeResponse.json({"summary": summary})
        history = self.return_history.get(rid, [])
        return FakeResponse.json({"summary": summary, "detail": {"responseHistory": history}})

    def decide(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "IAF")
        if denied:
            return denied
        rid = req.path_params["return_id"]
        if rid not in self.return_states:
            return _error(404, 1002, "Return not found")
        body = req.json()
        if body.get("decision") not in ("ACCEPT", "DECLINE"):
            return _error(400, 1003, "Invalid decision")
        if self.return_states[rid] != "RETURN_REQUESTED":
            return _error(400, 1004, "The return is not awaiting a decision")
        self.return_states[rid] = "RETURN_ACCEPTED" if body["decision"] == "ACCEPT" else "RETURN_DECLINED"
        self.actions.append(("decide", rid, body))
        return FakeResponse.empty(200)

    def issue_refund(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "IAF")
        if denied:
            return denied
        rid = req.path_params["return_id"]
        if rid not in self.return_states:
            return _error(404, 1002, "Return not found")
        body = req.json()
        if "refundDetail" not in body:
            return _error(400, 1005, "refundDetail is required")
        self._refunded(
            rid, body["refundDetail"].get("totalAmount"), (body.get("comments") or {}).get("content")
        )
        self.return_states[rid] = "REFUND_ISSUED"
        self.actions.append(("refund", rid, body))
        return FakeResponse.json({"refundStatus": "SUCCESS"})

    def _refunded(self, rid: str, amount: Any, notes: str | None) -> None:
        entry = {
            "activity": "SELLER_ISSUE_REFUND",
            "author": "SELLER",
            "fromState": self.return_states[rid],
            "toState": "REFUND_ISSUED",
            "creationDate": {"value": iso(int(time.time()))},
            "refundAmount": amount,
        }
        if notes:
            entry["notes"] = notes
        self.return_history.setdefault(rid, []).append(entry)

    def seller_hub_refund(self, rid: str, value: str, currency: str = "USD") -> None:
        """A refund the seller issued by hand in Seller Hub: in the return's history, with no notes."""
        self._refunded(rid, {"value": value, "currency": currency}, None)
        self.return_states[rid] = "REFUND_ISSUED"

    # ---- messages ------------------------------------------------------------------------------

    def _threads(self) -> dict[str, list[SeedMessage]]:
        threads: dict[str, list[SeedMessage]] = {}
        for m in sorted(self.messages, key=lambda m: (m.created, m.message_id)):
            threads.setdefault(m.thread_id, []).append(m)
        return threads

    def _message_json(self, m: SeedMessage) -> dict[str, Any]:
        sender = self.seller if m.from_seller else m.buyer_id
        recipient = m.buyer_id if m.from_seller else self.seller
        return {
            "messageId": m.message_id,
            "messageBody": m.text,
            "senderUsername": sender,
            "recipientUsername": recipient,
            "createdDate": iso(m.created),
            "readStatus": False,
        }

    def get_conversations(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "Bearer")
        if denied:
            return denied
        if req.arg("conversation_type") not in ("FROM_MEMBERS", "FROM_EBAY"):
            return _error(400, 355001, "conversation_type is required")
        since = parse_iso(req.arg("start_time")) if req.arg("start_time") else 0
        until = parse_iso(req.arg("end_time")) if req.arg("end_time") else 2**31
        limit = min(50, int(req.arg("limit", "25") or 25))
        offset = int(req.arg("offset", "0") or 0)
        convs = []
        for thread_id, msgs in self._threads().items():
            last = msgs[-1]
            if since <= last.created <= until:
                convs.append((last.created, thread_id, msgs))
        convs.sort()
        page = self.window(convs, offset, limit)
        body: dict[str, Any] = {
            "conversations": [
                {
                    "conversationId": tid,
                    "conversationStatus": "ACTIVE",
                    "conversationTitle": f"Question about order {msgs[0].order_id}",
                    "conversationType": "FROM_MEMBERS",
                    "createdDate": iso(msgs[0].created),
                    "latestMessage": self._message_json(msgs[-1]),
                    "referenceId": msgs[0].order_id,
                    "referenceType": "ORDER",
                    "unreadCount": 1,
                }
                for _, tid, msgs in page
            ],
            "limit": limit,
            "offset": offset,
            "total": len(convs),
        }
        if offset + limit < len(convs):
            body["next"] = f"{req.path}?offset={offset + limit}&limit={limit}"
        return FakeResponse.json(body)

    def get_conversation(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "Bearer")
        if denied:
            return denied
        msgs = self._threads().get(req.path_params["conversation_id"])
        if msgs is None:
            return _error(404, 355002, "Conversation not found")
        limit = min(50, int(req.arg("limit", "25") or 25))
        offset = int(req.arg("offset", "0") or 0)
        page = msgs[offset : offset + limit]
        body: dict[str, Any] = {
            "conversationId": req.path_params["conversation_id"],
            "messages": [self._message_json(m) for m in page],
            "total": len(msgs),
        }
        if offset + limit < len(msgs):
            body["next"] = f"{req.path}?offset={offset + limit}&limit={limit}"
        return FakeResponse.json(body)

    def send_message(self, req: FakeRequest) -> FakeResponse:
        denied = self._auth(req, "Bearer")
        if denied:
            return denied
        body = req.json()
        conv = body.get("conversationId")
        if not body.get("messageText") or not (conv or body.get("otherPartyUsername")):
            return _error(400, 355003, "messageText and conversationId or otherPartyUsername are required")
        thread = self._threads().get(conv)
        if thread is None:
            return _error(404, 355002, "Conversation not found")
        import time

        msg = SeedMessage(
            message_id=f"sent{len(self.actions)}-{secrets.token_hex(3)}",
            thread_id=conv,
            buyer_id=thread[0].buyer_id,
            buyer_name=thread[0].buyer_name,
            order_id=thread[0].order_id,
            text=body["messageText"],
            created=int(time.time()),
            from_seller=True,
        )
        self.messages.append(msg)
        self.actions.append(("send_message", conv, body))
        return FakeResponse.json({"messageId": msg.message_id, "createdDate": iso(msg.created)}, status=201)
