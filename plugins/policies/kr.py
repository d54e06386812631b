"""South Korea: withdrawal of subscription under the Act on Consumer Protection in Electronic Commerce
art. 17.

7 days from supply of the goods (art. 17(1)); goods not as displayed, advertised or contracted: 3 months
from supply (art. 17(3)), whatever the exceptions of art. 17(2) say. Periods follow the Civil Act: the
first day is not counted (art. 157), and a last day on a Saturday or public holiday ends the next day
(art. 161).
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import ReturnQuery, StatutoryWithdrawal, Verdict, calendar_for, fmt, period_end

ACT = "E-Commerce Act"

WITHDRAWAL = StatutoryWithdrawal(
    id="kr.ecommerce",
    countries=frozenset({"KR"}),
    basis="KR E-Commerce Act art. 17(1)",
    right="withdrawal of subscription (청약철회)",
    days=7,
    cite_period=f"{ACT} art. 17(1); Civil Act art. 157",
    cite_start_one=f"{ACT} art. 17(1) item 2: from the day the goods were supplied",
    cite_start_several=f"{ACT} art. 17(1) item 2: goods supplied separately, the last one",
    cite_start_regular=f"{ACT} art. 17(1) item 2: from the first supply",
    roll="country",
    roll_rule="Civil Act art. 161",
    before_delivery=f"{ACT} art. 17(1): the period runs from the contract document or, if later, supply",
    exceptions={
        "custom_made": f"{ACT} art. 17(2) item 6 and Enforcement Decree art. 21: goods made individually "
        "to order, when the consumer was told and agreed in writing",
        "sealed_hygiene_opened": f"{ACT} art. 17(2) item 2: value fell sharply through the consumer's use or "
        "partial consumption",
        "perishable": f"{ACT} art. 17(2) item 3: value fell sharply with time, so the goods cannot be resold",
        "sealed_media_opened": f"{ACT} art. 17(2) item 4: copyable goods whose packaging was opened",
    },
    refund_days=3,
    refund_from="receipt",
    refund_business_days=True,
    refund_cite=f"{ACT} art. 18(2): within 3 business days of receiving the goods back",
    defect_note=f"goods not as displayed or contracted may be returned for 3 months from supply ({ACT} art. 17(3))",
    notes=(
        f"the seller must show where art. 17(2) exceptions apply, or they do not bind ({ACT} art. 17(6))",
    ),
    priority=20,
)


class NotAsAdvertised:
    """Art. 17(3): goods different from what was displayed, advertised or contracted may be returned
    within 3 months from supply, or within 30 days from the day the consumer knew or could have known."""

    id = "kr.ecommerce.17-3"
    kind = "law"
    priority = 15

    def applies(self, query: ReturnQuery) -> bool:
        return query.country == "KR" and query.defective

    def evaluate(self, query: ReturnQuery) -> Verdict:
        base = dict(
            policy=self.id,
            basis="KR E-Commerce Act art. 17(3)",
            kind=self.kind,
            right="withdrawal (not as advertised)",
        )
        reasons = [
            f"goods not as displayed, advertised or contracted ({ACT} art. 17(3)); the art. 17(2) exceptions do not apply"
        ]
        if not query.delivered:
            reasons.append("no delivery date: the 3 months run from supply")
            return Verdict(
                eligible=False, deadline=None, reasons=tuple(reasons), missing=("delivered",), **base
            )
        supplied = query.last_delivery
        assert supplied is not None
        period = period_end(
            supplied, months=3, calendar=calendar_for("KR", query.region), rule="Civil Act art. 161"
        )
        reasons.append(f"supplied {fmt(supplied)}: 3 months from supply, last day {fmt(period.nominal)}")
        if period.note:
            reasons.append(period.note)
        reasons.append(
            "or 30 days from the day the consumer knew or could have known, if that ends later (not given)"
        )
        eligible = query.requested is None or query.requested <= period.end
        if query.requested is not None:
            reasons.append(f"notice sent {fmt(query.requested)}: " + ("in time" if eligible else "too late"))
        reasons.append(f"the seller bears the return costs ({ACT} art. 18(10))")
        return Verdict(
            eligible=eligible,
            deadline=period.end,
            reasons=tuple(reasons),
            period_start=supplied,
            refund_days=3,
            refund_from="receipt",
            **base,
        )


@hookimpl
def crossdesk_return_policies() -> list:
    return [WITHDRAWAL, NotAsAdvertised()]
