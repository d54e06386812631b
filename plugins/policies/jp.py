"""Japan: the Specified Commercial Transactions Act (特定商取引法) art. 15-3, returns of mail-order sales.

Online and mail-order sales have no cooling-off period. When the seller has not displayed a special clause
on returns (返品特約), the buyer may cancel within 8 days counting the day of delivery (art. 15-3(1)) and
bears the cost of sending the goods back (art. 15-3(2)). When the seller displayed one, the clause governs.
No roll-over: the Act counts plain days.
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import ReturnQuery, Verdict, fmt, period_end

ACT = "Specified Commercial Transactions Act art. 15-3"


class MailOrderReturn:
    id = "jp.tokusho"
    kind = "law"
    priority = 20

    def applies(self, query: ReturnQuery) -> bool:
        return query.country == "JP"

    def evaluate(self, query: ReturnQuery) -> Verdict:
        base = dict(policy=self.id, kind=self.kind, right="return of a mail-order sale (返品)")
        reasons = [
            "online and mail-order sales have no cooling-off period in Japan (the Act's cooling-off covers door-to-door "
            "and telephone sales, arts 9 and 24)"
        ]
        if query.defective:
            reasons.append(
                "goods that do not conform to the contract may be claimed under the Civil Code arts 562-564 (notice "
                "within one year of discovering it, art. 566)"
            )
        if query.seller_policy_days is not None:
            reasons.append(
                f"the seller displayed a return clause ({query.seller_policy_days} days), so it governs instead of the "
                f"statutory 8 days ({ACT}(1) proviso)"
            )
            return Verdict(
                eligible=False,
                deadline=None,
                basis=f"JP {ACT} (seller's clause)",
                reasons=tuple(reasons),
                **base,
            )
        if not query.delivered:
            reasons.append("no delivery date: the 8 days count from the day of delivery")
            return Verdict(
                eligible=False,
                deadline=None,
                basis=f"JP {ACT}",
                reasons=tuple(reasons),
                missing=("delivered",),
                **base,
            )
        start = query.last_delivery
        assert start is not None
        period = period_end(start, days=8, count_event_day=True)
        reasons.append(
            f"no return clause displayed: the buyer may cancel within 8 days counting the delivery day "
            f"{fmt(start)} ({ACT}(1)); last day {fmt(period.end)}"
        )
        eligible = query.requested is None or query.requested <= period.end
        if query.requested is not None:
            reasons.append(f"notice sent {fmt(query.requested)}: " + ("in time" if eligible else "too late"))
        reasons.append(f"the buyer pays for sending the goods back ({ACT}(2))")
        return Verdict(
            eligible=eligible,
            deadline=period.end,
            basis=f"JP {ACT}",
            reasons=tuple(reasons),
            period_start=start,
            **base,
        )


@hookimpl
def crossdesk_return_policies() -> list:
    return [MailOrderReturn()]
