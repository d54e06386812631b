"""Shopee: return and refund requests within the Shopee Guarantee returns window, 15 days from delivery
(Shopee Mall, and every market's faulty, wrong or damaged items). A change of mind is accepted only for
items labelled for change-of-mind or free returns, and never for perishable, hygiene or digital goods.
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import ReturnQuery, Verdict, add_days, fmt

NON_RETURNABLE = {
    "perishable": "perishable goods are not returnable for a change of mind",
    "sealed_hygiene_opened": "hygiene products and personal items are not returnable for a change of mind",
    "sealed_media_opened": "digital products are not returnable for a change of mind",
    "custom_made": "customised items are not returnable for a change of mind",
}

DAYS = 15


class ShopeeReturns:
    id = "shopee.returns"
    kind = "platform"
    priority = 5

    def applies(self, query: ReturnQuery) -> bool:
        return query.platform == "shopee"

    def evaluate(self, query: ReturnQuery) -> Verdict:
        base = dict(
            policy=self.id,
            basis="Shopee return and refund policy",
            kind=self.kind,
            right="Shopee Guarantee returns window",
        )
        reasons: list[str] = []
        if not query.defective:
            for flag in sorted(query.flags & set(NON_RETURNABLE)):
                reasons.append(f"Shopee: {NON_RETURNABLE[flag]}")
                return Verdict(eligible=False, deadline=None, reasons=tuple(reasons), exception=flag, **base)
        if not query.delivered:
            reasons.append(
                "not delivered: a 'did not receive' request may be raised after the estimated delivery date; the "
                f"{DAYS}-day window starts at delivery"
            )
            return Verdict(
                eligible=False, deadline=None, reasons=tuple(reasons), missing=("delivered",), **base
            )
        delivered = query.last_delivery
        assert delivered is not None
        deadline = add_days(delivered, DAYS)
        reasons.append(
            f"Shopee returns window: {DAYS} days from delivery {fmt(delivered)}, last day {fmt(deadline)}"
        )
        if query.defective:
            reasons.append("faulty, damaged, wrong or not-as-described items qualify for return and refund")
        else:
            reasons.append(
                "change of mind: only for items labelled for change-of-mind / free returns, unused with tags and seals intact"
            )
        eligible = query.requested is None or query.requested <= deadline
        if query.requested is not None:
            reasons.append(
                f"request raised {fmt(query.requested)}: " + ("in time" if eligible else "too late")
            )
        return Verdict(
            eligible=eligible, deadline=deadline, reasons=tuple(reasons), period_start=delivered, **base
        )


@hookimpl
def crossdesk_return_policies() -> list:
    return [ShopeeReturns()]
