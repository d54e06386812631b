"""eBay seller feedback (the Feedback API, ``/commerce/feedback/v1/feedback``), mixed into the eBay connector.

``getFeedback`` with ``user_id`` (the seller), ``feedback_type=FEEDBACK_RECEIVED_AS_SELLER``, ``limit`` and
``offset``; each entry has ``feedbackId``, ``commentType`` (POSITIVE, NEUTRAL, NEGATIVE), the buyer's
comment, when it was entered, the buyer and the order line it is about. eBay feedback has no stars; the desk
stores POSITIVE as 5, NEUTRAL as 3, NEGATIVE as 1. Field names follow eBay's reference for the API
released in October 2025; check them against it before relying on more than these. Replies
(``respondToFeedback``) are not sent from the desk yet: the reply is written on eBay (docs/reputation.md).
"""

from __future__ import annotations

from typing import Any

from crossdesk.platforms import Page, PlatformError
from crossdesk.plugins.platforms._http import dump_cursor, iso_to_epoch, load_cursor

STARS = {"POSITIVE": 5, "NEUTRAL": 3, "NEGATIVE": 1}


class EbayFeedback:
    """Needs ``self._get``, ``self.seller`` and ``self.page_size`` from the connector."""

    _get: Any
    seller: str
    page_size: int

    def fetch_reviews(self, cursor: str | None) -> Page:
        if not self.seller:
            raise PlatformError("ebay feedback: set seller_username in the shop config")
        offset = int(load_cursor(cursor).get("offset", 0))
        limit = min(200, self.page_size)
        body = self._get(
            "/commerce/feedback/v1/feedback",
            {
                "user_id": self.seller,
                "feedback_type": "FEEDBACK_RECEIVED_AS_SELLER",
                "limit": limit,
                "offset": offset,
            },
        )
        entries = body.get("feedbackEntries")
        if not isinstance(entries, list):
            raise PlatformError("ebay getFeedback: response without feedbackEntries", retryable=True)
        records = []
        for e in entries:
            kind = str(e.get("commentType") or "").upper()
            if kind not in STARS:
                continue
            line = e.get("orderLineItemSummary") or {}
            buyer = (e.get("providerUserDetail") or {}).get("username") or ""
            records.append(
                {
                    "external_id": str(e["feedbackId"]),
                    "kind": "seller_feedback",
                    "rating": STARS[kind],
                    "negative": kind == "NEGATIVE",
                    "body": str((e.get("feedbackComment") or {}).get("commentText") or ""),
                    "created_at": iso_to_epoch(e.get("feedbackEnteredDate")) or 0,
                    "order_external_id": str(line.get("orderId") or ""),
                    "sku": str(line.get("sku") or line.get("listingId") or ""),
                    "customer": {"external_id": buyer, "handle": buyer} if buyer else None,
                    "reply": str((e.get("feedbackResponse") or {}).get("responseText") or ""),
                    "thread_id": f"feedback:{e['feedbackId']}",
                }
            )
        if offset + limit < int(body.get("total") or 0):
            return Page(records, dump_cursor({"offset": offset + limit}), True)
        return Page(records, None, False)
