"""The exception report: cases that need a person's look (requests that do not match their order, goods
not received, refunds past their due date, steps done twice)."""

from __future__ import annotations

import orjson

from crossdesk.aftersales.judging import day
from crossdesk.aftersales.matching import match_request
from crossdesk.store import Store

DAY = 86400


def exception_report(store: Store, *, now: int, not_received_days: int = 14) -> list[dict]:
    """``{"case_id", "kind", "detail"}`` per problem, by case then kind (no permission check: the case
    service checks ``view`` first)."""
    db = store.db
    out: list[dict] = []
    for case in store.rows("SELECT * FROM cases WHERE state <> 'closed' AND order_id IS NOT NULL ORDER BY id"):
        order = store.row("SELECT * FROM orders WHERE id = ?", [case["order_id"]])
        if order is None:
            continue
        request = orjson.loads(case["request"] or "{}")
        lines = store.rows("SELECT * FROM order_lines WHERE order_id = ?", [order["id"]])
        _, problems = match_request(order, lines, request.get("items") or (), request.get("customer_id"))
        out.extend({"case_id": case["id"], "kind": "mismatch", "detail": p} for p in problems)
    limit = now - not_received_days * DAY
    for case in db.query(
        "SELECT * FROM cases WHERE type IN ('return', 'exchange') AND state IN ('approved', 'label_issued', "
        "'in_transit') AND received_at IS NULL AND COALESCE(label_at, decided_at, requested_at) < ? ORDER BY id",
        [limit],
    ):
        since = case["label_at"] or case["decided_at"] or case["requested_at"]
        after = "the label" if case["label_at"] else "approval"
        out.append(
            {
                "case_id": case["id"],
                "kind": "not_received",
                "detail": f"goods not received {(now - since) // DAY} days after {after}",
            }
        )
    for case in db.query(
        "SELECT * FROM cases WHERE refund_due IS NOT NULL AND refund_due < ? AND refunded_minor = 0 "
        "AND state NOT IN ('declined', 'closed', 'refunded', 'replacement_shipped') ORDER BY id",
        [now],
    ):
        due = day(case["refund_due"])
        assert due is not None
        out.append(
            {
                "case_id": case["id"],
                "kind": "refund_overdue",
                "detail": f"refund was due {due.isoformat()}, {(now - case['refund_due']) // DAY + 1} days ago",
            }
        )
    for row in db.query(
        "SELECT case_id, action, COUNT(*) AS n FROM case_events WHERE action IN "
        "('approve', 'decline', 'refund', 'ship_replacement', 'receive') GROUP BY case_id, action HAVING n > 1 "
        "ORDER BY case_id"
    ):
        out.append({"case_id": row["case_id"], "kind": "acted_twice", "detail": f"{row['action']} done {row['n']} times"})
    out.sort(key=lambda r: (r["case_id"], r["kind"]))
    return out
