"""Australia: the Australian Consumer Law (Competition and Consumer Act 2010 sch. 2).

No change-of-mind right. Faulty or not-as-described goods breach the consumer guarantees (ss 54-59); for a
major failure the consumer may reject them for a refund or replacement (ss 259-263), within the rejection
period, which is a reasonable time and has no fixed day count (s 262).
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import ReturnQuery, Verdict


class ConsumerGuarantees:
    id = "au.acl"
    kind = "law"
    priority = 20

    def applies(self, query: ReturnQuery) -> bool:
        return query.country == "AU"

    def evaluate(self, query: ReturnQuery) -> Verdict:
        if not query.defective:
            return Verdict(
                policy=self.id,
                eligible=False,
                deadline=None,
                basis="AU ACL: no change-of-mind right",
                reasons=(
                    "the Australian Consumer Law gives no right to return goods for a change of mind; only the "
                    "seller's or the platform's policy can",
                    "a seller's change-of-mind policy may not exclude the consumer guarantees (ACL s 64)",
                ),
                kind=self.kind,
                right="consumer guarantees (faults only)",
            )
        reasons = [
            "faulty or not-as-described goods breach the consumer guarantees: acceptable quality (ACL s 54), match "
            "the description (s 56)",
            "a major failure (s 260) lets the consumer reject the goods for a refund or a replacement (s 259(3), "
            "s 263); a minor one entitles them to a repair within a reasonable time (s 259(2))",
            "no fixed day count: the rejection period is the time in which a failure would reasonably be expected "
            "to appear, given the type, use and price of the goods (s 262(1)(a), (2))",
        ]
        if query.delivered:
            reasons.append(f"delivered {query.last_delivery.isoformat()}")
        return Verdict(
            policy=self.id,
            eligible=True,
            deadline=None,
            basis="AU ACL consumer guarantees (ss 54-59, 259-263)",
            reasons=tuple(reasons),
            kind=self.kind,
            right="consumer guarantees",
            period_start=query.last_delivery,
        )


@hookimpl
def crossdesk_return_policies() -> list:
    return [ConsumerGuarantees()]
