"""Russia: refusal of goods bought at a distance, Law on Protection of Consumer Rights art. 26.1(4).

7 days after transfer, or 3 months when written information on how and when goods may be returned was not
given at delivery. Periods follow Civil Code arts 191-193 (the next day starts the count; a last day off
work rolls to the next working day, with the Russian weekend transfers).
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import StatutoryWithdrawal, Uninformed

LAW = "Consumer Protection Law art. 26.1(4)"

POLICY = StatutoryWithdrawal(
    id="ru.zozpp",
    countries=frozenset({"RU"}),
    basis="RU Consumer Protection Law art. 26.1",
    basis_extended="RU Consumer Protection Law art. 26.1(4), 3 months",
    right="refusal of goods (отказ от товара)",
    days=7,
    cite_period=f"{LAW}; Civil Code art. 191",
    cite_start_one=f"{LAW}: after transfer of the goods",
    cite_start_several=f"{LAW}: after transfer, the last part delivered",
    cite_start_regular=f"{LAW}: after transfer of the first delivery",
    roll="country",
    roll_rule="Civil Code art. 193",
    before_delivery=f"{LAW}: at any time before transfer",
    uninformed=Uninformed(
        mode="replace",
        months=3,
        cite=f"{LAW}: written information on the return procedure and terms was not given at delivery",
    ),
    exceptions={
        "custom_made": f"{LAW}: goods of proper quality with individually defined properties, usable only by "
        "the consumer who bought them",
    },
    refund_days=10,
    refund_from="notice",
    refund_cite=f"{LAW}: within 10 days of the demand, less the seller's delivery costs for the return",
    defect_note="faulty goods also fall under Consumer Protection Law art. 18 (claims within the warranty or "
    "two years)",
    priority=20,
)


@hookimpl
def crossdesk_return_policies() -> list:
    return [POLICY]
