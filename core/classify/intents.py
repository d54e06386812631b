"""The intent vocabulary and its int16 codes (the ``intent`` column of the native score).

Codes are positions in :data:`INTENTS`; keep them stable (append new intents at the end). The ticket table
stores the intent *name*; the queue maps names to codes with :func:`intent_code` (unknown names, including
intents a plugin invented, get code 0 and add nothing to the score unless the weights say otherwise).
"""

from __future__ import annotations

#: (name, default score weight, why). Chargebacks and items not received come first: each can cost the
#: seller the sale plus a fee or an account-health defect; a product question is a sale still to win.
INTENTS: tuple[tuple[str, float, str], ...] = (
    ("", 0.0, "no intent recognised"),
    ("product_question", 1.0, "a sale still to win; answer while the buyer is shopping"),
    ("shipping_status", 1.5, "where-is-my-order: cheap to answer, turns into not-received if ignored"),
    ("item_not_received", 3.5, "A-to-z / INR claims follow within days and count against the account"),
    ("damaged_item", 3.0, "a return or refund is coming; a fast answer keeps it off the public feedback"),
    ("wrong_item", 3.0, "the seller's own error: fix it before it becomes a claim"),
    ("return_request", 2.0, "legal and platform return deadlines run from the request"),
    ("refund_request", 2.5, "money the buyer is waiting for; refund deadlines are short"),
    ("cancellation", 2.5, "only cheap before the parcel ships: time-critical"),
    ("address_change", 2.5, "only possible before dispatch: time-critical"),
    ("exchange", 1.5, "a return with a new sale attached"),
    ("invoice_request", 0.5, "paperwork, rarely urgent"),
    ("complaint", 2.0, "an unhappy buyer who has not yet escalated"),
    ("bad_review_threat", 3.0, "public feedback hurts every future sale"),
    ("legal_threat", 4.5, "consumer-law deadlines and costs; needs a careful, quick answer"),
    ("chargeback_threat", 5.0, "a dispute costs the sale, the fee and a defect on the account"),
    ("praise", -0.5, "nothing to fix; thank them when the queue allows"),
)

INTENT_NAMES: tuple[str, ...] = tuple(name for name, _, _ in INTENTS)
INTENT_CODES: dict[str, int] = {name: code for code, name in enumerate(INTENT_NAMES)}


def intent_code(name: str | None) -> int:
    """The int16 code of an intent name; 0 for none or unknown."""
    return INTENT_CODES.get(name or "", 0)
