"""eBay: the seller's own return policy as set on the listing (30 or 60 days from delivery, or no returns),
and the eBay Money Back Guarantee, which covers items not received or not as described (faulty included)
whatever the seller's policy: a request within 30 days of the actual or latest estimated delivery date.
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import ReturnQuery, Verdict, add_days, fmt


class EbayReturns:
    id = "ebay.returns"
    kind = "platform"
    priority = 5

    def applies(self, query: ReturnQuery) -> bool:
        return query.platform == "ebay"

    def evaluate(self, query: ReturnQuery) -> Verdict:
        reasons: list[str] = []
        days = query.seller_policy_days
        if not query.delivered:
            reasons.append(
                "not delivered: the eBay Money Back Guarantee covers items not received, with a request up to 30 "
                "days after the latest estimated delivery date, which is not given"
            )
            return Verdict(
                policy=self.id,
                eligible=False,
                deadline=None,
                basis="eBay Money Back Guarantee",
                reasons=tuple(reasons),
                kind=self.kind,
                missing=("delivered", "estimated delivery date"),
            )
        delivered = query.last_delivery
        assert delivered is not None
        options: list[tuple[object, str, str]] = []  # (deadline, basis, right)
        if days:
            if days not in (30, 60):
                reasons.append(
                    f"eBay listings offer 30 or 60 days (14 on some sites); this seller posts {days}"
                )
            end = add_days(delivered, days)
            reasons.append(
                f"the seller's eBay return policy: {days} days from delivery {fmt(delivered)}, last day {fmt(end)}"
            )
            options.append((end, f"eBay seller return policy ({days} days)", "return window"))
        else:
            reasons.append(
                "the seller's eBay listing accepts no returns"
                if days == 0
                else "no seller return policy given: treated as no returns for a change of mind"
            )
        if query.defective:
            end = add_days(delivered, 30)
            reasons.append(
                f"eBay Money Back Guarantee: item not as described or faulty, request within 30 days of delivery, "
                f"last day {fmt(end)}; the seller's no-returns policy does not apply"
            )
            options.append((end, "eBay Money Back Guarantee", "money back guarantee"))
        if not options:
            return Verdict(
                policy=self.id,
                eligible=False,
                deadline=None,
                basis="eBay seller return policy (no returns)",
                reasons=tuple(reasons),
                kind=self.kind,
            )
        deadline, basis, right = max(options, key=lambda o: o[0])
        eligible = query.requested is None or query.requested <= deadline
        if query.requested is not None:
            reasons.append(
                f"request opened {fmt(query.requested)}: " + ("in time" if eligible else "too late")
            )
        return Verdict(
            policy=self.id,
            eligible=eligible,
            deadline=deadline,
            basis=basis,
            reasons=tuple(reasons),
            kind=self.kind,
            right=right,
            period_start=delivered,
        )


@hookimpl
def crossdesk_return_policies() -> list:
    return [EbayReturns()]
