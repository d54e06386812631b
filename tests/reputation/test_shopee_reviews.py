"""Shopee product comments in the desk: a negative one opens a ticket tied to buyer, order and SKU; the
reply to it goes through the outbox and reaches the fake once."""

from __future__ import annotations

from tests.reputation.conftest import ADMIN, pull
from tests.sync.conftest import Harness


def test_negative_reviews_become_tickets_tied_to_buyer_order_and_sku(shopee: Harness) -> None:
    assert shopee.sync().ok  # orders first, so the reviews find theirs
    report = pull(shopee)
    assert report.errors == []
    assert (report.fetched, report.new, report.negative) == (4, 4, 2)
    negatives = [c for c in shopee.fake.comments if c["rating_star"] <= 2]
    for ticket_id, comment in zip(report.tickets, negatives, strict=True):
        ticket = shopee.desk.db["tickets"].get(ticket_id)
        order = shopee.desk.db["orders"].get(ticket["order_id"])
        assert order["external_id"] == comment["order_sn"]
        buyers = [
            r[0]
            for r in shopee.desk.db.execute(
                "SELECT external_id FROM customer_identities WHERE customer_id = ?", [ticket["customer_id"]]
            )
        ]
        assert str(comment["buyer_user_id"]) in buyers
        assert order["customer_id"] == ticket["customer_id"]  # the same buyer as the order's
        assert ticket["external_id"] == f"review:{comment['comment_id']}"
        tags = shopee.desk.tickets.tags(ticket_id)
        assert "negative-review" in tags and f"sku:{comment['model_sku']}".lower() in tags
        review = shopee.desk.db.execute(
            "SELECT * FROM reviews WHERE external_id = ?", [str(comment["comment_id"])]
        ).fetchone()
        assert review is not None
        review = shopee.desk.db["reviews"].get(review[0])
        assert review["ticket_id"] == ticket_id and review["sku"] == comment["model_sku"]
    # a second pull stores nothing twice and opens no ticket
    again = pull(shopee)
    assert (again.fetched, again.new, again.negative) == (4, 0, 0)
    ratings = shopee.desk.reputation.ratings(ADMIN)
    assert sum(r["reviews"] for r in ratings) == 4 and sum(r["negative"] for r in ratings) == 2


def test_reply_to_a_review_reaches_shopee_once(shopee: Harness) -> None:
    shopee.sync()
    report = pull(shopee)
    ticket_id = report.tickets[0]
    shopee.desk.tickets.reply(ADMIN, ticket_id, "We are sorry: a replacement is on its way.")
    first = shopee.dispatch()
    second = shopee.dispatch()
    replies = [a for a in shopee.fake.actions if a[0] == "reply_comment"]
    assert len(replies) == 1, (first, second)
    comment_id = shopee.desk.db["tickets"].get(ticket_id)["external_id"].removeprefix("review:")
    comment = next(c for c in shopee.fake.comments if str(c["comment_id"]) == comment_id)
    assert comment["comment_reply"]["reply"] == "We are sorry: a replacement is on its way."
    assert not [a for a in shopee.fake.actions if a[0] == "send_message"]  # not sent as a chat message
