"""The demo desk has feedback and reviews, a few negative and linked to tickets of their buyer and order."""

from __future__ import annotations

import pytest

from crossdesk.api import Desk
from crossdesk.demo.build import build_demo
from crossdesk.models import Actor

NOW = 1_795_000_000
ADMIN = Actor.system("test")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("demo") / "desk.db"
    summary = build_demo(path, size=1000, seed=11, now=NOW)
    desk = Desk.open(path)
    yield desk, summary
    desk.close()


def test_the_demo_has_reviews_some_negative_on_tickets(demo) -> None:
    desk, summary = demo
    assert summary.tickets == 1000  # the size is still in tickets
    by_platform = dict(desk.db.execute("SELECT platform, count(*) FROM reviews GROUP BY platform").fetchall())
    assert set(by_platform) == {"amazon", "ebay", "shopee"}
    negatives = desk.reputation.list(ADMIN, negative=True, limit=1000)
    assert 3 <= len(negatives) < sum(by_platform.values()) // 4
    for review in negatives:
        ticket = desk.db["tickets"].get(review["ticket_id"])
        assert ticket["order_id"] == review["order_id"] and ticket["customer_id"] == review["customer_id"]
        assert {"review", "negative-review"} <= set(desk.tickets.tags(review["ticket_id"]))
        assert review["rating"] <= 2
    praise = desk.db.execute("SELECT count(*) FROM reviews WHERE negative = 0 AND ticket_id IS NOT NULL")
    assert praise.fetchone()[0] == 0
    assert {r["platform"] for r in desk.reputation.ratings(ADMIN)} == {"amazon", "ebay", "shopee"}


def test_the_review_sla_field_finds_the_demo_review_tickets(demo) -> None:
    desk, _ = demo
    with_review = desk.db.execute("SELECT count(DISTINCT ticket_id) FROM reviews WHERE ticket_id IS NOT NULL")
    expected = with_review.fetchone()[0]
    [pid] = desk.sla.save_policies(
        ADMIN,
        [
            {
                "name": "Negative review: first reply within 24 h",
                "clock": "marketplace",
                "all": [{"field": "review", "op": "is_set"}],
                "targets": {"normal": {"first_reply": "24h"}},
            }
        ],
        replace=True,
    )
    matched = desk.db.execute("SELECT count(*) FROM tickets WHERE sla_policy_id = ?", [pid]).fetchone()[0]
    closed = desk.db.execute(
        "SELECT count(DISTINCT r.ticket_id) FROM reviews r JOIN tickets t ON t.id = r.ticket_id "
        "WHERE t.sla_policy_id IS NULL"
    ).fetchone()[0]
    assert matched + closed == expected and matched > 0
