"""Germany: the Widerrufsrecht of BGB § 312g, § 355, § 356, § 357 (transposing Directive 2011/83/EU).

Periods follow BGB § 187(1) and § 188(1) (the day of delivery is not counted) and § 193 (a last day on a
Saturday, Sunday or a public holiday at the buyer's place rolls to the next working day), with the public
holidays of the buyer's Land when it is known (Epiphany counts in Bavaria, not in Berlin).
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import StatutoryWithdrawal, Uninformed

EXCEPTIONS = {
    "custom_made": "BGB § 312g(2) Nr. 1 (Directive 2011/83/EU art. 16(c)): goods made to the consumer's "
    "specifications or clearly personalised",
    "perishable": "BGB § 312g(2) Nr. 2 (art. 16(d)): goods that spoil quickly or whose use-by date would be "
    "quickly exceeded",
    "sealed_hygiene_opened": "BGB § 312g(2) Nr. 3 (art. 16(e)): sealed goods unsuitable for return for health "
    "or hygiene reasons, unsealed after delivery",
    "sealed_media_opened": "BGB § 312g(2) Nr. 6 (art. 16(i)): sealed audio or video recordings or computer "
    "software, unsealed after delivery",
    "newspaper": "BGB § 312g(2) Nr. 7 (art. 16(j)): newspapers, periodicals and magazines, except subscription contracts",
}

POLICY = StatutoryWithdrawal(
    id="de.bgb",
    countries=frozenset({"DE"}),
    basis="BGB § 355, § 356 (EU 2011/83/EU art. 9)",
    basis_extended="BGB § 356(3) (EU 2011/83/EU art. 10)",
    right="Widerrufsrecht (right of withdrawal, BGB § 312g(1))",
    days=14,
    cite_period="BGB § 355(2); §§ 187(1), 188(1)",
    cite_start_one="BGB § 356(2) Nr. 1 a: the day the consumer receives the goods",
    cite_start_several="BGB § 356(2) Nr. 1 b and c: several goods or lots delivered separately, the last one",
    cite_start_regular="BGB § 356(2) Nr. 1 d",
    roll="fixed",
    roll_rule="BGB § 193",
    before_delivery="BGB § 355(1) with § 356(2): the right exists from the contract; Directive 2011/83/EU art. 9(3)",
    uninformed=Uninformed(
        mode="eu",
        months=12,
        cite="BGB § 356(3) Satz 2: the right expires 12 months and 14 days after delivery at the latest",
        late_cite="BGB § 356(3) Satz 1: the period does not start before the consumer is informed",
        from_nominal=True,
    ),
    exceptions=EXCEPTIONS,
    refund_days=14,
    refund_from="notice",
    refund_cite="BGB § 357(1)",
    withhold_cite="BGB § 357(4)",
    return_days=14,
    return_cite="BGB § 357(1)",
    defect_note="faulty or not-as-described goods also fall under the legal warranty (BGB § 437, § 438: two "
    "years from delivery), whatever the withdrawal period says",
    notes=("timely dispatch of the notice is enough (BGB § 355(1) Satz 5)",),
    priority=15,
)


@hookimpl
def crossdesk_return_policies() -> list:
    return [POLICY]
