"""eBay seller feedback (the Feedback API, ``/commerce/feedback/v1/feedback``), mixed into the eBay connector.

``getFeedback`` with ``user_id`` (the seller), ``feedback_type=FEEDBACK_RECEIVED_AS_SELLER``, ``limit`` and
``offset``; each entry has ``feedbackId``, ``commentType`` (POSITIVE, NEUTRAL, NEGATIVE), the buyer's
comment, when it was entered, the buyer and the order line it is about. eBay feedback has no stars; the desk
stores POSITIVE as 5, NEUTRAL as 3, NEGATIVE as 1. Field names follow eBay's reference for the API
released in October 2025; check them against it before relying on more than these.

A reply to a feedback goes through the outbox as a :class:`MessageOut` on the review's ticket (thread
``feedback:<feedbackId>``) to ``respondToFeedback`` (``POST /commerce/feedback/v1/respond_to_feedback``,
``responseType`` REPLY, to the buyer who left it). eBay allows one reply per feedback, of at most 80
characters, and takes no idempotency key: after an unclear failure :meth:`find_feedback_reply` reads the
feedback back (``feedback_id``) and counts our text in its response as sent. eBay forbids automatic replies
to negative feedback: the desk only sends a reply an agent wrote on the ticket.
"""

from __future__ import annotations

from typing import Any

from crossdesk.platforms import MessageOut, Page, PlatformError, manual
from crossdesk.plugins.platforms._http import dump_cursor, iso_to_epoch, load_cursor

STARS = {"POSITIVE": 5, "NEUTRAL": 3, "NEGATIVE": 1}
FEEDBACK_THREAD = "feedback:"
REPLY_MAX = 80  # characters eBay keeps of a reply to feedback


class EbayFeedback:
    """Needs ``self._get``, ``self._call``, ``self.seller`` and ``self.page_size`` from the connector."""

    _get: Any
    _call: Any
    #: eBay returns feedback newest first (its developer knowledge base: "retrieve pages only until the
    #: page contains a feedback record that was previously retrieved"), so a pull may stop there.
    reviews_newest_first = True
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

    # ---- replies -------------------------------------------------------------------------------

    @staticmethod
    def _feedback_id(action: MessageOut) -> str:
        feedback_id = (action.thread_id or "").removeprefix(FEEDBACK_THREAD)
        if not feedback_id or feedback_id == action.thread_id:
            raise PlatformError(f"ebay respondToFeedback: {action.thread_id!r} is not a feedback thread")
        return feedback_id

    def reply_feedback(self, action: MessageOut) -> dict[str, Any]:
        feedback_id = self._feedback_id(action)
        text = action.body.strip()
        if not text:
            raise PlatformError("ebay respondToFeedback: the reply is empty")
        if len(text) > REPLY_MAX:
            raise PlatformError(
                f"ebay respondToFeedback: eBay keeps at most {REPLY_MAX} characters of a reply to feedback; "
                f"this one has {len(text)}: shorten it and send it again"
            )
        if not action.buyer_external_id:
            raise PlatformError("ebay respondToFeedback: the buyer who left this feedback is not known")
        response = self._call(
            "POST",
            "/commerce/feedback/v1/respond_to_feedback",
            write=True,
            json={
                "feedbackId": feedback_id,
                "recipientUserId": action.buyer_external_id,
                "responseText": text,
                "responseType": "REPLY",
            },
        )
        if not response.is_success:
            code, message = "", ""
            try:
                first = (response.json().get("errors") or [{}])[0]
                code, message = str(first.get("errorId", "")), str(first.get("message", ""))
            except (ValueError, AttributeError):
                pass
            raise PlatformError(
                f"ebay respondToFeedback: HTTP {response.status_code} {code} {message}".strip(),
                status=response.status_code,
                code=code,
            )
        return {"external_id": f"reply:{feedback_id}"}

    def find_feedback_reply(self, action: MessageOut) -> dict[str, Any] | None:
        """Our reply already on the feedback (its response text is ours): sent. Another reply there: eBay
        takes only one, so a person decides."""
        feedback_id = self._feedback_id(action)
        body = self._get(
            "/commerce/feedback/v1/feedback",
            {
                "user_id": self.seller,
                "feedback_type": "FEEDBACK_RECEIVED_AS_SELLER",
                "feedback_id": feedback_id,
            },
        )
        for e in body.get("feedbackEntries") or []:
            if str(e.get("feedbackId")) != feedback_id:
                continue
            said = str((e.get("feedbackResponse") or {}).get("responseText") or "")
            if said == action.body.strip():
                return {"external_id": f"reply:{feedback_id}"}
            if said:
                raise manual(
                    f"eBay feedback {feedback_id} already has another reply ({said[:40]!r}); eBay takes one: "
                    "check it in Seller Hub, then mark this item sent or cancel it"
                )
        return None
