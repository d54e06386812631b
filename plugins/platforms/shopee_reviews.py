"""Shopee product comments (reviews) and the seller's reply to them, mixed into the Shopee connector.

``/api/v2/product/get_comment`` pages the shop's comments with ``cursor`` / ``page_size`` (``more``,
``next_cursor``); each carries the buyer's username, the order, the item and model, the star rating
(1 to 5) and the seller's reply if any. ``/api/v2/product/reply_comment`` answers up to 100 comments in one
call; Shopee allows one reply per comment. A reply goes through the outbox as a :class:`MessageOut` on
the review's ticket, whose thread id is ``review:<comment_id>``.
"""

from __future__ import annotations

from typing import Any

from crossdesk.platforms import MessageOut, Page, PlatformError
from crossdesk.plugins.platforms._http import dump_cursor, load_cursor

REVIEW_THREAD = "review:"
NEGATIVE_AT_MOST = 2  # stars: a one- or two-star comment is a complaint


class ShopeeReviews:
    """Needs ``self._call`` and ``self.page_size`` from the connector."""

    _call: Any
    page_size: int

    def fetch_reviews(self, cursor: str | None) -> Page:
        state = load_cursor(cursor)
        params: dict[str, Any] = {"page_size": min(100, self.page_size), "cursor": state.get("cursor", "")}
        resp = self._call("GET", "/api/v2/product/get_comment", params=params)
        comments = resp.get("item_comment_list")
        if not isinstance(comments, list):
            raise PlatformError("shopee get_comment: response without item_comment_list", retryable=True)
        records = []
        for c in comments:
            rating = int(c.get("rating_star") or 0)
            reply = (c.get("comment_reply") or {}).get("reply") or ""
            records.append(
                {
                    "external_id": str(c["comment_id"]),
                    "kind": "product_review",
                    "rating": rating,
                    "negative": 0 < rating <= NEGATIVE_AT_MOST,
                    "body": str(c.get("comment") or ""),
                    "created_at": int(c.get("create_time") or 0),
                    "order_external_id": str(c.get("order_sn") or ""),
                    "sku": str(c.get("model_sku") or c.get("item_sku") or c.get("item_id") or ""),
                    "customer": {
                        "external_id": str(c.get("buyer_user_id") or ""),
                        "handle": c.get("buyer_username", ""),
                    }
                    if c.get("buyer_user_id")
                    else None,
                    "reply": reply,
                    "status": "hidden" if c.get("hidden") else "published",
                    "thread_id": f"{REVIEW_THREAD}{c['comment_id']}",
                }
            )
        if resp.get("more") and resp.get("next_cursor"):
            return Page(records, dump_cursor({"cursor": resp["next_cursor"]}), True)
        return Page(records, None, False)

    def reply_review(self, action: MessageOut) -> dict[str, Any]:
        comment_id = (action.thread_id or "").removeprefix(REVIEW_THREAD)
        if not comment_id.isdigit():
            raise PlatformError(f"shopee reply_comment: {action.thread_id!r} is not a review thread")
        resp = self._call(
            "POST",
            "/api/v2/product/reply_comment",
            body={"comment_list": [{"comment_id": int(comment_id), "comment": action.body}]},
        )
        result = (resp.get("result_list") or [{}])[0]
        if result.get("fail_error"):
            raise PlatformError(
                f"shopee reply_comment: {result['fail_error']} {result.get('fail_message', '')}"
            )
        return {"external_id": f"reply:{comment_id}"}

    def find_review_reply(self, action: MessageOut) -> dict[str, Any] | None:
        comment_id = (action.thread_id or "").removeprefix(REVIEW_THREAD)
        resp = self._call(
            "GET", "/api/v2/product/get_comment", params={"comment_id": comment_id, "page_size": 1}
        )
        for c in resp.get("item_comment_list") or []:
            if ((c.get("comment_reply") or {}).get("reply") or "") == action.body:
                return {"external_id": f"reply:{comment_id}"}
        return None
