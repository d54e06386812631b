"""United States: no federal right to return goods bought online (the FTC Cooling-Off Rule, 16 CFR 429,
covers door-to-door sales). State refund-disclosure statutes give a right only when the seller posts no
policy: California Civil Code § 1723 and New York General Business Law § 218-a, 30 days from purchase.
Other states are not modelled: the verdict says so rather than guessing.
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import ReturnQuery, Verdict, add_days, fmt

STATUTES = {
    "CA": dict(
        cite="California Civil Code § 1723",
        basis="US-CA Civil Code § 1723",
        right="return for a full refund when no policy is posted",
        exceptions={
            "perishable": "§ 1723(c): food, plants, flowers and perishable goods",
            "custom_made": "§ 1723(c): customized goods received in the condition ordered",
            "sealed_hygiene_opened": "§ 1723(c): goods that cannot be resold for health considerations",
        },
        refund="a refund of the purchase price (§ 1723(b))",
    ),
    "NY": dict(
        cite="New York General Business Law § 218-a",
        basis="US-NY General Business Law § 218-a",
        right="return for a refund when no policy is posted",
        exceptions={
            "perishable": "§ 218-a: food and perishable goods",
            "custom_made": "§ 218-a: custom-made or special-order goods",
            "sealed_hygiene_opened": "§ 218-a: goods used or damaged after purchase",
        },
        refund="a refund of the purchase price (§ 218-a)",
    ),
}


class StateRefundStatutes:
    id = "us.state"
    kind = "law"
    priority = 20

    def applies(self, query: ReturnQuery) -> bool:
        return query.country == "US"

    def evaluate(self, query: ReturnQuery) -> Verdict:
        reasons = [
            "there is no federal right to return goods bought online (16 CFR 429 covers door-to-door sales only)"
        ]
        if not query.region:
            reasons.append(
                "state law decides; the buyer's state is not known (California and New York give 30 days when no policy is posted)"
            )
            return Verdict(
                policy=self.id,
                eligible=False,
                deadline=None,
                basis="US: no federal right",
                reasons=tuple(reasons),
                kind=self.kind,
                missing=("region",),
            )
        law = STATUTES.get(query.region)
        if law is None:
            reasons.append(
                f"no state refund statute is modelled for US-{query.region}: no statutory right is assumed; "
                "the seller's and platform's policies decide"
            )
            return Verdict(
                policy=self.id,
                eligible=False,
                deadline=None,
                basis=f"US-{query.region}: no statutory right known",
                reasons=tuple(reasons),
                kind=self.kind,
            )
        base = dict(policy=self.id, basis=law["basis"], kind=self.kind, right=law["right"])
        if query.seller_policy_days is not None:
            reasons.append(
                f"the seller posts a return policy ({query.seller_policy_days} days), so {law['cite']} only requires "
                "that it is displayed; the posted policy governs"
            )
            return Verdict(eligible=False, deadline=None, reasons=tuple(reasons), **base)
        for flag, text in sorted(law["exceptions"].items()):
            if flag in query.flags:
                reasons.append(f"not covered: {text}")
                return Verdict(eligible=False, deadline=None, reasons=tuple(reasons), exception=flag, **base)
        if query.ordered is None:
            reasons.append(f"no order date: {law['cite']} counts 30 days from purchase")
            return Verdict(
                eligible=False, deadline=None, reasons=tuple(reasons), missing=("ordered",), **base
            )
        deadline = add_days(query.ordered, 30)
        reasons.append(
            f"no return policy posted: goods may be returned within 30 days of purchase ({law['cite']}); "
            f"bought {fmt(query.ordered)}, last day {fmt(deadline)}"
        )
        eligible = query.requested is None or query.requested <= deadline
        if query.requested is not None:
            reasons.append(f"return asked {fmt(query.requested)}: " + ("in time" if eligible else "too late"))
        reasons.append(f"the buyer gets {law['refund']}")
        return Verdict(
            eligible=eligible, deadline=deadline, reasons=tuple(reasons), period_start=query.ordered, **base
        )


@hookimpl
def crossdesk_return_policies() -> list:
    return [StateRefundStatutes()]
