"""Turkey: cayma hakkı under Law 6502 on Consumer Protection art. 48 and the Distance Contracts Regulation
(Mesafeli Sözleşmeler Yönetmeliği, 2014) arts 9-15.

Periods roll past Turkish weekends and public holidays (Turkish Code of Obligations art. 93).
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import StatutoryWithdrawal, Uninformed

REG = "Distance Contracts Regulation"

POLICY = StatutoryWithdrawal(
    id="tr.mesafeli",
    countries=frozenset({"TR"}),
    basis="TR Law 6502 art. 48; Distance Contracts Regulation art. 9",
    basis_extended="TR Distance Contracts Regulation art. 10",
    right="cayma hakkı (right of withdrawal)",
    days=14,
    cite_period=f"Law 6502 art. 48(4); {REG} art. 9(1)",
    cite_start_one=f"{REG} art. 9(2): the day the consumer receives the goods",
    cite_start_several=f"{REG} art. 9(2)(a): several goods delivered separately, the last one",
    cite_start_regular=f"{REG} art. 9(2)(c): regular delivery, the first good",
    roll="country",
    roll_rule="Turkish Code of Obligations art. 93",
    before_delivery=f"{REG} art. 9(3): the consumer may withdraw between the contract and delivery",
    uninformed=Uninformed(
        mode="extend",
        months=12,
        cite=f"{REG} art. 10: not duly informed, the period ends one year after the 14-day period",
    ),
    exceptions={
        "custom_made": f"{REG} art. 15(1)(b): goods prepared to the consumer's wishes or personal needs",
        "perishable": f"{REG} art. 15(1)(c): goods that can spoil quickly or pass their use-by date",
        "sealed_hygiene_opened": f"{REG} art. 15(1)(ç): goods whose protective seal was opened after delivery "
        "and whose return is unsuitable for health and hygiene",
        "sealed_media_opened": f"{REG} art. 15(1)(e): books, digital content and computer consumables on a "
        "tangible medium whose protective seal was opened after delivery",
        "newspaper": f"{REG} art. 15(1)(f): newspapers and magazines, except those under a subscription",
    },
    refund_days=14,
    refund_from="notice",
    refund_cite=f"{REG} art. 12: within 14 days of the withdrawal notice",
    return_days=10,
    return_cite=f"{REG} art. 13: the consumer returns the goods within 10 days of the notice",
    defect_note="faulty goods also have the remedies of Law 6502 art. 11 (two-year liability for defects)",
    priority=20,
)


@hookimpl
def crossdesk_return_policies() -> list:
    return [POLICY]
