"""After-sales: return, exchange, refund, cancellation and complaint cases (``desk.cases``).

    desk.cases.open(actor, type="return", order_id=7, items=[{"sku": "LAMP-01", "quantity": 1}])
    desk.cases.approve(supervisor, case_id)
    desk.cases.refund(agent, case_id)                     # the case's lines, at their price
    desk.cases.batch(supervisor, [1, 2, 3], "close")      # a result per case
    desk.cases.exception_report(actor)

States and transitions are in :mod:`crossdesk.aftersales.states`; the platform action each step queues (or
the manual next step where a platform has none) in :mod:`crossdesk.aftersales.actions`.
"""

from __future__ import annotations

from crossdesk.aftersales import states
from crossdesk.aftersales.service import CaseError, CaseService

__all__ = ["CaseError", "CaseService", "states"]
