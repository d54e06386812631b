"""EU and EEA: the right of withdrawal of the Consumer Rights Directive 2011/83/EU, arts 9-16.

Periods are counted as Regulation 1182/71 art. 3 says, with the public holidays of the buyer's country (and
subdivision when known). National transpositions with their own citations (Germany's BGB) are separate
plugins; this one still applies to their buyers, since the directive sets the minimum they all share.
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import StatutoryWithdrawal, Uninformed

EU = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV"}
    | {"LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
)
EEA = frozenset({"IS", "LI", "NO"})  # the directive applies through the EEA Agreement

EXCEPTIONS = {
    "custom_made": "Directive 2011/83/EU art. 16(c): goods made to the consumer's specifications or clearly personalised",
    "perishable": "Directive 2011/83/EU art. 16(d): goods liable to deteriorate or expire rapidly",
    "sealed_hygiene_opened": "Directive 2011/83/EU art. 16(e): sealed goods unsuitable for return for health "
    "protection or hygiene reasons, unsealed after delivery",
    "sealed_media_opened": "Directive 2011/83/EU art. 16(i): sealed audio or video recordings or computer "
    "software, unsealed after delivery",
    "newspaper": "Directive 2011/83/EU art. 16(j): newspapers, periodicals or magazines, except subscription contracts",
}

POLICY = StatutoryWithdrawal(
    id="eu.crd",
    countries=EU | EEA,
    basis="EU 2011/83/EU art. 9",
    basis_extended="EU 2011/83/EU art. 10",
    days=14,
    cite_period="Directive 2011/83/EU art. 9(1); Regulation 1182/71 art. 3(1)",
    cite_start_one="Directive 2011/83/EU art. 9(2)(b): the day the consumer acquires physical possession",
    cite_start_several="Directive 2011/83/EU art. 9(2)(b)(i) and (ii): several goods or lots delivered "
    "separately, the last one",
    cite_start_regular="Directive 2011/83/EU art. 9(2)(b)(iii)",
    roll="fixed",
    roll_rule="Regulation 1182/71 art. 3(4)",
    min_working_days=2,
    before_delivery="Directive 2011/83/EU art. 9(3)",
    uninformed=Uninformed(
        mode="eu",
        months=12,
        cite="Directive 2011/83/EU art. 10(1)",
        late_cite="Directive 2011/83/EU art. 10(2)",
    ),
    exceptions=EXCEPTIONS,
    refund_days=14,
    refund_from="notice",
    refund_cite="Directive 2011/83/EU art. 13(1)",
    withhold_cite="Directive 2011/83/EU art. 13(3)",
    return_days=14,
    return_cite="Directive 2011/83/EU art. 14(1)",
    defect_note="faulty or not-as-described goods also keep the legal guarantee of conformity "
    "(Directive (EU) 2019/771 arts 10-14, at least two years from delivery), whatever the withdrawal period says",
    notes=("the notice is in time if it is sent before the period ends (Directive 2011/83/EU art. 11(2))",),
    priority=20,
)


@hookimpl
def crossdesk_return_policies() -> list:
    return [POLICY]
