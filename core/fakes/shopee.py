"""A local fake of Shopee Open Platform v2: orders, seller chat, returns.

Every shop call is checked as Shopee checks it: ``partner_id``, ``timestamp`` (within five minutes),
``access_token``, ``shop_id`` and ``sign`` (HMAC-SHA256 of partner_id + path + timestamp + access_token +
shop_id, keyed with the partner key). Errors answer HTTP 200 with ``{"error", "message", "request_id"}``,
as Shopee does; success has ``"error": ""`` and the data under ``response``.

Authorisation, as Shopee's v2 flow: ``/api/v2/shop/auth_partner`` (signed partner_id + path + timestamp,
with ``redirect``) stands for the seller's consent page and redirects to ``redirect?code=...&shop_id=...``;
``/api/v2/auth/token/get`` exchanges the code, ``/api/v2/auth/access_token/get`` renews: both answer a new
access token (``expire_in`` 4 hours) and a new refresh token, the one used being spent. The fake keeps the
spent refresh token usable until the new pair is first used (``rotation_grace``), the window in which a
client that crashed before storing the new pair can still recover; with ``rotation_grace=False`` a spent
token is refused at once. ``clock`` drives token expiry only (request timestamps are checked against
real time), so a test can live through several token lifetimes in a second.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import urllib.parse
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from crossdesk.fakes.marketplace import MarketplaceFake, SeedMessage, SeedOrder
from crossdesk.fakes.server import FakeRequest, FakeResponse

MAX_WINDOW = 15 * 86400


def _ok(response: dict[str, Any]) -> FakeResponse:
    return FakeResponse.json(
        {"error": "", "message": "", "request_id": secrets.token_hex(8), "response": response}
    )


def _err(error: str, message: str) -> FakeResponse:
    return FakeResponse.json({"error": error, "message": message, "request_id": secrets.token_hex(8)})


class FakeShopee(MarketplaceFake):
    TOKEN_LIFETIME = 4 * 3600

    def __init__(
        self,
        *,
        orders: int = 12,
        shop_id: int = 220011,
        partner_id: int = 2001234,
        clock: Callable[[], float] = time.time,
        rotation_grace: bool = True,
    ) -> None:
        super().__init__("shopee", orders=orders, prefix="2512", currency="SGD")
        self.shop_id = shop_id
        self.partner_id = partner_id
        self.partner_key = "fake-shopee-partner-key-0f1e2d3c4b5a"
        self.shop_name = "Acme Gadgets SG"
        self.region = "SG"
        self.clock = clock
        self.rotation_grace = rotation_grace
        #: access token -> when it expires (the seeded one never does, as before token renewal existed)
        self.access_tokens: dict[str, float] = {}
        self.access_token = "fake-shopee-access-token-7a6b5c4d"
        self.refresh_token = "fake-shopee-refresh-" + secrets.token_hex(8)
        self.spent_refresh: str | None = None  # usable until the pair that replaced it is first used
        self.codes: dict[str, int] = {}  # authorisation code -> shop id
        self.refreshes: list[str] = []  # refresh tokens presented, in order
        self.add_route("GET", "/api/v2/shop/auth_partner", self.auth_partner)
        self.add_route("POST", "/api/v2/auth/token/get", self.token_get)
        self.add_route("POST", "/api/v2/auth/access_token/get", self.access_token_get)
        self.add_route("GET", "/api/v2/shop/get_shop_info", self.get_shop_info)
        self.add_route("GET", "/api/v2/product/get_comment", self.get_comment)
        self.add_route("POST", "/api/v2/product/reply_comment", self.reply_comment)
        self.comments = [
            self._comment(i, o, star)
            for i, (o, star) in enumerate(zip(self.orders, (5, 1, 4, 2), strict=False))
        ]
        self.return_states = {r.return_id: "REQUESTED" for r in self.returns}
        self.add_route("GET", "/api/v2/order/get_order_list", self.get_order_list)
        self.add_route("GET", "/api/v2/order/get_order_detail", self.get_order_detail)
        self.add_route("GET", "/api/v2/sellerchat/get_conversation_list", self.get_conversation_list)
        self.add_route("GET", "/api/v2/sellerchat/get_message", self.get_message)
        self.add_route("POST", "/api/v2/sellerchat/send_message", self.send_message)
        self.add_route("GET", "/api/v2/returns/get_return_list", self.get_return_list)
        self.add_route("GET", "/api/v2/returns/get_return_detail", self.get_return_detail)
        self.add_route("POST", "/api/v2/returns/confirm", self.confirm)
        self.add_route("POST", "/api/v2/returns/dispute", self.dispute)

    @property
    def access_token(self) -> str:
        """The seeded, never-expiring token; setting it (a rotation on Shopee's side) revokes every other."""
        return self._seeded

    @access_token.setter
    def access_token(self, value: str) -> None:
        self._seeded = value
        self.access_tokens = {value: float("inf")}

    def credentials(self) -> dict[str, str]:
        return {
            "partner_id": str(self.partner_id),
            "partner_key": self.partner_key,
            "access_token": self.access_token,
        }

    @staticmethod
    def uid(buyer: str) -> int:
        """Shopee user ids are numbers."""
        return 880000 + int(buyer.removeprefix("buyer"))

    def _check(self, req: FakeRequest) -> FakeResponse | None:
        try:
            partner_id = int(req.arg("partner_id") or 0)
            ts = int(req.arg("timestamp") or 0)
            shop_id = int(req.arg("shop_id") or 0)
        except ValueError:
            return _err("error_param", "partner_id, timestamp and shop_id must be integers")
        token = req.arg("access_token") or ""
        if partner_id != self.partner_id:
            return _err("error_auth", "Invalid partner_id.")
        if abs(time.time() - ts) > 300:
            return _err("error_auth", "Invalid timestamp.")
        base = f"{partner_id}{req.path}{ts}{token}{shop_id}"
        expected = hmac.new(self.partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, req.arg("sign") or ""):
            return _err("error_sign", "Wrong sign.")
        expires = self.access_tokens.get(token)
        if expires is None or self.clock() >= expires:
            return _err("invalid_acceess_token", "Invalid access_token.")
        if shop_id != self.shop_id:
            return _err("error_permission", "No permission to this shop.")
        if token == self._newest:
            self.spent_refresh = None  # the client holds the new pair: the spent token is gone for good
        return None

    # ---- authorisation -------------------------------------------------------------------------

    _newest = ""

    def _public_check(self, req: FakeRequest) -> FakeResponse | None:
        """Public (non-shop) calls: partner_id, timestamp and sign of partner_id + path + timestamp."""
        try:
            partner_id = int(req.arg("partner_id") or 0)
            ts = int(req.arg("timestamp") or 0)
        except ValueError:
            return _err("error_param", "partner_id and timestamp must be integers")
        if partner_id != self.partner_id:
            return _err("error_auth", "Invalid partner_id.")
        if abs(time.time() - ts) > 300:
            return _err("error_auth", "Invalid timestamp.")
        expected = hmac.new(self.partner_key.encode(), f"{partner_id}{req.path}{ts}".encode(), hashlib.sha256)
        if not hmac.compare_digest(expected.hexdigest(), req.arg("sign") or ""):
            return _err("error_sign", "Wrong sign.")
        return None

    def auth_partner(self, req: FakeRequest) -> FakeResponse:
        """The seller's consent page; the fake's seller always consents and is sent to ``redirect``."""
        bad = self._public_check(req)
        if bad:
            return bad
        redirect = req.arg("redirect") or ""
        if not redirect.startswith(("http://", "https://")):
            return _err("error_param", "redirect must be a URL.")
        code = secrets.token_hex(16)
        self.codes[code] = self.shop_id
        sep = "&" if "?" in redirect else "?"
        query = urllib.parse.urlencode({"code": code, "shop_id": self.shop_id})
        return FakeResponse(status=302, headers={"Location": f"{redirect}{sep}{query}"})

    def _issue(self, spent: str | None) -> FakeResponse:
        access = "fake-shopee-at-" + secrets.token_hex(12)
        self.access_tokens[access] = self.clock() + self.TOKEN_LIFETIME
        self._newest = access
        self.spent_refresh = spent if self.rotation_grace else None
        self.refresh_token = "fake-shopee-rt-" + secrets.token_hex(12)
        return FakeResponse.json(
            {
                "error": "",
                "message": "",
                "request_id": secrets.token_hex(8),
                "access_token": access,
                "refresh_token": self.refresh_token,
                "expire_in": self.TOKEN_LIFETIME,
                "partner_id": self.partner_id,
                "shop_id": self.shop_id,
            }
        )

    def token_get(self, req: FakeRequest) -> FakeResponse:
        bad = self._public_check(req)
        if bad:
            return bad
        body = req.json()
        if self.codes.pop(str(body.get("code") or ""), None) != int(body.get("shop_id") or 0):
            return _err("error_param", "Invalid code.")
        return self._issue(None)

    def access_token_get(self, req: FakeRequest) -> FakeResponse:
        bad = self._public_check(req)
        if bad:
            return bad
        body = req.json()
        presented = str(body.get("refresh_token") or "")
        self.refreshes.append(presented)
        if int(body.get("shop_id") or 0) != self.shop_id:
            return _err("error_param", "Invalid shop_id.")
        if presented == self.refresh_token:
            return self._issue(presented)
        if presented and presented == self.spent_refresh:
            return self._issue(presented)
        return _err("error_auth", "Invalid refresh_token.")

    def get_shop_info(self, req: FakeRequest) -> FakeResponse:
        bad = self._check(req)
        if bad:
            return bad
        return FakeResponse.json(
            {
                "error": "",
                "message": "",
                "request_id": secrets.token_hex(8),
                "shop_name": self.shop_name,
                "region": self.region,
                "status": "NORMAL",
            }
        )

    # ---- product comments (reviews) -------------------------------------------------------------

    COMMENT_TEXT: ClassVar[dict[int, str]] = {
        5: "Great, fast delivery!",
        4: "Good value.",
        2: "Strap broke after a week.",
        1: "Arrived broken, useless.",
    }

    def _comment(self, i: int, o: SeedOrder, star: int) -> dict[str, Any]:
        line = o.lines[0] if o.lines else None
        return {
            "comment_id": 5_000_000 + i,
            "comment": self.COMMENT_TEXT[star],
            "buyer_username": o.buyer_id,
            "buyer_user_id": self.uid(o.buyer_id),
            "order_sn": o.order_id,
            "item_id": 100,
            "model_id": 0,
            "model_sku": line.sku if line else "",
            "rating_star": star,
            "editable": "EDITABLE",
            "hidden": False,
            "create_time": o.updated + 3 * 86400,
            "comment_reply": None,
        }

    def get_comment(self, req: FakeRequest) -> FakeResponse:
        bad = self._check(req)
        if bad:
            return bad
        size = int(req.arg("page_size") or 10)
        if not 1 <= size <= 100:
            return _err("error_param", "page_size should be between 1 and 100.")
        wanted = req.arg("comment_id")
        rows = [c for c in self.comments if not wanted or str(c["comment_id"]) == wanted]
        offset = int(req.arg("cursor") or 0)
        page = rows[offset : offset + size]
        more = offset + size < len(rows)
        return _ok(
            {"item_comment_list": page, "more": more, "next_cursor": str(offset + size) if more else ""}
        )

    def reply_comment(self, req: FakeRequest) -> FakeResponse:
        bad = self._check(req)
        if bad:
            return bad
        results = []
        for item in req.json().get("comment_list") or []:
            c = next((c for c in self.comments if c["comment_id"] == item.get("comment_id")), None)
            if c is None or not item.get("comment"):
                results.append(
                    {
                        "comment_id": item.get("comment_id"),
                        "fail_error": "error_param",
                        "fail_message": "Comment not found.",
                    }
                )
            elif c["comment_reply"]:
                results.append(
                    {
                        "comment_id": c["comment_id"],
                        "fail_error": "error_param",
                        "fail_message": "Already replied.",
                    }
                )
            else:
                c["comment_reply"] = {"reply": item["comment"], "hidden": False}
                self.actions.append(("reply_comment", str(c["comment_id"]), item))
                results.append({"comment_id": c["comment_id"]})
        return _ok({"result_list": results})

    # ---- orders --------------------------------------------------------------------------------

    def get_order_list(self, req: FakeRequest) -> FakeResponse:
        bad = self._check(req)
        if bad:
            return bad
        field = req.arg("time_range_field")
        if field not in ("create_time", "update_time"):
            return _err("error_param", "time_range_field is invalid.")
        t_from, t_to = int(req.arg("time_from") or 0), int(req.arg("time_to") or 0)
        if t_to < t_from or t_to - t_from > MAX_WINDOW:
            return _err("error_param", "The time range should be within 15 days.")
        size = int(req.arg("page_size") or 20)
        if not 1 <= size <= 100:
            return _err("error_param", "page_size should be between 1 and 100.")
        offset = int(req.arg("cursor") or 0)
        key = (lambda o: o.updated) if field == "update_time" else (lambda o: o.created)
        matching = sorted(
            (o for o in self.orders if t_from <= key(o) <= t_to), key=lambda o: (key(o), o.order_id)
        )
        page = self.window(matching, offset, size)
        more = offset + size < len(matching)
        return _ok(
            {
                "more": more,
                "next_cursor": str(offset + size) if more else "",
                "order_list": [{"order_sn": o.order_id, "order_status": self._status(o)} for o in page],
            }
        )

    @staticmethod
    def _status(o: SeedOrder) -> str:
        return "SHIPPED" if o.status == "shipped" else "READY_TO_SHIP"

    def get_order_detail(self, req: FakeRequest) -> FakeResponse:
        bad = self._check(req)
        if bad:
            return bad
        sns = [s for s in (req.arg("order_sn_list") or "").split(",") if s]
        if not sns or len(sns) > 50:
            return _err("error_param", "order_sn_list should hold 1 to 50 orders.")
        by_sn = {o.order_id: o for o in self.orders}
        out = []
        for sn in sns:
            o = by_sn.get(sn)
            if o is None:
                continue
            out.append(
                {
                    "order_sn": o.order_id,
                    "order_status": self._status(o),
                    "currency": o.currency,
                    "total_amount": float(o.total),
                    "create_time": o.created,
                    "update_time": o.updated,
                    "buyer_user_id": self.uid(o.buyer_id),
                    "buyer_username": o.buyer_id,
                    "recipient_address": {
                        "name": o.buyer_name,
                        "phone": "6591234567",
                        "region": o.country,
                        "state": "",
                    },
                    "shipping_carrier": "SPX Express",
                    "item_list": [
                        {
                            "item_id": 100 + j,
                            "item_name": line.title,
                            "item_sku": line.sku,
                            "model_id": 0,
                            "model_sku": "",
                            "model_quantity_purchased": line.quantity,
                            "model_discounted_price": None
                            if line.unit_price is None
                            else float(line.unit_price),
                        }
                        for j, line in enumerate(o.lines)
                    ],
                }
            )
        return _ok({"order_list": out})

    # ---- chat ----------------------------------------------------------------------------------

    def _threads(self) -> dict[str, list[SeedMessage]]:
        threads: dict[str, list[SeedMessage]] = {}
        for m in sorted(self.messages, key=lambda m: (m.created, m.message_id)):
            threads.setdefault(m.thread_id, []).append(m)
        return threads

    def _conv_id(self, thread_id: str) -> str:
        return str(700000 + self.uid(thread_id.removeprefix("conv-")))

    def _thread_of(self, conv_id: str) -> str | None:
        for tid in self._threads():
            if self._conv_id(tid) == conv_id:
                return tid
        return None

    def get_conversation_list(self, req: FakeRequest) -> FakeResponse:
        bad = self._check(req)
        if bad:
            return bad
        if req.arg("direction") not in ("older", "latest") or req.arg("type") not in (
            "all",
            "pinned",
            "unread",
        ):
            return _err("error_param", "direction and type are required.")
        size = min(100, int(req.arg("page_size") or 25))
        before = int(req.arg("next_timestamp_nano") or 2**63 - 1)
        convs = []
        for tid, msgs in self._threads().items():
            last = msgs[-1]
            nano = last.created * 1_000_000_000
            if nano < before:
                convs.append((nano, tid, msgs))
        convs.sort(reverse=True)  # newest first
        page = convs[:size]
        more = len(convs) > size
        return _ok(
            {
                "page_result": {
                    "page_size": size,
                    "more": more,
                    "next_cursor": {
                        "next_message_time_nano": str(page[-1][0]) if page and more else "",
                        "conversation_id": self._conv_id(page[-1][1]) if page and more else "",
                    },
                },
                "conversations": [
                    {
                        "conversation_id": self._conv_id(tid),
                        "to_id": self.uid(msgs[0].buyer_id),
                        "to_name": msgs[0].buyer_id,
                        "shop_id": self.shop_id,
                        "unread_count": 1,
                        "last_message_timestamp": nano,
                        "latest_message_type": "text",
                        "latest_message_content": {"text": msgs[-1].text},
                    }
                    for nano, tid, msgs in page
                ],
            }
        )

    def _message_json(self, m: SeedMessage, conv_id: str) -> dict[str, Any]:
        buyer = self.uid(m.buyer_id)
        return {
            "message_id": m.message_id,
            "message_type": "text",
            "from_id": self.shop_id if m.from_seller else buyer,
            "from_shop_id": self.shop_id if m.from_seller else 0,
            "to_id": buyer if m.from_seller else self.shop_id,
            "to_shop_id": 0 if m.from_seller else self.shop_id,
            "conversation_id": conv_id,
            "content": {"text": m.text},
            "created_timestamp": m.created,
        }

    def get_message(self, req: FakeRequest) -> FakeResponse:
        bad = self._check(req)
        if bad:
            return bad
        conv_id = req.arg("conversation_id") or ""
        tid = self._thread_of(conv_id)
        if tid is None:
            return _err("error_not_found", "Conversation not found.")
        msgs = self._threads()[tid]
        size = min(50, int(req.arg("page_size") or 25))
        offset = int(req.arg("offset") or 0)
        page = msgs[offset : offset + size]
        more = offset + size < len(msgs)
        return _ok(
            {
                "messages": [self._message_json(m, conv_id) for m in page],
                "page_result": {"page_size": size, "next_offset": str(offset + size) if more else ""},
            }
        )

    def send_message(self, req: FakeRequest) -> FakeResponse:
        bad = self._check(req)
        if bad:
            return bad
        body = req.json()
        if body.get("message_type") != "text" or not (body.get("content") or {}).get("text"):
            return _err("error_param", "message_type text needs content.text.")
        buyer = next((m.buyer_id for m in self.messages if self.uid(m.buyer_id) == body.get("to_id")), None)
        if buyer is None:
            return _err("error_param", "to_id is not a buyer of this shop.")
        thread = f"conv-{buyer}"
        msg = SeedMessage(
            message_id=f"s{len(self.actions)}{secrets.token_hex(3)}",
            thread_id=thread,
            buyer_id=buyer,
            buyer_name=buyer,
            order_id="",
            text=body["content"]["text"],
            created=int(time.time()),
            from_seller=True,
        )
        self.messages.append(msg)
        self.actions.append(("send_message", thread, body))
        return _ok(
            {
                "message_id": msg.message_id,
                "to_id": body["to_id"],
                "message_type": "text",
                "content": body["content"],
                "conversation_id": self._conv_id(thread),
                "created_timestamp": msg.created,
            }
        )

    # ---- returns -------------------------------------------------------------------------------

    def get_return_list(self, req: FakeRequest) -> FakeResponse:
        bad = self._check(req)
        if bad:
            return bad
        page_no = int(req.arg("page_no") or 0)
        size = int(req.arg("page_size") or 10)
        if not 1 <= size <= 100:
            return _err("error_param", "page_size should be between 1 and 100.")
        t_from = int(req.arg("update_time_from") or req.arg("create_time_from") or 0)
        t_to = int(req.arg("update_time_to") or req.arg("create_time_to") or 2**31)
        matching = sorted(
            (r for r in self.returns if t_from <= r.created <= t_to), key=lambda r: (r.created, r.return_id)
        )
        page = matching[page_no * size : (page_no + 1) * size]
        return _ok(
            {
                "more": (page_no + 1) * size < len(matching),
                "return": [
                    {
                        "return_sn": r.return_id,
                        "order_sn": r.order_id,
                        "reason": "NOT_RECEIPT" if r.reason != "DEFECTIVE" else "DAMAGED_PRODUCT",
                        "text_reason": "The item is broken.",
                        "refund_amount": float(Decimal(r.amount)),
                        "currency": r.currency,
                        "create_time": r.created,
                        "update_time": r.created,
                        "status": self.return_states[r.return_id],
                        "user": {"username": r.buyer_id, "email": ""},
                        "item": [
                            {
                                "item_id": 100,
                                "model_id": 0,
                                "name": "item",
                                "item_sku": r.sku,
                                "amount": r.quantity,
                            }
                        ],
                    }
                    for r in page
                ],
            }
        )

    def get_return_detail(self, req: FakeRequest) -> FakeResponse:
        bad = self._check(req)
        if bad:
            return bad
        sn = req.arg("return_sn") or ""
        if sn not in self.return_states:
            return _err("error_not_found", "Return not found.")
        return _ok({"return_sn": sn, "status": self.return_states[sn]})

    def _decide(self, req: FakeRequest, new_state: str, operation: str) -> FakeResponse:
        bad = self._check(req)
        if bad:
            return bad
        body = req.json()
        sn = body.get("return_sn", "")
        if sn not in self.return_states:
            return _err("error_not_found", "Return not found.")
        if self.return_states[sn] != "REQUESTED":
            return _err("error_param", "The return status does not allow this action.")
        if operation == "dispute" and not body.get("email"):
            return _err("error_param", "email is required.")
        self.return_states[sn] = new_state
        self.actions.append((operation, sn, body))
        return _ok({"return_sn": sn})

    def confirm(self, req: FakeRequest) -> FakeResponse:
        return self._decide(req, "ACCEPTED", "confirm")

    def dispute(self, req: FakeRequest) -> FakeResponse:
        return self._decide(req, "JUDGING", "dispute")
