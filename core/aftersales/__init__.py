"""After-sales: return, exchange, refund, cancellation and complaint cases (``desk.cases``).

    desk.cases.open(actor, type="return", order_id=7, items=[{"sku": "LAMP-01", "quantity": 1}])
    desk.cases.approve(supervisor, case_id)
    desk.cases.refund(agent, case_id)                     # the case's lines, at their price
    desk.bulk.cases(supervisor, [1, 2, 3], "close")       # many at once (crossdesk.bulk): a result per case
    desk.cases.quote(agent, case_id)                      # what a refund would be (crossdesk.aftersales.views)
    desk.cases.exception_report(actor)

States and transitions are in :mod:`crossdesk.aftersales.states`; the platform action each step queues (or
the manual next step where a platform has none) in :mod:`crossdesk.aftersales.actions`; the read models a
front end shows (an order's cases, the steps an actor may take, a refund quote) in
:mod:`crossdesk.aftersales.views`.
"""

from __future__ import annotations

from crossdesk.aftersales import states, views
from crossdesk.aftersales.service import CaseError, CaseService
from crossdesk.aftersales.views import OrderCases, RefundQuote

__all__ = ["CaseError", "CaseService", "OrderCases", "RefundQuote", "states", "views"]
