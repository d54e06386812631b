"""Migration 0060: outbox rows in the old string shape become typed actions, and then dispatch.

The old shape is written here exactly as the crossdesk before typed actions wrote it (kinds such as
``ebay.return_decide``, payload keys such as ``order_id`` holding an external id); each test then runs the
migration through the normal migration runner and sends the converted items to the loopback fakes.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from crossdesk.platforms import Cancellation, MessageOut, Refund, RefundLine, ReturnDecision, from_json
from crossdesk.store.db import apply_migrations
from crossdesk.store.migrations import m0060_typed_outbox as m0060

from .conftest import ADMIN, Harness
from .test_outbox import DiesOnceAfterSending


def old_row(
    h: Harness,
    kind: str,
    key: str,
    payload: dict[str, Any],
    *,
    ticket_id: int | None = None,
    case_id: int | None = None,
    status: str = "pending",
    shop_id: int | str | None = "harness",
) -> int:
    """Insert an outbox row as the old OutboxService.enqueue wrote it."""
    now = h.clock.now
    return (
        h.desk.db["outbox"]
        .insert(
            {
                "kind": kind,
                "platform": h.platform,
                "shop_id": h.shop_id if shop_id == "harness" else shop_id,
                "ticket_id": ticket_id,
                "case_id": case_id,
                "payload": orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode(),
                "idempotency_key": key,
                "status": status,
                "created_at": now,
                "next_attempt_at": now,
            }
        )
        .last_pk
    )


def to_old_shape(h: Harness, item_id: int, kind: str, payload: dict[str, Any]) -> None:
    """Rewrite a row the current code queued as the old code queued the same thing."""
    h.desk.db.execute(
        "UPDATE outbox SET kind = ?, payload = ? WHERE id = ?",
        [kind, orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode(), item_id],
    )


def migrate(h: Harness) -> None:
    """Run migration 0060 again through the runner, as on a desk last opened by an older crossdesk."""
    db = h.desk.db
    db.execute("DELETE FROM schema_migrations WHERE version = 60")
    assert apply_migrations(db) == [60]


def row(h: Harness, item_id: int) -> dict:
    return dict(h.desk.db["outbox"].get(item_id))


def test_old_kinds_map_to_the_action_types() -> None:
    assert m0060.old_kind("ebay.return_decide") == ("return_decision", None)
    assert m0060.old_kind("shopee.return_dispute") == ("return_decision", "decline")
    assert m0060.old_kind("shopee.return_confirm") == ("return_decision", "approve")
    assert m0060.old_kind("shopify.refund_create") == ("refund", None)
    assert m0060.old_kind("shopify.cancel_order") == ("cancellation", None)
    assert m0060.old_kind("message") == ("message", None)
    with pytest.raises(m0060.Unconvertible, match=r"'ebay\.leave_feedback' is not one crossdesk knows"):
        m0060.old_kind("ebay.leave_feedback")


def test_old_rows_become_what_the_services_queue_now_and_dispatch(ebay: Harness) -> None:
    """A reply, a return decision and a refund, each rewritten to the old shape: migrated, each is the very
    text the services queue today, and each reaches eBay once."""
    assert ebay.sync().ok
    desk = ebay.desk
    ticket = next(desk.db.query("SELECT id, external_id FROM tickets ORDER BY id LIMIT 1"))
    message_id = desk.reply(ADMIN, ticket["id"], "Your parcel left today.")
    case = dict(desk.db["cases"].get(1))
    order = dict(desk.db["orders"].get(case["order_id"]))
    desk.cases.approve(ADMIN, case["id"], note="Sorry!")
    refund_id = desk.cases.refund(ADMIN, case["id"], without_return=True)
    line = next(desk.db.query("SELECT * FROM refund_lines WHERE refund_id = ?", [refund_id]))
    order_line = dict(desk.db["order_lines"].get(line["order_line_id"]))
    now = {r["id"]: (r["kind"], r["payload"]) for r in desk.db.query("SELECT * FROM outbox")}
    reply, decide, refund = sorted(now)

    to_old_shape(
        ebay,
        reply,
        "message",
        {
            "thread_id": ticket["external_id"],
            "body": "Your parcel left today.",
            "message_id": message_id,
            "template": None,
        },
    )
    to_old_shape(
        ebay,
        decide,
        "ebay.return_decide",
        {
            "decision": "ACCEPT",
            "note": "Sorry!",
            "return_id": case["external_id"],
            "order_id": order["external_id"],
        },
    )
    to_old_shape(
        ebay,
        refund,
        "ebay.issue_refund",
        {
            "refund_id": refund_id,
            "amount_minor": line["amount_minor"],
            "currency": order["currency"],
            "reason": "",
            "lines": [
                {
                    "sku": order_line["sku"],
                    "external_id": order_line["external_id"],
                    "quantity": line["quantity"],
                }
            ],
            "return_id": case["external_id"],
            "order_id": order["external_id"],
        },
    )
    assert row(ebay, decide)["kind"] == "ebay.return_decide"
    migrate(ebay)
    assert {r["id"]: (r["kind"], r["payload"]) for r in desk.db.query("SELECT * FROM outbox")} == now

    report = ebay.dispatch()
    assert sorted(report.sent) == [reply, decide, refund]
    assert len(ebay.fake.actions_of("send_message")) == 1
    [(_, return_id, body)] = ebay.fake.actions_of("decide")
    assert return_id == case["external_id"] and body == {
        "decision": "ACCEPT",
        "comments": {"content": "Sorry!"},
    }
    [(_, _, refund_body)] = ebay.fake.actions_of("refund")
    amount = str(from_json("refund", now[refund][1]).amount)
    assert refund_body["refundDetail"]["totalAmount"] == {"value": amount, "currency": order["currency"]}


def test_hand_queued_shopify_rows_read_the_old_names(shopify: Harness) -> None:
    assert shopify.sync().ok
    fake = shopify.fake
    order = fake.orders[1]
    gid = fake.order_gid(order.order_id)
    line = f"gid://shopify/LineItem/{order.lines[0].line_id}"
    ret = fake.returns[0]
    refund = old_row(
        shopify,
        "shopify.refund_create",
        "refund:7",
        {
            "amount_minor": 500,
            "currency": "USD",
            "order_id": gid,
            "reason": "scratched",
            "lines": [{"sku": order.lines[0].sku, "external_id": line, "quantity": 1}],
        },
    )
    cancel = old_row(
        shopify,
        "shopify.cancel_order",
        "case:3:approve",
        {
            "order_id": fake.order_gid(fake.orders[0].order_id),
            "refund": False,
            "restock": True,
            "cancel_reason": "customer",
        },
    )
    decline = old_row(
        shopify,
        "shopify.return_decline",
        "case:4:decline",
        {
            "decision": "DECLINE",
            "reason": "late",
            "return_id": fake.return_gid(ret.return_id),
            "order_id": fake.order_gid(ret.order_id),
        },
    )
    migrate(shopify)
    common = {"platform": "shopify", "shop_external_id": shopify.shop_external_id}
    assert from_json("refund", row(shopify, refund)["payload"]) == Refund(
        **common,
        idempotency_key="refund:7",
        order_external_id=gid,
        amount_minor=500,
        currency="USD",
        digits=2,
        lines=(RefundLine(line_external_id=line, quantity=1, sku=order.lines[0].sku),),
        reason="scratched",
    )
    assert from_json("cancellation", row(shopify, cancel)["payload"]) == Cancellation(
        **common,
        idempotency_key="case:3:approve",
        order_external_id=fake.order_gid(fake.orders[0].order_id),
        refund=False,
        reason_code="customer",
    )
    assert from_json("return_decision", row(shopify, decline)["payload"]) == ReturnDecision(
        **common,
        idempotency_key="case:4:decline",
        decision="decline",
        reason="late",
        order_external_id=fake.order_gid(ret.order_id),
        return_external_id=fake.return_gid(ret.return_id),
    )
    assert [row(shopify, i)["kind"] for i in (refund, cancel, decline)] == [
        "refund",
        "cancellation",
        "return_decision",
    ]

    report = shopify.dispatch()
    assert sorted(report.sent) == [refund, cancel, decline]
    [(_, _, body)] = fake.actions_of("refundCreate")
    assert body["note"] == "scratched [crossdesk:refund:7]"
    assert body["refundLineItems"] == [{"lineItemId": line, "quantity": 1}]
    assert body["transactions"][0]["amount"] == "5.00"
    [(_, _, cancelled)] = fake.actions_of("orderCancel")
    assert cancelled["refund"] is False and cancelled["restock"] is True and cancelled["reason"] == "CUSTOMER"
    assert len(fake.actions_of("returnDeclineRequest")) == 1


def test_an_amazon_message_type_keeps_its_order(amazon: Harness) -> None:
    amazon.sync()
    order = amazon.fake.orders[4].order_id
    item = old_row(
        amazon,
        "message",
        "amz-1",
        {"body": "A new one ships today.", "amazon_action": "unexpectedProblem", "order_id": order},
    )
    migrate(amazon)
    action = from_json("message", row(amazon, item)["payload"])
    assert isinstance(action, MessageOut)
    assert (action.message_type, action.order_external_id, action.created_at) == (
        "unexpectedProblem",
        order,
        amazon.clock.now,
    )
    assert amazon.dispatch().sent == [item]
    assert amazon.fake.actions == [("unexpectedProblem", order, {"text": "A new one ships today."})]


def test_an_interrupted_old_send_is_reconciled_after_the_migration(
    shopee: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An item an older crossdesk left ``sending`` (the platform acted, we crashed) is found on the
    platform with the typed action after the upgrade, not sent a second time."""
    assert shopee.sync().ok
    ticket = next(shopee.desk.db.query("SELECT id, external_id FROM tickets ORDER BY id LIMIT 1"))
    message_id = shopee.desk.reply(ADMIN, ticket["id"], "Shipped today.")
    [item] = [r["id"] for r in shopee.desk.db.query("SELECT id FROM outbox")]
    DiesOnceAfterSending(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        shopee.dispatch()
    assert row(shopee, item)["status"] == "sending"
    to_old_shape(
        shopee,
        item,
        "message",
        {
            "thread_id": ticket["external_id"],
            "body": "Shipped today.",
            "message_id": message_id,
            "template": None,
        },
    )
    migrate(shopee)
    action = from_json("message", row(shopee, item)["payload"])
    assert (
        isinstance(action, MessageOut)
        and action.buyer_external_id
        and action.thread_id == ticket["external_id"]
    )
    shopee.clock.advance(61)
    report = shopee.dispatch()
    assert report.reconciled == [item] and row(shopee, item)["status"] == "sent"
    assert len(shopee.fake.actions_of("send_message")) == 1


def test_rows_that_cannot_be_converted_go_to_a_person_untouched(ebay: Harness) -> None:
    assert ebay.sync().ok
    unknown = old_row(ebay, "ebay.leave_feedback", "fb:1", {"rating": "positive"})
    no_order = old_row(
        ebay, "ebay.return_decide", "case:9:approve", {"decision": "ACCEPT", "return_id": "R1"}
    )
    no_shop = old_row(ebay, "message", "message:999", {"thread_id": "t", "body": "hi"}, shop_id=None)
    history = old_row(ebay, "ebay.issue_refund", "refund:9", {"currency": "USD"}, status="sent")
    before = {i: row(ebay, i) for i in (unknown, no_order, no_shop, history)}
    migrate(ebay)
    for item_id, reason in (
        (unknown, "its kind 'ebay.leave_feedback' is not one crossdesk knows"),
        (no_order, "its order is not known"),
        (no_shop, "it names no shop"),
    ):
        after = row(ebay, item_id)
        assert after["status"] == "manual" and reason in after["last_error"]
        assert "mark this item sent" in after["last_error"]
        assert (after["kind"], after["payload"]) == (before[item_id]["kind"], before[item_id]["payload"])
    assert row(ebay, history) == before[history]  # sent long ago: history stays as it was
    assert ebay.dispatch().sent == []  # nothing is sent from a row that was not converted
    assert ebay.fake.actions_of("decide") == []


def test_the_migration_leaves_typed_rows_alone(ebay: Harness) -> None:
    assert ebay.sync().ok
    ticket_id = ebay.desk.db.execute("SELECT id FROM tickets ORDER BY id LIMIT 1").fetchone()[0]
    ebay.desk.reply(ADMIN, ticket_id, "Hello again")
    before = [dict(r) for r in ebay.desk.db.query("SELECT * FROM outbox")]
    migrate(ebay)
    assert [dict(r) for r in ebay.desk.db.query("SELECT * FROM outbox")] == before
