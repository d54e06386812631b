"""Which platform action each case step queues, or what the agent must do by hand where there is none.

Outbox kinds are ``<platform>.<action>``; the platform connectors send them. Amazon's merchant-fulfilled
returns and AliExpress disputes have no seller API action here, so the case carries a next step for the
agent instead of pretending something was sent.
"""

from __future__ import annotations

#: (platform, step) -> outbox kind
OUTBOX_KINDS: dict[tuple[str, str], str] = {
    ("ebay", "approve"): "ebay.return_decide",
    ("ebay", "decline"): "ebay.return_decide",
    ("ebay", "refund"): "ebay.issue_refund",
    ("shopee", "approve"): "shopee.return_confirm",
    ("shopee", "decline"): "shopee.return_dispute",
    ("shopify", "approve"): "shopify.return_approve",
    ("shopify", "decline"): "shopify.return_decline",
    ("shopify", "refund"): "shopify.refund_create",
}

#: (platform, step) -> what the agent does by hand
MANUAL_STEPS: dict[tuple[str, str], str] = {
    ("amazon", "approve"): "Authorize the return in Seller Central (Orders > Manage Returns); "
    "merchant-fulfilled returns have no API action here",
    (
        "amazon",
        "decline",
    ): "Close the return request in Seller Central (Orders > Manage Returns) with the reason",
    ("amazon", "refund"): "Issue the refund in Seller Central (Orders > Manage Orders > Refund order)",
    ("aliexpress", "approve"): "Accept the buyer's dispute solution in the AliExpress Seller Center",
    ("aliexpress", "decline"): "Reject the dispute with evidence in the AliExpress Seller Center",
    ("aliexpress", "refund"): "Confirm the refund in the AliExpress Seller Center dispute",
    ("shopee", "refund"): "Shopee releases the refund itself once the return is confirmed; nothing to send",
}


def outbox_kind(platform: str, step: str) -> str | None:
    return OUTBOX_KINDS.get((platform, step))


def manual_step(platform: str, step: str) -> str:
    return MANUAL_STEPS.get((platform, step), "")
