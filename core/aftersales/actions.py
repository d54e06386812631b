"""Which platform action each case step queues, or what the agent must do by hand where there is none.

Actions are the typed actions of :mod:`crossdesk.platforms` (a :class:`ReturnDecision`, a
:class:`Refund`, a :class:`Cancellation`); the platform connectors send them. A step is looked up by
platform, step and case type: a return's approval is a return decision, a cancellation's is an order
cancellation, a refund request's approval is the desk's own decision and sends nothing. Where the platform
has no seller API for the step (Amazon merchant-fulfilled returns, AliExpress disputes, eBay refunds outside
an eBay return), the case carries a next step for the agent instead of pretending something was sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossdesk.platforms import Action, Cancellation, Refund, ReturnDecision

RETURNS = frozenset({"return", "exchange"})


@dataclass(frozen=True)
class PlatformStep:
    action: type[Action] | None = None  # the action type queued, or None
    manual: str = ""  # what the agent does by hand, or ""
    fields: tuple[tuple[str, object], ...] = ()  # fixed fields of the action on this platform


#: (platform, step, case group) -> what happens; case group is "return" (returns, exchanges),
#: "cancellation" or "*" (any type).
STEPS: dict[tuple[str, str, str], PlatformStep] = {
    ("ebay", "approve", "return"): PlatformStep(ReturnDecision),
    ("ebay", "decline", "return"): PlatformStep(ReturnDecision),
    ("ebay", "refund", "return"): PlatformStep(Refund),
    ("ebay", "refund", "*"): PlatformStep(
        manual="Send the refund in Seller Hub (Orders > Send refund); only a refund of an eBay return goes "
        "through the API"
    ),
    ("ebay", "approve", "cancellation"): PlatformStep(
        manual="Cancel the order in Seller Hub (Orders > Cancel order); eBay refunds the buyer"
    ),
    ("shopee", "approve", "return"): PlatformStep(ReturnDecision),
    ("shopee", "decline", "return"): PlatformStep(ReturnDecision),
    ("shopee", "refund", "*"): PlatformStep(
        manual="Shopee releases the refund itself once the return or cancellation is confirmed; nothing to send"
    ),
    ("shopee", "approve", "cancellation"): PlatformStep(
        manual="Accept the buyer's cancellation request in Shopee Seller Centre (Orders > Cancellation)"
    ),
    ("shopify", "approve", "return"): PlatformStep(ReturnDecision),
    ("shopify", "decline", "return"): PlatformStep(ReturnDecision),
    ("shopify", "refund", "*"): PlatformStep(Refund),
    # The refund is its own step (refundCreate), so the cancellation must not refund a second time.
    ("shopify", "approve", "cancellation"): PlatformStep(
        Cancellation, fields=(("refund", False), ("restock", True))
    ),
    ("amazon", "approve", "return"): PlatformStep(
        manual="Authorize the return in Seller Central (Orders > Manage Returns); merchant-fulfilled returns "
        "have no API action here"
    ),
    ("amazon", "decline", "return"): PlatformStep(
        manual="Close the return request in Seller Central (Orders > Manage Returns) with the reason"
    ),
    ("amazon", "refund", "*"): PlatformStep(
        manual="Issue the refund in Seller Central (Orders > Manage Orders > Refund order)"
    ),
    ("amazon", "approve", "cancellation"): PlatformStep(
        manual="Cancel the order in Seller Central (Orders > Manage Orders > Cancel order)"
    ),
    ("aliexpress", "approve", "return"): PlatformStep(
        manual="Accept the buyer's dispute solution in the AliExpress Seller Center"
    ),
    ("aliexpress", "decline", "return"): PlatformStep(
        manual="Reject the dispute with evidence in the AliExpress Seller Center"
    ),
    ("aliexpress", "refund", "*"): PlatformStep(manual="Confirm the refund in the AliExpress Seller Center"),
    ("aliexpress", "approve", "cancellation"): PlatformStep(
        manual="Cancel the order in the AliExpress Seller Center"
    ),
}


def platform_step(platform: str, step: str, case_type: str, *, has_return_id: bool = True) -> PlatformStep:
    """What ``step`` means on ``platform`` for a case of ``case_type`` (nothing when it means nothing)."""
    group = "return" if case_type in RETURNS else case_type
    if step == "refund" and group == "return" and not has_return_id:
        group = "*"  # a return the platform does not know of: refund it like any other
    found = STEPS.get((platform, step, group)) or STEPS.get((platform, step, "*"))
    return found or PlatformStep()


def action_type(platform: str, step: str, case_type: str = "return") -> type[Action] | None:
    """The action type ``step`` queues on ``platform``, or None where it queues nothing."""
    return platform_step(platform, step, case_type).action


def manual_step(platform: str, step: str, case_type: str = "return") -> str:
    return platform_step(platform, step, case_type).manual
