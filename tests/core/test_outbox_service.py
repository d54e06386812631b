"""desk.outbox: typed actions queued once, with the platform ids the services resolve from their rows."""

from __future__ import annotations

import pytest

from crossdesk.api import DeskError, NotFound
from crossdesk.outbox import Address
from crossdesk.platforms import Cancellation, MessageOut, from_json


def test_enqueue_takes_kind_platform_and_shop_from_the_action(h) -> None:
    shop_id = h.shop("shopify")
    action = Cancellation(
        platform="shopify", shop_external_id="SHOPIFY-1", idempotency_key="cancel:1", order_external_id="O-1"
    )
    item_id = h.desk.outbox.enqueue(h.admin, action, case_id=None)
    row = dict(h.desk.db["outbox"].get(item_id))
    assert (row["kind"], row["platform"], row["shop_id"], row["idempotency_key"], row["status"]) == (
        "cancellation",
        "shopify",
        shop_id,
        "cancel:1",
        "pending",
    )
    assert from_json(row["kind"], row["payload"]) == action
    assert h.desk.outbox.action(h.admin, item_id) == action
    [audit] = [a for a in h.desk.audit_trail(h.admin, "outbox", item_id) if a["action"] == "outbox.enqueue"]
    assert audit["after"] == {"kind": "cancellation", "key": "cancel:1"}
    # The same key again queues nothing and answers with the first item.
    assert h.desk.outbox.enqueue(h.admin, action) == item_id
    assert h.desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1


def test_an_action_for_a_shop_the_desk_does_not_have_is_refused(h) -> None:
    h.shop("ebay")
    action = Cancellation(
        platform="ebay", shop_external_id="NOT-OURS", idempotency_key="cancel:2", order_external_id="O-1"
    )
    with pytest.raises(NotFound, match="no ebay shop 'NOT-OURS' on this desk"):
        h.desk.outbox.enqueue(h.admin, action)
    assert h.desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    with pytest.raises(TypeError):
        h.desk.outbox.enqueue(h.admin, {"kind": "cancellation"})  # type: ignore[arg-type]


def test_a_reply_queues_a_message_with_every_platform_id(h) -> None:
    ticket_id = h.ticket("Where is my lamp?", platform="ebay", order=True)
    ticket = h.desk.db["tickets"].get(ticket_id)
    message_id = h.desk.reply(h.admin, ticket_id, "It ships today.", template="shipping")
    [row] = h.desk.db.query("SELECT * FROM outbox")
    action = from_json(row["kind"], row["payload"])
    order = h.desk.db["orders"].get(ticket["order_id"])
    buyer = h.desk.db.execute(
        "SELECT external_id FROM customer_identities WHERE customer_id = ?", [ticket["customer_id"]]
    ).fetchone()[0]
    assert action == MessageOut(
        platform="ebay",
        shop_external_id="EBAY-1",
        idempotency_key=f"message:{message_id}",
        buyer_external_id=buyer,
        thread_id=ticket["external_id"],
        order_external_id=order["external_id"],
        body="It ships today.",
        created_at=h.clock.now,
        message_id=message_id,
        template="shipping",
    )
    assert row["ticket_id"] == ticket_id and row["case_id"] is None


def test_address_uses_only_the_buyers_identity_on_that_shop(h) -> None:
    ebay, amazon = h.shop("ebay"), h.shop("amazon")
    customer = h.desk.upsert_customer(
        h.admin, platform="amazon", shop_id=amazon, external_id="AMZ-BUYER", name="Kim", country="DE"
    )
    assert h.desk.outbox.address(amazon, customer_id=customer) == Address(
        "amazon", "AMAZON-1", None, "AMZ-BUYER"
    )
    assert h.desk.outbox.address(ebay, customer_id=customer) == Address("ebay", "EBAY-1", None, None)
    with pytest.raises(NotFound, match="no shop #999"):
        h.desk.outbox.address(999)


def test_an_unreadable_item_is_one_clear_error(h) -> None:
    h.shop("ebay")
    action = Cancellation(
        platform="ebay", shop_external_id="EBAY-1", idempotency_key="cancel:3", order_external_id="O-1"
    )
    item_id = h.desk.outbox.enqueue(h.admin, action)
    h.desk.db.execute('UPDATE outbox SET payload = \'{"platform": "ebay"}\' WHERE id = ?', [item_id])
    with pytest.raises(DeskError, match=rf"outbox item #{item_id}: cancellation payload: .* lacks"):
        h.desk.outbox.action(h.admin, item_id)
