"""The shop's own posted return policy: ``seller_policy_days`` days from delivery (0 means no returns).

On eBay the seller's policy is part of the eBay listing and is judged by the eBay plugin, so it is not
counted twice here. A shop's policy never takes away a statutory right: the law is judged beside it.
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import ReturnQuery, Verdict, add_days, fmt


class ShopPolicy:
    id = "seller.policy"
    kind = "seller"
    priority = 0

    def applies(self, query: ReturnQuery) -> bool:
        return query.seller_policy_days is not None and query.platform != "ebay"

    def evaluate(self, query: ReturnQuery) -> Verdict:
        days = query.seller_policy_days
        assert days is not None
        base = dict(policy=self.id, kind=self.kind, right="shop return policy")
        if days == 0:
            return Verdict(
                eligible=False,
                deadline=None,
                basis="shop return policy (no returns)",
                reasons=("the shop posts a no-returns policy; statutory rights are judged separately",),
                **base,
            )
        basis = f"shop return policy ({days} days)"
        if not query.delivered:
            return Verdict(
                eligible=False,
                deadline=None,
                basis=basis,
                missing=("delivered",),
                reasons=(f"not delivered yet: the shop's {days} days run from delivery",),
                **base,
            )
        delivered = query.last_delivery
        assert delivered is not None
        deadline = add_days(delivered, days)
        reasons = [
            f"the shop's posted policy: {days} days from delivery {fmt(delivered)}, last day {fmt(deadline)}"
        ]
        eligible = query.requested is None or query.requested <= deadline
        if query.requested is not None:
            reasons.append(f"return asked {fmt(query.requested)}: " + ("in time" if eligible else "too late"))
        return Verdict(
            eligible=eligible,
            deadline=deadline,
            basis=basis,
            reasons=tuple(reasons),
            period_start=delivered,
            **base,
        )


@hookimpl
def crossdesk_return_policies() -> list:
    return [ShopPolicy()]
