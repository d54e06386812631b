"""United Kingdom: the Consumer Contracts Regulations 2013 (right to cancel, regs 27-38) and the Consumer
Rights Act 2015 s22 (the 30-day short-term right to reject faulty goods).

Both periods are calendar days: neither the Regulations nor s22 moves a last day off a weekend or bank
holiday, so nothing rolls here.
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import ReturnQuery, StatutoryWithdrawal, Uninformed, Verdict, add_days, fmt

EXCEPTIONS = {
    "custom_made": "CCR 2013 reg. 28(1)(b): goods made to the consumer's specifications or clearly personalised",
    "perishable": "CCR 2013 reg. 28(1)(c): goods liable to deteriorate or expire rapidly",
    "newspaper": "CCR 2013 reg. 28(1)(f): newspapers, periodicals or magazines, except subscription contracts",
    "sealed_hygiene_opened": "CCR 2013 reg. 28(3)(a): sealed goods unsuitable for return for health "
    "protection or hygiene reasons, unsealed after delivery",
    "sealed_media_opened": "CCR 2013 reg. 28(3)(b): sealed audio or video recordings or computer software, "
    "unsealed after delivery",
}

CCR = StatutoryWithdrawal(
    id="uk.ccr",
    countries=frozenset({"GB"}),
    basis="UK CCR 2013 reg. 29, 30",
    basis_extended="UK CCR 2013 reg. 31",
    right="right to cancel",
    days=14,
    cite_period="CCR 2013 reg. 29(1), 30(1)",
    cite_start_one="CCR 2013 reg. 30(3): the day the goods come into the consumer's physical possession",
    cite_start_several="CCR 2013 reg. 30(3)-(5): multiple goods or lots delivered on different days, the last",
    cite_start_regular="CCR 2013 reg. 30(3)-(5): regular delivery, the first of the goods",
    roll="none",
    before_delivery="CCR 2013 reg. 30(1): the cancellation period begins when the contract is entered into",
    uninformed=Uninformed(
        mode="eu",
        months=12,
        cite="CCR 2013 reg. 31(2)-(3)",
        late_cite="CCR 2013 reg. 31(4)-(5)",
    ),
    exceptions=EXCEPTIONS,
    refund_days=14,
    refund_from="receipt",
    refund_from_notice_if_undelivered=True,
    refund_cite="CCR 2013 reg. 34(4)-(6): 14 days after the goods are back or proof of sending, whichever is "
    "earlier; 14 days after the notice when no goods were supplied",
    return_days=14,
    return_cite="CCR 2013 reg. 35(4)",
    defect_note="faulty or not-as-described goods also have the Consumer Rights Act 2015 remedies "
    "(s19-24: the 30-day short-term right to reject, then repair, replacement or price reduction)",
    priority=20,
)


class ShortTermRightToReject:
    """Consumer Rights Act 2015 s20-22: goods that do not conform may be rejected for a full refund
    within 30 days beginning with the first day after delivery."""

    id = "uk.cra.s22"
    kind = "law"
    priority = 15

    def applies(self, query: ReturnQuery) -> bool:
        return query.country == "GB" and query.defective

    def evaluate(self, query: ReturnQuery) -> Verdict:
        base = dict(
            policy=self.id, basis="UK CRA 2015 s22", kind=self.kind, right="short-term right to reject"
        )
        reasons = [
            "goods that are faulty or not as described break the contract (CRA 2015 s9-11); the consumer may "
            "reject them for a full refund (s20)"
        ]
        if not query.delivered:
            reasons.append(
                "no delivery date: the 30 days run from the day after delivery (s22(3)), unknown yet"
            )
            return Verdict(
                eligible=False, deadline=None, reasons=tuple(reasons), missing=("delivered",), **base
            )
        delivered = query.last_delivery
        assert delivered is not None
        if "perishable" in query.flags:
            reasons.append(
                "perishable goods: the period ends when the goods could reasonably be expected to perish, if "
                "earlier than 30 days (CRA 2015 s22(4)); no fixed day count"
            )
            within = query.requested is None or query.requested <= add_days(delivered, 30)
            return Verdict(
                eligible=within, deadline=None, reasons=tuple(reasons), period_start=delivered, **base
            )
        deadline = add_days(delivered, 30)
        reasons.append(
            f"delivered {fmt(delivered)}: 30 days beginning with the first day after delivery (CRA 2015 s22(3)), "
            f"last day {fmt(deadline)}"
        )
        eligible = query.requested is None or query.requested <= deadline
        if query.requested is not None:
            reasons.append(
                f"rejection sent {fmt(query.requested)}: " + ("in time" if eligible else "too late for s22")
            )
        reasons.append(
            "refund within 14 days of the trader agreeing the consumer is entitled to it (CRA 2015 s20(15))"
        )
        return Verdict(
            eligible=eligible,
            deadline=deadline,
            reasons=tuple(reasons),
            period_start=delivered,
            refund_days=14,
            refund_from="notice",
            refund_due=add_days(query.requested, 14) if eligible and query.requested else None,
            **base,
        )


@hookimpl
def crossdesk_return_policies() -> list:
    return [CCR, ShortTermRightToReject()]
