"""Swiss return law as a crossdesk plugin (an example of a third-party policy package).

Switzerland has no general right of withdrawal for distance contracts: the cooling-off right of the Code
of Obligations (CO art. 40a-40f) covers doorstep and telephone sales, not online shops. A buyer who
changed their mind depends on the marketplace's or the shop's own policy. Defective goods fall under the
seller's warranty (CO art. 197 ff.): the buyer must examine the goods and notify defects promptly
(art. 201), and claims lapse two years after delivery (art. 210).
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import Verdict, add_months


class SwissLaw:
    id = "ch-law"

    def applies(self, query):
        return query.country == "CH"

    def evaluate(self, query):
        if query.defective:
            if not query.delivered:
                return Verdict(
                    policy=self.id,
                    eligible=False,
                    deadline=None,
                    basis="CH OR art. 197, 201",
                    missing=("delivered",),
                    reasons=("Warranty claims run from delivery; the delivery date is missing.",),
                )
            limit = add_months(query.last_delivery, 24)
            in_time = query.requested is None or query.requested <= limit
            return Verdict(
                policy=self.id,
                eligible=in_time,
                deadline=None,
                basis="CH OR art. 197, 201, 210",
                right="warranty",
                period_start=query.last_delivery,
                reasons=(
                    "CH OR art. 197: the seller warrants the goods are free of defects.",
                    "CH OR art. 201: the buyer must notify the defect promptly after discovering it.",
                    f"CH OR art. 210: warranty claims lapse two years after delivery ({limit.isoformat()}).",
                ),
            )
        return Verdict(
            policy=self.id,
            eligible=False,
            deadline=None,
            basis="CH OR art. 40a",
            reasons=(
                "CH OR art. 40a: the statutory cooling-off right covers doorstep and telephone sales, "
                "not online purchases; only the marketplace's or shop's own policy can allow a return.",
            ),
        )


@hookimpl
def crossdesk_return_policies():
    return [SwissLaw()]
