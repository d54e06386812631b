"""Bulk actions (``desk.bulk``): one operation on many tickets or cases, with one policy for every front end.

    desk.bulk.assign(supervisor, [1, 2, 3], agent_id)        # {1: "ok", 2: "unchanged", 3: "error: ..."}
    desk.bulk.tickets(supervisor, "status", ids, "closed")
    desk.bulk.cases(supervisor, [4, 5], "approve")

See :mod:`crossdesk.bulk.service` for the policy.
"""

from __future__ import annotations

from crossdesk.bulk.service import TICKET_OPS, BulkService

__all__ = ["TICKET_OPS", "BulkService"]
