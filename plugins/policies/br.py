"""Brazil: the direito de arrependimento of the Consumer Defence Code (CDC, Law 8.078/1990) art. 49.

Seven days from receipt for purchases made outside the commercial establishment (online included). Counted
as the Civil Code art. 132 says: the first day excluded, the last included, and a last day on a holiday or
a non-business day moves to the next business day (art. 132 §1), with state holidays when known.
"""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.policy import StatutoryWithdrawal

POLICY = StatutoryWithdrawal(
    id="br.cdc",
    countries=frozenset({"BR"}),
    basis="BR CDC art. 49",
    right="direito de arrependimento (right of withdrawal)",
    days=7,
    cite_period="CDC art. 49; Civil Code art. 132",
    cite_start_one="CDC art. 49: from receipt of the product",
    cite_start_several="CDC art. 49: from receipt, the last product delivered",
    cite_start_regular="CDC art. 49: from receipt of the first delivery",
    roll="country",
    roll_rule="Civil Code art. 132 §1",
    before_delivery="CDC art. 49: 7 days from signing the contract or from receipt",
    exceptions={},  # art. 49 lists none
    defect_note="faulty goods also have CDC art. 18 and art. 26 (30 days for non-durable, 90 days for "
    "durable goods to complain of apparent defects)",
    notes=("amounts paid are returned immediately, monetarily updated (CDC art. 49, sole paragraph)",),
    priority=20,
)


@hookimpl
def crossdesk_return_policies() -> list:
    return [POLICY]
