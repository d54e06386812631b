"""AliExpress: Buyer Protection (a refund for items not received or not as described, with a dispute
opened within 15 days of delivery or of the order's completion) and Free Return (items so labelled may be
returned for any reason within 15 days of delivery). Personalised, perishable and hygiene items are excluded.
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import ReturnQuery, Verdict, add_days, fmt

EXCLUDED = {
    "custom_made": "personalised and custom-made items are excluded",
    "perishable": "perishable items are excluded",
    "sealed_hygiene_opened": "items unsuitable for return for health or hygiene reasons are excluded",
}

DAYS = 15


class AliExpressReturns:
    id = "aliexpress.returns"
    kind = "platform"
    priority = 5

    def applies(self, query: ReturnQuery) -> bool:
        return query.platform == "aliexpress"

    def evaluate(self, query: ReturnQuery) -> Verdict:
        basis = "AliExpress Buyer Protection" if query.defective else "AliExpress Free Return"
        base = dict(policy=self.id, basis=basis, kind=self.kind, right="return or refund dispute")
        reasons: list[str] = []
        if not query.defective:
            for flag in sorted(query.flags & set(EXCLUDED)):
                reasons.append(f"AliExpress: {EXCLUDED[flag]}")
                return Verdict(eligible=False, deadline=None, reasons=tuple(reasons), exception=flag, **base)
        if not query.delivered:
            reasons.append(
                "not delivered: Buyer Protection refunds items not received within the protection period shown on "
                "the order; the 15-day window starts at delivery"
            )
            return Verdict(
                eligible=False, deadline=None, reasons=tuple(reasons), missing=("delivered",), **base
            )
        delivered = query.last_delivery
        assert delivered is not None
        deadline = add_days(delivered, DAYS)
        if query.defective:
            reasons.append(
                f"Buyer Protection: not as described or faulty, dispute within {DAYS} days of delivery "
                f"{fmt(delivered)}: last day {fmt(deadline)}; the seller pays the return"
            )
        else:
            reasons.append(
                f"Free Return: items with the Free Return label may be returned for any reason within {DAYS} days "
                f"of delivery {fmt(delivered)}: last day {fmt(deadline)}; unused, in original packaging"
            )
        eligible = query.requested is None or query.requested <= deadline
        if query.requested is not None:
            reasons.append(
                f"request opened {fmt(query.requested)}: " + ("in time" if eligible else "too late")
            )
        return Verdict(
            eligible=eligible, deadline=deadline, reasons=tuple(reasons), period_start=delivered, **base
        )


@hookimpl
def crossdesk_return_policies() -> list:
    return [AliExpressReturns()]
