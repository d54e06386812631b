"""Shopee Open Platform v2: orders, seller chat, and returns (confirm or dispute).

Every shop-level call is signed: common query parameters ``partner_id``, ``timestamp``, ``access_token``,
``shop_id`` and ``sign`` = hex HMAC-SHA256, keyed with the partner key, of
``partner_id + path + timestamp + access_token + shop_id``. Shopee answers errors with HTTP 200 and a body
``{"error": "...", "message": "...", "request_id": "..."}``; ``error`` is empty on success.

- ``orders``: ``/api/v2/order/get_order_list`` (``time_range_field=update_time``, windows of at most 15
  days, ``page_size``, ``cursor``, ``more``/``next_cursor``), then ``/api/v2/order/get_order_detail`` for
  up to 50 order numbers at a time.
- ``messages_in`` / ``messages_out``: ``/api/v2/sellerchat/get_conversation_list``,
  ``/api/v2/sellerchat/get_message``, ``/api/v2/sellerchat/send_message`` (text messages to the buyer's
  user id).
- ``returns_in`` / ``returns_decide``: ``/api/v2/returns/get_return_list``; approving a return is
  ``/api/v2/returns/confirm`` (Shopee then refunds the buyer itself), declining is
  ``/api/v2/returns/dispute`` (Shopee mediates). There is no separate refund call, so no ``refunds``.

Access tokens live four hours and refresh tokens rotate on every use. With a ``refresh_token`` and the
desk's ``save_credentials`` (the vault, see docs/onboarding.md) the connector renews the access token
through ``/api/v2/auth/access_token/get`` a few minutes before ``access_token_expires_at``, or once when
Shopee calls it invalid, and hands the new pair to ``save_credentials`` *before* using it: the new refresh
token is stored before the spent one is forgotten. Without them, an expired token is reported as such
("refresh the Shopee access token"), never retried blindly.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

import httpx

from crossdesk import hookimpl
from crossdesk.models import PlatformSpec
from crossdesk.platforms import Action, MessageOut, Page, PlatformError, ReturnDecision
from crossdesk.plugins.platforms._http import (
    RetryPolicy,
    decimal_text,
    dump_cursor,
    json_body,
    load_cursor,
    platform_time,
    request,
)
from crossdesk.plugins.platforms.shopee_reviews import REVIEW_THREAD, ShopeeReviews

CLOCK_SKEW = 120  # seconds of disagreement between our clock and the platform's we tolerate
DEFAULT_ENDPOINT = "https://partner.shopeemobile.com"
MAX_WINDOW = 15 * 86400  # get_order_list refuses wider time ranges
RETRYABLE_ERRORS = {"error_server", "error_busy", "error_inner", "error_system_busy"}
THROTTLE_ERRORS = {"error_rate_limit", "error_too_many_request"}
AUTH_ERRORS = {"error_auth", "error_permission", "invalid_access_token", "invalid_acceess_token"}
RETURN_ACCEPTED = {"ACCEPTED", "REFUND_PAID", "CLOSED", "JUDGING", "PROCESSING", "CANCELLED"}


def sign(partner_key: str, base: str) -> str:
    """Shopee's request signature: hex HMAC-SHA256 of ``base`` keyed with the partner key."""
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


class ShopeeConnector(ShopeeReviews):
    capabilities = frozenset({"orders", "messages_in", "messages_out", "returns_in", "returns_decide"})

    def __init__(self, config: Mapping[str, Any], client: httpx.Client) -> None:
        missing = [k for k in ("partner_id", "partner_key", "access_token") if not config.get(k)]
        if missing:
            raise PlatformError(f"shopee: missing credentials {', '.join(missing)}")
        self.client = client
        self.partner_id = int(config["partner_id"])
        self._partner_key = str(config["partner_key"])
        self._access_token = str(config["access_token"])
        self._refresh_token = str(config.get("refresh_token") or "")
        self._expires_at = float(config.get("access_token_expires_at") or 0)
        self._save = config.get("save_credentials")
        self.renew_margin = float(config.get("renew_margin", 300))
        self.renewals = 0
        raw_shop = str(config.get("shop_id") or config.get("shop_external_id") or "")
        if not raw_shop.isdigit():
            raise PlatformError(
                f"shopee: {raw_shop!r} is not a Shopee shop_id (a number); set shop_id in the shop config"
            )
        self.shop_id = int(raw_shop)
        self.endpoint = str(config.get("base_url") or DEFAULT_ENDPOINT).rstrip("/")
        self.page_size = int(config.get("page_size", 50))
        self.initial_since = int(config.get("initial_since", time.time() - 30 * 86400))
        self.policy = RetryPolicy.from_config(config)
        self.clock = config.get("clock") or time.time
        #: the platform's clock minus the desk's, from the Date of its last answer (see platform_time)
        self.skew = 0.0
        self.seller_email = str(config.get("seller_email") or "")
        self.overlap = int(config.get("overlap", 900))  # search index lag, as for the other platforms

    # ---- signed calls --------------------------------------------------------------------------

    # ---- tokens --------------------------------------------------------------------------------

    def can_renew(self) -> bool:
        return bool(self._refresh_token) and callable(self._save)

    def _renew_if_due(self) -> None:
        if self.can_renew() and self._expires_at and self.clock() >= self._expires_at - self.renew_margin:
            self.renew()

    def renew(self) -> None:
        """Spend the refresh token for a new pair, store the pair, then use it."""
        path = "/api/v2/auth/access_token/get"
        ts = int(time.time())
        response = request(
            self.client,
            "POST",
            self.endpoint + path,
            policy=self.policy,
            write=True,
            what="shopee token renewal",
            params={
                "partner_id": self.partner_id,
                "timestamp": ts,
                "sign": sign(self._partner_key, f"{self.partner_id}{path}{ts}"),
            },
            json={
                "refresh_token": self._refresh_token,
                "partner_id": self.partner_id,
                "shop_id": self.shop_id,
            },
        )
        data = json_body(response, what="shopee token renewal", write=True)
        if not isinstance(data, dict) or data.get("error") or not data.get("access_token"):
            error = data.get("error") if isinstance(data, dict) else ""
            raise PlatformError(
                f"shopee token renewal: {error or response.status_code}: bind shop {self.shop_id} again "
                "(crossdesk shops add shopee)",
                code=str(error or ""),
                status=response.status_code,
            )
        new = {
            "access_token": str(data["access_token"]),
            "refresh_token": str(data.get("refresh_token") or self._refresh_token),
            "access_token_expires_at": str(int(self.clock()) + int(data.get("expire_in") or 14400)),
        }
        assert callable(self._save)
        self._save(new)  # written (atomically) before the spent refresh token is dropped below
        self._access_token = new["access_token"]
        self._refresh_token = new["refresh_token"]
        self._expires_at = float(new["access_token_expires_at"])
        self.renewals += 1

    def shop_info(self) -> dict[str, Any]:
        """The shop's own name and region, as Shopee knows them (the first read after binding)."""
        data = self._call("GET", "/api/v2/shop/get_shop_info", whole=True)
        return {"name": str(data.get("shop_name") or ""), "region": str(data.get("region") or "")}

    def _common(self, path: str) -> dict[str, Any]:
        ts = int(time.time())
        base = f"{self.partner_id}{path}{ts}{self._access_token}{self.shop_id}"
        return {
            "partner_id": self.partner_id,
            "timestamp": ts,
            "access_token": self._access_token,
            "shop_id": self.shop_id,
            "sign": sign(self._partner_key, base),
        }

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping | None = None,
        body: Mapping | None = None,
        whole: bool = False,
    ) -> dict:
        """One signed call; returns ``response`` of the body. Reads retry transient errors, writes raise
        them as ambiguous (Shopee may have acted before failing)."""
        write = method == "POST"
        what = f"shopee {path}"
        last: PlatformError | None = None
        self._renew_if_due()
        renewed = False
        for attempt in range(self.policy.attempts):
            query = self._common(path)  # a fresh timestamp and signature per attempt
            query.update(params or {})
            response = request(
                self.client,
                method,
                self.endpoint + path,
                policy=self.policy,
                write=write,
                what=what,
                params=query,
                json=dict(body) if body is not None else None,
            )
            when = platform_time(response)
            if when is not None:
                self.skew = when - self.clock()
            try:
                data = json_body(response, what=what, write=write)
            except PlatformError as exc:
                if write:
                    raise
                last = exc
                self.policy.wait(attempt)
                continue
            if not isinstance(data, dict):
                last = PlatformError(f"{what}: unexpected body", retryable=True, ambiguous=write)
                if write:
                    raise last
                self.policy.wait(attempt)
                continue
            error = str(data.get("error") or "")
            if not error and response.is_success:
                return data if whole else data.get("response") or {}
            message = str(data.get("message") or "")
            if error in THROTTLE_ERRORS:  # refused before acting: safe to wait and retry even a write
                last = PlatformError(f"{what}: {error}", retryable=True, code=error)
                self.policy.wait(attempt, 1.0)
                continue
            if error in RETRYABLE_ERRORS or response.status_code >= 500:
                last = PlatformError(
                    f"{what}: {error} {message}".strip(), retryable=True, ambiguous=write, code=error
                )
                if write:
                    raise last
                self.policy.wait(attempt)
                continue
            if "access" in error and self.can_renew() and not renewed:
                renewed = True  # refused before acting: renew once and send again
                self.renew()
                continue
            if error in AUTH_ERRORS or "access_token" in error:
                raise PlatformError(
                    f"{what}: {error}: refresh the Shopee access token for shop {self.shop_id}",
                    code=error,
                    status=response.status_code,
                )
            raise PlatformError(f"{what}: {error or response.status_code} {message}".strip(), code=error)
        assert last is not None
        raise last

    # ---- orders --------------------------------------------------------------------------------

    def fetch_orders(self, cursor: str | None) -> Page:
        """Orders updated in [time_from, time_to], paged by Shopee's cursor; windows of up to 15 days
        march forward until they reach now."""
        state = load_cursor(cursor)
        now = int(self.clock())
        time_from = int(state.get("time_from", self.initial_since))
        time_to = int(state.get("time_to") or min(now, time_from + MAX_WINDOW))
        page_cursor = state.get("cursor", "")
        resp = self._call(
            "GET",
            "/api/v2/order/get_order_list",
            params={
                "time_range_field": "update_time",
                "time_from": time_from,
                "time_to": time_to,
                "page_size": self.page_size,
                "cursor": page_cursor,
                "response_optional_fields": "order_status",
            },
        )
        order_list = resp.get("order_list")
        if not isinstance(order_list, list):
            raise PlatformError("shopee get_order_list: response without order_list", retryable=True)
        sns = [o["order_sn"] for o in order_list if o.get("order_sn")]
        records = []
        for i in range(0, len(sns), 50):
            records += [self._order(o) for o in self._order_details(sns[i : i + 50])]
        if resp.get("more"):
            nxt = {"time_from": time_from, "time_to": time_to, "cursor": resp.get("next_cursor", "")}
            return Page(records, dump_cursor(nxt), True)
        if time_to < now:  # this window is done; the next one starts where it ended
            return Page(records, dump_cursor({"time_from": time_to}), True)
        return Page(records, dump_cursor({"time_from": max(time_from, time_to - self.overlap)}), False)

    def _order_details(self, sns: list[str]) -> list[dict]:
        resp = self._call(
            "GET",
            "/api/v2/order/get_order_detail",
            params={
                "order_sn_list": ",".join(sns),
                "response_optional_fields": "buyer_user_id,buyer_username,item_list,total_amount,"
                "recipient_address,shipping_carrier,pay_time",
            },
        )
        return list(resp.get("order_list") or [])

    def _order(self, order: Mapping[str, Any]) -> dict[str, Any]:
        address = order.get("recipient_address") or {}
        lines = []
        for item in order.get("item_list") or []:
            lines.append(
                {
                    "external_id": f"{item.get('item_id')}:{item.get('model_id', 0)}",
                    "sku": item.get("model_sku") or item.get("item_sku") or str(item.get("item_id", "")),
                    "title": item.get("item_name", ""),
                    "quantity": int(item.get("model_quantity_purchased") or 1),
                    "unit_price": decimal_text(
                        item.get("model_discounted_price", item.get("model_original_price"))
                    ),
                }
            )
        buyer_id = str(order.get("buyer_user_id", ""))
        return {
            "external_id": order["order_sn"],
            "status": str(order.get("order_status", "")).lower(),
            "currency": order.get("currency", ""),
            "total": decimal_text(order.get("total_amount")),
            "ordered_at": int(order.get("create_time") or 0),
            "updated_at": int(order.get("update_time") or 0),
            "carrier": order.get("shipping_carrier", ""),
            "country": address.get("region", ""),
            "region": address.get("state", ""),
            "lines": lines,
            "customer": {
                "external_id": buyer_id,
                "handle": order.get("buyer_username", ""),
                "name": address.get("name", ""),
                "phone": address.get("phone", ""),
                "country": address.get("region", ""),
            }
            if buyer_id
            else None,
        }

    # ---- chat ----------------------------------------------------------------------------------

    def fetch_messages(self, cursor: str | None) -> Page:
        """Conversations come newest first; a run walks back until it meets the last run's high-water
        mark (``stop_at``, in nanoseconds as Shopee counts), then that run's newest becomes the mark."""
        state = load_cursor(cursor)
        stop_at = int(state.get("stop_at", self.initial_since * 1_000_000_000))
        newest = int(state.get("newest", stop_at))
        params: dict[str, Any] = {"direction": "older", "type": "all", "page_size": self.page_size}
        if state.get("next_timestamp_nano"):
            params["next_timestamp_nano"] = state["next_timestamp_nano"]
        resp = self._call("GET", "/api/v2/sellerchat/get_conversation_list", params=params)
        conversations = resp.get("conversations")
        if not isinstance(conversations, list):
            raise PlatformError("shopee get_conversation_list: no conversations", retryable=True)
        records = []
        reached = False
        for conv in conversations:
            last_ts = int(conv.get("last_message_timestamp") or 0)
            if last_ts <= stop_at:
                reached = True
                break
            newest = max(newest, last_ts)
            for msg in self._messages(str(conv["conversation_id"])):
                # Buyer messages come from the buyer's id; ours carry our shop id.
                if int(msg.get("from_shop_id") or 0) == self.shop_id:
                    continue
                created = int(msg.get("created_timestamp") or 0)
                if created * 1_000_000_000 <= stop_at:
                    continue
                text = (msg.get("content") or {}).get("text")
                if not text:  # stickers, images, order cards: nothing to read as text
                    continue
                records.append(
                    {
                        "thread_id": str(conv["conversation_id"]),
                        "external_id": str(msg["message_id"]),
                        "body": text,
                        "created_at": created,
                        "author": conv.get("to_name", ""),
                        "customer": {
                            "external_id": str(conv.get("to_id", "")),
                            "handle": conv.get("to_name", ""),
                        },
                    }
                )
        page = resp.get("page_result") or {}
        nxt = page.get("next_cursor") or {}
        if page.get("more") and not reached and nxt.get("next_message_time_nano"):
            cur = {"stop_at": stop_at, "newest": newest, "next_timestamp_nano": nxt["next_message_time_nano"]}
            return Page(records, dump_cursor(cur), True)
        return Page(records, dump_cursor({"stop_at": newest}), False)

    def _messages(self, conversation_id: str) -> list[dict]:
        out: list[dict] = []
        offset = ""
        while True:
            params: dict[str, Any] = {"conversation_id": conversation_id, "page_size": 50}
            if offset:
                params["offset"] = offset
            resp = self._call("GET", "/api/v2/sellerchat/get_message", params=params)
            out += resp.get("messages") or []
            page = resp.get("page_result") or {}
            offset = str(page.get("next_offset") or "")
            if not offset or not resp.get("messages"):
                return out

    def send_message(self, action: MessageOut) -> dict[str, Any]:
        if (action.thread_id or "").startswith(REVIEW_THREAD):
            return self.reply_review(action)
        to_id = action.buyer_external_id
        if not to_id or not to_id.isdigit():
            raise PlatformError(
                "shopee send_message: the buyer's Shopee user id is not known for this ticket"
            )
        resp = self._call(
            "POST",
            "/api/v2/sellerchat/send_message",
            body={"to_id": int(to_id), "message_type": "text", "content": {"text": action.body}},
        )
        return {"external_id": str(resp.get("message_id", "")) or None}

    # ---- returns -------------------------------------------------------------------------------

    def fetch_returns(self, cursor: str | None) -> Page:
        state = load_cursor(cursor)
        now = int(self.clock())
        time_from = int(state.get("time_from", self.initial_since))
        time_to = int(state.get("time_to") or min(now, time_from + MAX_WINDOW))
        page_no = int(state.get("page_no", 0))
        resp = self._call(
            "GET",
            "/api/v2/returns/get_return_list",
            params={
                "page_no": page_no,
                "page_size": self.page_size,
                "update_time_from": time_from,
                "update_time_to": time_to,
            },
        )
        returns = resp.get("return")
        if not isinstance(returns, list):
            raise PlatformError("shopee get_return_list: response without return list", retryable=True)
        records = []
        for ret in returns:
            user = ret.get("user") or {}
            records.append(
                {
                    "external_id": str(ret["return_sn"]),
                    "order_external_id": ret.get("order_sn"),
                    "state": ret.get("status", ""),
                    "reason": ret.get("reason", ""),
                    "comment": ret.get("text_reason", ""),
                    "currency": ret.get("currency", ""),
                    "amount": decimal_text(ret.get("refund_amount")),
                    "requested_at": int(ret.get("create_time") or 0),
                    "lines": [
                        {
                            "sku": i.get("item_sku") or str(i.get("item_id", "")),
                            "quantity": int(i.get("amount") or 1),
                        }
                        for i in ret.get("item") or []
                    ],
                    "customer": {
                        "external_id": str(ret.get("buyer_user_id") or ""),
                        "handle": user.get("username", ""),
                        "email": user.get("email", ""),
                    }
                    if ret.get("buyer_user_id")
                    else None,
                }
            )
        if resp.get("more"):
            return Page(
                records,
                dump_cursor({"time_from": time_from, "time_to": time_to, "page_no": page_no + 1}),
                True,
            )
        if time_to < now:
            return Page(records, dump_cursor({"time_from": time_to}), True)
        return Page(records, dump_cursor({"time_from": max(time_from, time_to - self.overlap)}), False)

    def decide_return(self, action: ReturnDecision) -> dict[str, Any]:
        return_sn = action.return_external_id
        if not return_sn:
            raise PlatformError("shopee decide: the Shopee return_sn is not known for this case")
        if action.decision == "approve":
            self._call("POST", "/api/v2/returns/confirm", body={"return_sn": return_sn})
        else:
            if not self.seller_email:
                raise PlatformError("shopee dispute needs a seller e-mail (shop config seller_email)")
            code = action.reason_code
            self._call(
                "POST",
                "/api/v2/returns/dispute",
                body={
                    "return_sn": return_sn,
                    "email": self.seller_email,
                    "dispute_reason": int(code) if code.isdigit() else 0,
                    "dispute_text_reason": action.reason or action.note,
                    "images": list(action.evidence),
                },
            )
        return {"external_id": str(return_sn)}

    # ---- reconciliation ------------------------------------------------------------------------

    def find_sent(self, action: Action) -> dict[str, Any] | None:
        if isinstance(action, MessageOut):
            if (action.thread_id or "").startswith(REVIEW_THREAD):
                return self.find_review_reply(action)
            if not action.thread_id:
                # It went to the buyer's id, so it may be there; without the conversation we cannot look.
                raise PlatformError("shopee find_sent: the conversation id is not known for this message")
            # Our queue time in the platform's clock (measured on its answers: the desk's clock may be
            # minutes off), less a margin: a reply sent seconds after queueing may carry a platform time
            # slightly before our queue time.
            messages = self._messages(action.thread_id)
            since = action.created_at + self.skew - CLOCK_SKEW  # the skew its answer just measured
            for msg in messages:
                if (
                    int(msg.get("from_shop_id") or 0) == self.shop_id
                    and (msg.get("content") or {}).get("text") == action.body
                    and int(msg.get("created_timestamp") or 0) >= since
                ):
                    return {"external_id": str(msg["message_id"])}
            return None
        if not isinstance(action, ReturnDecision):
            raise PlatformError(f"shopee find_sent: cannot look for a {action.kind}")
        return_sn = action.return_external_id
        if not return_sn:
            return None  # never sent: decide_return refuses a decision without the return_sn
        resp = self._call("GET", "/api/v2/returns/get_return_detail", params={"return_sn": return_sn})
        status = str(resp.get("status", ""))
        return {"external_id": str(return_sn)} if status in RETURN_ACCEPTED else None


def factory(config: dict, client: httpx.Client) -> ShopeeConnector:
    return ShopeeConnector(config, client)


@hookimpl
def crossdesk_platforms() -> list[PlatformSpec]:
    return [
        PlatformSpec(
            name="shopee",
            display_name="Shopee",
            factory=factory,
            credentials=("partner_id", "partner_key", "access_token", "refresh_token"),
        )
    ]
