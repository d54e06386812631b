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
    assert set(by_platform) == {"amazon", "ebay", "shopee", "shopify"}
    negatives = desk.reputation.list(ADMIN, negative=True, limit=1000)
    assert 3 <= len(negatives) < sum(by_platform.values()) // 4
    for review in negatives:
        ticket = desk.db["tickets"].get(review["ticket_id"])
        assert ticket["order_id"] == review["order_id"] and ticket["customer_id"] == review["customer_id"]
        assert {"review", "negative-review"} <= set(desk.tickets.tags(review["ticket_id"]))
        assert review["rating"] <= 2
    praise = desk.db.execute("SELECT count(*) FROM reviews WHERE negative = 0 AND ticket_id IS NOT NULL")
    assert praise.fetchone()[0] == 0
    assert {r["platform"] for r in desk.reputation.ratings(ADMIN)} == {"amazon", "ebay", "shopee", "shopify"}


def test_the_demo_shopify_shops_have_the_reviews_app_with_one_negative_review_on_a_ticket(demo) -> None:
    desk, _ = demo
    shops = {
        r["external_id"]: r["app"] for r in desk.reputation.apps.list(ADMIN) if r["platform"] == "shopify"
    }
    assert shops and set(shops.values()) == {"judgeme"}  # attached through the app's first read
    configs = [r[0] for r in desk.db.execute("SELECT config FROM shops WHERE platform = 'shopify'")]
    assert all("127.0.0.1" not in c and "api_token" not in c for c in configs)  # no fake address, no token
    rows = desk.store.rows("SELECT * FROM reviews WHERE platform = 'shopify'")
    assert len(rows) >= 3 and all(r["source"] == "judgeme" and r["title"] for r in rows)
    [negative] = [r for r in rows if r["negative"]]
    ticket = desk.db["tickets"].get(negative["ticket_id"])
    assert ticket["order_id"] == negative["order_id"] and ticket["customer_id"] == negative["customer_id"]
    assert "negative-review" in desk.tickets.tags(ticket["id"])


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
