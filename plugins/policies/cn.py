"""China: seven-day no-reason returns for distance sales, Consumer Rights Protection Law art. 25, with the
SAMR Interim Measures for Seven-Day No-Reason Returns of Online Goods (2017).

Seven days counted from the day after receipt (Interim Measures art. 6); a last day on a statutory rest day
ends on the day after the rest (Civil Code art. 203), with the moved working days of the holiday schedule.
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import StatutoryWithdrawal

LAW = "CRPL art. 25"

POLICY = StatutoryWithdrawal(
    id="cn.crpl",
    countries=frozenset({"CN"}),
    basis="CN Consumer Rights Protection Law art. 25",
    right="seven-day no-reason return (七日无理由退货)",
    days=7,
    cite_period=f"{LAW}; Interim Measures art. 6: from the day after receipt",
    cite_start_one=f"{LAW}: from receipt of the goods",
    cite_start_several=f"{LAW}; Interim Measures art. 6: goods received separately, the last one",
    cite_start_regular=f"{LAW}: from receipt of the first delivery",
    roll="country",
    roll_rule="Civil Code art. 203",
    exceptions={
        "custom_made": f"{LAW} para. 1 item 1: goods made to the consumer's order",
        "perishable": f"{LAW} para. 1 item 2: fresh, live and perishable goods",
        "sealed_media_opened": f"{LAW} para. 1 item 3: audio-visual products, computer software and other "
        "digital goods downloaded or unsealed by the consumer",
        "newspaper": f"{LAW} para. 1 item 4: newspapers and periodicals already delivered",
        "sealed_hygiene_opened": f"{LAW} para. 2 and Interim Measures art. 7: goods that once unsealed could "
        "affect health or safety, confirmed by the consumer at purchase",
    },
    newspaper_subscription_allowed=False,
    refund_days=7,
    refund_from="receipt",
    refund_cite=f"{LAW} para. 3: within 7 days of receiving the returned goods; the consumer pays return "
    "shipping unless agreed otherwise",
    defect_note="faulty goods are also covered by CRPL art. 24 (return within 7 days of receipt, then "
    "replacement or repair, by statute or agreement)",
    priority=20,
)


@hookimpl
def crossdesk_return_policies() -> list:
    return [POLICY]
