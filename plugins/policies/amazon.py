"""Amazon's return policy: 30 days from receipt, with the holiday extension (orders placed from 1 November
to 31 December may be returned until 31 January). Merchant-fulfilled sellers must offer returns at least
as good as Amazon's own; the A-to-z Guarantee backs buyers whose seller does not.
"""

from __future__ import annotations

import datetime as dt

from crossdesk import hookimpl
from crossdesk.policy import ReturnQuery, Verdict, add_days, fmt

NON_RETURNABLE = {
    "custom_made": "personalised or customised items are not returnable unless they arrive defective",
    "perishable": "perishable and grocery items are not returnable unless they arrive defective",
    "sealed_hygiene_opened": "opened personal-care and hygiene items are not returnable unless defective",
}


class AmazonReturns:
    id = "amazon.returns"
    kind = "platform"
    priority = 5

    def applies(self, query: ReturnQuery) -> bool:
        return query.platform == "amazon"

    def evaluate(self, query: ReturnQuery) -> Verdict:
        base = dict(policy=self.id, basis="Amazon return policy", kind=self.kind, right="return window")
        reasons: list[str] = []
        if not query.defective:
            for flag in sorted(query.flags & set(NON_RETURNABLE)):
                reasons.append(f"Amazon return policy: {NON_RETURNABLE[flag]}")
                return Verdict(eligible=False, deadline=None, reasons=tuple(reasons), exception=flag, **base)
        if not query.delivered:
            reasons.append(
                "not delivered yet: the 30 days run from receipt; an order that never arrives is covered by the "
                "A-to-z Guarantee instead"
            )
            return Verdict(
                eligible=False, deadline=None, reasons=tuple(reasons), missing=("delivered",), **base
            )
        received = query.last_delivery
        assert received is not None
        deadline = add_days(received, 30)
        reasons.append(
            f"Amazon return policy: 30 days from receipt, {fmt(received)}: last day {fmt(deadline)}"
        )
        holiday = self._holiday_window(query)
        if holiday is not None:
            day, why = holiday
            end = dt.date(day.year + 1, 1, 31)
            if end > deadline:
                deadline = end
                reasons.append(
                    f"holiday return policy: {why} {fmt(day)}, between 1 November and 31 December, so returnable "
                    f"until {fmt(end)}"
                )
        elif query.ordered is None:
            reasons.append(
                "no order date: the holiday extension (1 November - 31 December) was checked on delivery only"
            )
        if "sealed_media_opened" in query.flags and not query.defective:
            reasons.append("opened media (music, video, software) may be refunded only in part")
        if query.defective:
            reasons.append("defective or not-as-described items: the seller pays the return shipping")
        eligible = query.requested is None or query.requested <= deadline
        if query.requested is not None:
            reasons.append(
                f"return requested {fmt(query.requested)}: " + ("in time" if eligible else "too late")
            )
        return Verdict(
            eligible=eligible, deadline=deadline, reasons=tuple(reasons), period_start=received, **base
        )

    @staticmethod
    def _holiday_window(query: ReturnQuery) -> tuple[dt.date, str] | None:
        """The day that puts the order in the holiday season, if one does: the order date, or - the shipment
        lies between order and delivery - a first delivery in the season after an order placed before it
        (or of unknown date). Amazon words it "purchased" or "shipped" depending on the marketplace."""
        ordered, first = query.ordered, query.first_delivery
        if ordered is not None and ordered.month in (11, 12):
            return ordered, "ordered"
        if first is not None and first.month in (11, 12) and (ordered is None or ordered < first):
            return first, "shipped by delivery on"
        return None


@hookimpl
def crossdesk_return_policies() -> list:
    return [AmazonReturns()]
