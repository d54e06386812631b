from __future__ import annotations

import numpy as np
import pytest

from crossdesk import native
from crossdesk.models import PLATFORM_CODES, Actor, Role, intent_code
from crossdesk.native import INT64_MAX

ADMIN = Actor(name="ops", role=Role.ADMIN)
AGENT = Actor(name="ana", role=Role.AGENT)


def expected_order(desk, where: str = "", params=()) -> list[int]:
    """The queue order computed independently: the reference score and rank over a plain SQL read."""
    rows = desk.db.execute(
        "SELECT id, status, sla_due, last_customer_msg_at, created_at, order_value_usd, tier, intent, "
        f"sentiment, platform, escalated FROM tickets WHERE status < 4 {where} ORDER BY id",
        list(params),
    ).fetchall()
    if not rows:
        return []
    cols = {
        "status": np.array([r[1] for r in rows], np.int8),
        "sla_due": np.array([INT64_MAX if r[2] is None else r[2] for r in rows], np.int64),
        "last_customer_msg_at": np.array([r[4] if r[3] is None else r[3] for r in rows], np.int64),
        "order_value_usd": np.array([r[5] for r in rows], np.float32),
        "tier": np.array([r[6] for r in rows], np.int8),
        "intent": np.array([intent_code(r[7]) for r in rows], np.int16),
        "sentiment": np.array([r[8] for r in rows], np.float32),
        "platform": np.array([PLATFORM_CODES.get(r[9], 0) for r in rows], np.int8),
        "escalated": np.array([r[10] for r in rows], np.uint8),
    }
    scores = native.reference.score(cols, None, desk.now())
    order = native.reference.rank(scores, None, np.array([r[4] for r in rows], np.int64))
    return [rows[i][0] for i in order]


def ids(entries) -> list[int]:
    return [e.ticket_id for e in entries]


def test_top_is_the_reference_order(insert_tickets, desk):
    insert_tickets(desk, 300)
    assert ids(desk.queue.top(AGENT, 1000)) == expected_order(desk)
    assert ids(desk.queue.top(AGENT, 10)) == expected_order(desk)[:10]
    assert desk.queue.top(AGENT, 0) == []


@pytest.mark.parametrize(
    ("filters", "where", "params"),
    [
        ({"platform": "amazon"}, "AND platform = ?", ["amazon"]),
        ({"platform": ["ebay", "newmarket"]}, "AND platform IN (?, ?)", ["ebay", "newmarket"]),
        ({"shop": 3}, "AND shop_id = ?", [3]),
        ({"status": "pending"}, "AND status = ?", [2]),
        ({"intent": "chargeback_threat"}, "AND intent = ?", ["chargeback_threat"]),
        ({"intent": "plugin_intent"}, "AND intent = ?", ["plugin_intent"]),
        ({"tier": [2, 3]}, "AND tier IN (2, 3)", []),
        ({"language": "ja"}, "AND language = ?", ["ja"]),
        ({"assignee": 0}, "AND assignee_id IS NULL", []),
        ({"platform": "amazon", "tier": 3}, "AND platform = 'amazon' AND tier = 3", []),
    ],
)
def test_filters(insert_tickets, desk, filters, where, params):
    insert_tickets(desk, 300, seed=1)
    assert ids(desk.queue.top(AGENT, 1000, **filters)) == expected_order(desk, where, params)


def test_changes_are_picked_up_without_a_rebuild(insert_tickets, desk, crossdesk_clock):
    first = insert_tickets(desk, 200, seed=2)
    q = desk.queue
    q.top(AGENT)
    snapshot = q._cols
    crossdesk_clock.advance(5)
    # An escalation, a solved ticket and a brand-new ticket, written by the service layer and directly.
    target = next(t for t in first if desk.db["tickets"].get(t)["status"] < 4)
    desk.update_ticket(ADMIN, target, escalated=1, status="open")
    solved = next(t for t in first if t != target and desk.db["tickets"].get(t)["status"] < 4)
    desk.update_ticket(ADMIN, solved, status="solved")
    (new,) = insert_tickets(desk, 1, seed=3, start=10_000)
    desk.db["tickets"].update(new, {"status": 0, "updated_at": desk.now()})
    got = ids(q.top(AGENT, 1000))
    assert got == expected_order(desk)
    assert solved not in got and new in got and target in got
    assert q._cols is not snapshot or len(snapshot) == len(q._cols)  # updated in place or appended


def test_scores_follow_the_clock(insert_tickets, desk, crossdesk_clock):
    insert_tickets(desk, 100, seed=4)
    desk.queue.top(AGENT)
    crossdesk_clock.advance(6 * 3600)
    assert ids(desk.queue.top(AGENT, 1000)) == expected_order(desk)


def test_top_checks_its_arguments(insert_tickets, desk):
    insert_tickets(desk, 5)
    nobody = Actor(name="x", role=Role.AGENT)
    assert desk.queue.top(nobody, 3)
    with pytest.raises(TypeError):
        desk.queue.top("not an actor", 3)
    with pytest.raises(ValueError):
        desk.queue.top(nobody, -1)
