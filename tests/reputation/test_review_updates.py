"""A review changed on the platform after it was stored (eBay feedback revised, a Shopee comment edited,
answered or hidden) updates the stored one on the next pull; a rating turned negative opens its ticket then,
one turned positive is noted on the ticket it has."""

from __future__ import annotations

from tests.reputation.conftest import pull
from tests.sync.conftest import Harness


def _review(h: Harness, external_id: str) -> dict:
    [row] = h.desk.store.rows("SELECT * FROM reviews WHERE external_id = ?", [external_id])
    return row


def _notes(h: Harness, ticket_id: int) -> list[str]:
    return [
        r[0]
        for r in h.desk.db.execute(
            "SELECT body FROM messages WHERE ticket_id = ? AND direction = 'note'", [ticket_id]
        )
    ]


def test_ebay_feedback_revised_to_positive_is_noted_and_one_revised_to_negative_opens_a_ticket(
    ebay: Harness,
) -> None:
    ebay.sync()
    first = pull(ebay)
    [ticket_id] = first.tickets
    negative = next(f for f in ebay.fake.feedback if f["commentType"] == "NEGATIVE")
    positive = next(f for f in ebay.fake.feedback if f["commentType"] == "POSITIVE")
    # the buyer revises the negative one (eBay's feedback revision) and another turns sour
    negative.update(commentType="POSITIVE", feedbackComment={"commentText": "Sorted out, thank you"})
    positive.update(commentType="NEGATIVE", feedbackComment={"commentText": "Stopped working"})
    report = pull(ebay, full=True)  # eBay pages newest first: a pull from the cursor stops at known ones
    assert (report.new, report.updated, report.negative) == (0, 2, 1)
    revised = _review(ebay, negative["feedbackId"])
    assert (revised["rating"], revised["negative"], revised["body"]) == (5, 0, "Sorted out, thank you")
    assert any("1/5 -> 5/5" in n and "no longer negative" in n for n in _notes(ebay, ticket_id))
    soured = _review(ebay, positive["feedbackId"])
    assert soured["ticket_id"] == report.tickets[0] != ticket_id
    assert pull(ebay, full=True).updated == 0  # the same again changes nothing


def test_shopee_comment_edited_answered_and_hidden_updates_the_stored_one(shopee: Harness) -> None:
    shopee.sync()
    first = pull(shopee)
    ticket_id = first.tickets[0]
    comment_id = shopee.desk.db["tickets"].get(ticket_id)["external_id"].removeprefix("review:")
    comment = next(c for c in shopee.fake.comments if str(c["comment_id"]) == comment_id)
    comment["comment_reply"] = {"reply": "We have sent a replacement", "hidden": False}
    comment["rating_star"] = 4
    comment["comment"] = "The replacement works"
    report = pull(shopee)
    assert report.updated == 1 and report.new == 0 and report.negative == 0
    stored = _review(shopee, comment_id)
    assert (stored["rating"], stored["reply"], stored["negative"]) == (4, "We have sent a replacement", 0)
    [note] = _notes(shopee, ticket_id)
    assert "4/5" in note and "We have sent a replacement" in note
    comment["hidden"] = True
    assert pull(shopee).updated == 1 and _review(shopee, comment_id)["status"] == "hidden"
    audit = shopee.desk.db.execute(
        "SELECT count(*) FROM audit WHERE action = 'review.update' AND object_id = ?", [stored["id"]]
    ).fetchone()[0]
    assert audit == 2
