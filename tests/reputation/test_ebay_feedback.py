"""eBay seller feedback in the desk: the negative one opens a ticket tied to buyer, order and SKU."""

from __future__ import annotations

from tests.reputation.conftest import ADMIN
from tests.sync.conftest import _NO_FILE, Harness


def test_negative_feedback_opens_a_ticket_tied_to_buyer_order_and_sku(ebay: Harness) -> None:
    assert ebay.sync().ok
    report = ebay.desk.reputation.pull(ADMIN, env=ebay.env, credentials_path=_NO_FILE)
    assert report.errors == [] and (report.fetched, report.new, report.negative) == (3, 3, 1)
    negative = next(f for f in ebay.fake.feedback if f["commentType"] == "NEGATIVE")
    [ticket_id] = report.tickets
    ticket = ebay.desk.db["tickets"].get(ticket_id)
    order = ebay.desk.db["orders"].get(ticket["order_id"])
    assert order["external_id"] == negative["orderLineItemSummary"]["orderId"]
    assert order["customer_id"] == ticket["customer_id"]
    assert f"sku:{negative['orderLineItemSummary']['sku']}".lower() in ebay.desk.tickets.tags(ticket_id)
    stars = {r["external_id"]: r["rating"] for r in ebay.desk.reputation.list(ADMIN)}
    assert sorted(stars.values()) == [1, 3, 5]
    assert ebay.desk.reputation.pull(ADMIN, env=ebay.env, credentials_path=_NO_FILE).new == 0
