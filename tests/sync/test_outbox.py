"""The outbox dispatcher: every item reaches the platform once, or a person is told what to do.

"Once" is checked on the fake's side: ``fake.actions`` records each write the platform carried out.
"""

from __future__ import annotations

import time

import orjson
import pytest

from crossdesk.fakes.server import Fault
from crossdesk.platforms import (
    Action,
    Cancellation,
    MessageOut,
    Refund,
    RefundLine,
    ReturnDecision,
    from_json,
)
from crossdesk.sync import OutboxDispatcher

from .conftest import ADMIN, Harness


def status(h: Harness, item_id: int) -> dict:
    return dict(h.desk.db["outbox"].get(item_id))


def reply_item(h: Harness, body: str = "Your parcel left our warehouse today.") -> tuple[int, int]:
    """Sync, answer the first ticket, return (outbox item id, message id)."""
    assert h.sync().ok
    ticket_id = h.desk.db.execute("SELECT id FROM tickets ORDER BY id LIMIT 1").fetchone()[0]
    message_id = h.desk.reply(ADMIN, ticket_id, body)
    item = h.desk.db.execute(
        "SELECT id FROM outbox WHERE idempotency_key = ?", [f"message:{message_id}"]
    ).fetchone()
    return item[0], message_id


def enqueue(h: Harness, action_type: type[Action], key: str, **fields) -> int:
    """Queue an action of ``action_type`` for the harness's shop."""
    action = action_type(platform=h.platform, shop_external_id=h.shop_external_id, idempotency_key=key, **fields)
    return h.desk.enqueue_outbox(ADMIN, action)


class DiesOnceAfterSending:
    """Replaces ``_mark_sent``: the first call dies as a crash would, after the platform acted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.original = OutboxDispatcher._mark_sent
        self.died = False
        monkeypatch.setattr(OutboxDispatcher, "_mark_sent", self)

    def __get__(self, obj, cls=None):  # behave as a method
        return lambda item, result: self(obj, item, result)

    def __call__(self, dispatcher, item, result):
        if not self.died:
            self.died = True
            raise KeyboardInterrupt("crash between the platform's yes and our bookkeeping")
        return self.original(dispatcher, item, result)


# ---- messages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("platform_fixture", ["ebay", "shopee"])
def test_reply_is_sent_once_and_gets_the_platform_id(
    platform_fixture: str, request: pytest.FixtureRequest
) -> None:
    h: Harness = request.getfixturevalue(platform_fixture)
    item_id, message_id = reply_item(h)
    report = h.dispatch()
    assert report.sent == [item_id]
    assert len(h.fake.actions_of("send_message")) == 1
    row = status(h, item_id)
    assert row["status"] == "sent" and row["attempts"] == 1 and row["sent_at"] == h.clock.now
    external = h.desk.db.execute("SELECT external_id FROM messages WHERE id = ?", [message_id]).fetchone()[0]
    assert not external.startswith("crossdesk:")
    # Nothing more to send; a second run sends nothing, a re-sync does not import our reply as the buyer's.
    assert h.dispatch().sent == []
    assert len(h.fake.actions_of("send_message")) == 1
    before = h.count("messages")
    h.clock.advance(3600)
    assert h.sync().ok
    assert h.count("messages") == before


@pytest.mark.parametrize("platform_fixture", ["ebay", "shopee"])
def test_crash_after_platform_sent_is_reconciled_not_resent(
    platform_fixture: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    h: Harness = request.getfixturevalue(platform_fixture)
    item_id, _ = reply_item(h)
    DiesOnceAfterSending(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        h.dispatch()
    assert status(h, item_id)["status"] == "sending"
    # Within the lease nobody touches it (another dispatcher might still be working on it).
    assert h.dispatch().sent == []
    h.clock.advance(61)
    report = h.dispatch()
    assert report.reconciled == [item_id]
    assert status(h, item_id)["status"] == "sent"
    assert len(h.fake.actions_of("send_message")) == 1


def test_timeout_on_send_is_checked_before_any_resend(ebay: Harness) -> None:
    item_id, _ = reply_item(ebay)
    ebay.set_config(timeout=0.3)
    ebay.fake.inject(Fault.slow(0.6), method="POST", path="/commerce/message/v1/send_message")
    report = ebay.dispatch()
    assert report.retrying == [item_id]
    assert status(ebay, item_id)["status"] == "sending"
    time.sleep(0.5)  # the platform finishes the request we stopped waiting for
    ebay.clock.advance(10)
    report = ebay.dispatch()
    assert report.reconciled == [item_id]
    assert len(ebay.fake.actions_of("send_message")) == 1


def test_5xx_on_send_is_verified_then_retried_once(shopee: Harness) -> None:
    item_id, _ = reply_item(shopee)
    shopee.fake.inject(Fault.server_error(502), method="POST", path="/api/v2/sellerchat/send_message")
    shopee.dispatch()
    assert len(shopee.fake.actions_of("send_message")) == 0
    shopee.clock.advance(10)
    report = shopee.dispatch()
    assert item_id in report.sent
    assert status(shopee, item_id)["attempts"] == 2
    assert len(shopee.fake.actions_of("send_message")) == 1


def test_429_on_send_is_retried_inside_the_call(ebay: Harness) -> None:
    item_id, _ = reply_item(ebay)
    ebay.fake.inject(Fault.rate_limited(0), times=2, method="POST", path="/commerce/message/v1/send_message")
    assert ebay.dispatch().sent == [item_id]
    assert len(ebay.fake.actions_of("send_message")) == 1


def test_persistent_rate_limit_backs_off_then_fails(ebay: Harness) -> None:
    item_id, _ = reply_item(ebay)
    ebay.fake.inject(
        Fault.rate_limited(0), times=100, method="POST", path="/commerce/message/v1/send_message"
    )
    report = ebay.dispatch(max_attempts=2)
    assert report.retrying == [item_id]
    row = status(ebay, item_id)
    assert (
        row["status"] == "pending" and row["next_attempt_at"] > ebay.clock.now and "429" in row["last_error"]
    )
    assert ebay.dispatch(max_attempts=2).sent == []  # not due yet
    ebay.clock.advance(3600)
    assert ebay.dispatch(max_attempts=2).failed == [item_id]
    assert status(ebay, item_id)["status"] == "failed"
    assert ebay.fake.actions_of("send_message") == []


def test_shopify_reply_is_manual_with_a_next_step(shopify: Harness) -> None:
    shopify.sync()
    # Shopify buyer messages come in by e-mail (another importer); the reply cannot go back through the API.
    shop = shopify.shop_id
    ticket_id, _, _ = shopify.desk.receive_message(
        ADMIN,
        platform="shopify",
        shop_id=shop,
        thread_id="mail-1",
        external_id="mail-1-a",
        body="Where is my order?",
        created_at=shopify.clock.now,
    )
    message_id = shopify.desk.reply(ADMIN, ticket_id, "On its way!")
    report = shopify.dispatch()
    assert len(report.manual) == 1
    row = status(shopify, report.manual[0])
    assert row["status"] == "manual"
    assert "Shopify offers no API to send this message" in row["last_error"]
    assert message_id


def test_amazon_free_text_reply_is_manual(amazon: Harness) -> None:
    amazon.sync()
    ticket_id, _, _ = amazon.desk.receive_message(
        ADMIN,
        platform="amazon",
        shop_id=amazon.shop_id,
        thread_id="relay-1",
        external_id="relay-1-a",
        body="Is this compatible with my device?",
        created_at=amazon.clock.now,
    )
    amazon.desk.reply(ADMIN, ticket_id, "Yes, it is.")
    report = amazon.dispatch()
    row = status(amazon, report.manual[0])
    assert "no free-text reply" in row["last_error"] and "Seller Central" in row["last_error"]
    assert amazon.fake.actions == []


def test_amazon_messaging_action_is_sent_once(amazon: Harness) -> None:
    amazon.sync()
    order = amazon.fake.orders[4].order_id
    ok = enqueue(
        amazon,
        MessageOut,
        "amz-1",
        body="Your item was damaged in our warehouse; a new one ships today.",
        message_type="unexpectedProblem",
        order_external_id=order,
        created_at=amazon.clock.now,
    )
    not_allowed = enqueue(
        amazon,
        MessageOut,
        "amz-2",
        body="Please confirm the engraving text.",
        message_type="confirmCustomizationDetails",
        order_external_id=order,
        created_at=amazon.clock.now,
    )
    report = amazon.dispatch()
    assert report.sent == [ok] and report.manual == [not_allowed]
    assert "allowed: confirmDeliveryDetails, unexpectedProblem" in status(amazon, not_allowed)["last_error"]
    assert amazon.fake.actions == [
        (
            "unexpectedProblem",
            order,
            {"text": "Your item was damaged in our warehouse; a new one ships today."},
        )
    ]


def test_amazon_interrupted_send_goes_to_a_person_not_to_a_resend(
    amazon: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    amazon.sync()
    item = enqueue(
        amazon,
        MessageOut,
        "amz-3",
        body="Delivery update",
        message_type="confirmDeliveryDetails",
        order_external_id=amazon.fake.orders[1].order_id,
        created_at=amazon.clock.now,
    )
    DiesOnceAfterSending(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        amazon.dispatch()
    amazon.clock.advance(61)
    report = amazon.dispatch()
    assert report.manual == [item]
    assert "gives no way to check" in status(amazon, item)["last_error"]
    assert len(amazon.fake.actions) == 1
    # A person confirms it arrived.
    amazon.desk.outbox.resolve(ADMIN, item, sent=True)
    assert status(amazon, item)["status"] == "sent"


# ---- after-sales actions ----------------------------------------------------------------------------


def test_ebay_return_decision_and_refund(ebay: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ebay.sync().ok
    ret = ebay.fake.returns[0]
    decide = enqueue(
        ebay,
        ReturnDecision,
        "case:1:approve",
        decision="approve",
        note="Sorry!",
        return_external_id=ret.return_id,
        order_external_id=ret.order_id,
    )
    refund = enqueue(
        ebay,
        Refund,
        "refund:1",
        amount_minor=1999,
        currency="USD",
        digits=2,
        return_external_id=ret.return_id,
        order_external_id=ret.order_id,
        reason="defective",
    )
    DiesOnceAfterSending(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        ebay.dispatch()
    ebay.clock.advance(61)
    report = ebay.dispatch()
    assert set(report.sent) == {decide, refund} and report.reconciled == [decide]
    [(_, rid, body)] = ebay.fake.actions_of("decide")
    assert rid == ret.return_id and body == {"decision": "ACCEPT", "comments": {"content": "Sorry!"}}
    [(_, _, refund_body)] = ebay.fake.actions_of("refund")
    assert refund_body["refundDetail"]["totalAmount"] == {"value": "19.99", "currency": "USD"}
    # Deciding again (another key) is refused by eBay: failed, with eBay's reason.
    again = enqueue(
        ebay,
        ReturnDecision,
        "case:1:decline",
        decision="decline",
        reason="late",
        return_external_id=ret.return_id,
        order_external_id=ret.order_id,
    )
    assert ebay.dispatch().failed == [again]
    assert "not awaiting a decision" in status(ebay, again)["last_error"]


def test_shopee_confirm_and_dispute(shopee: Harness) -> None:
    assert shopee.sync().ok
    first, second = shopee.fake.returns[0], shopee.fake.returns[1]
    ok = enqueue(
        shopee,
        ReturnDecision,
        "c1",
        decision="approve",
        return_external_id=first.return_id,
        order_external_id=first.order_id,
    )
    no = enqueue(
        shopee,
        ReturnDecision,
        "c2",
        decision="decline",
        reason="Item used",
        return_external_id=second.return_id,
        order_external_id=second.order_id,
    )
    assert set(shopee.dispatch().sent) == {ok, no}
    assert shopee.fake.return_states[first.return_id] == "ACCEPTED"
    assert shopee.fake.actions_of("dispute")[0][2]["email"] == "support@acme.example"


def test_shopify_refund_reconciled_by_note_key(shopify: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    assert shopify.sync().ok
    order = shopify.fake.orders[1]
    gid = shopify.fake.order_gid(order.order_id)
    line = f"gid://shopify/LineItem/{order.lines[0].line_id}"
    item = enqueue(
        shopify,
        Refund,
        "refund:7",
        amount_minor=500,
        currency="USD",
        digits=2,
        order_external_id=gid,
        lines=(RefundLine(line_external_id=line, quantity=1, sku=order.lines[0].sku),),
    )
    DiesOnceAfterSending(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        shopify.dispatch()
    shopify.clock.advance(61)
    assert shopify.dispatch().reconciled == [item]
    [(_, _, body)] = shopify.fake.actions_of("refundCreate")
    assert "[crossdesk:refund:7]" in body["note"]
    assert body["refundLineItems"] == [{"lineItemId": line, "quantity": 1}]
    [money] = body["transactions"]
    assert money["amount"] == "5.00" and money["kind"] == "REFUND" and money["gateway"] == "shopify_payments"
    assert money["parentId"].startswith("gid://shopify/OrderTransaction/")


def test_shopify_return_decisions_and_user_errors(shopify: Harness) -> None:
    assert shopify.sync().ok
    ret = shopify.fake.returns[0]
    rid, gid = shopify.fake.return_gid(ret.return_id), shopify.fake.order_gid(ret.order_id)
    ok = enqueue(
        shopify, ReturnDecision, "a1", decision="approve", return_external_id=rid, order_external_id=gid
    )
    dup = enqueue(
        shopify,
        ReturnDecision,
        "a2",
        decision="decline",
        reason="late",
        return_external_id=rid,
        order_external_id=gid,
    )
    report = shopify.dispatch()
    assert report.sent == [ok] and report.failed == [dup]
    assert "Return is not requested" in status(shopify, dup)["last_error"]


def test_shopify_throttled_mutation_is_retried_safely(shopify: Harness) -> None:
    from crossdesk.fakes.shopify import FakeShopify

    assert shopify.sync().ok
    gid = shopify.fake.order_gid(shopify.fake.orders[0].order_id)
    item = enqueue(shopify, Cancellation, "cancel:1", order_external_id=gid, reason_code="customer")
    shopify.fake.inject(FakeShopify.throttled(restore=1e6))
    assert shopify.dispatch().sent == [item]
    assert len(shopify.fake.actions_of("orderCancel")) == 1


def test_case_service_approval_reaches_the_platform(ebay: Harness) -> None:
    """End to end: the return synced as a case, approved by an agent, decided on eBay."""
    assert ebay.sync().ok
    # A synced return that matches its order is "requested" (a mismatch would be an exception case).
    row = ebay.desk.db.execute(
        "SELECT id FROM cases WHERE platform = 'ebay' AND state = 'requested' ORDER BY id LIMIT 1"
    ).fetchone()
    assert row is not None, "the fake's returns should sync as requested cases"
    ebay.desk.cases.approve(ADMIN, row[0])
    report = ebay.dispatch()
    assert report.sent and len(ebay.fake.actions_of("decide")) == 1


# ---- bookkeeping ------------------------------------------------------------------------------------


def test_claim_is_exclusive(ebay: Harness) -> None:
    item_id, _ = reply_item(ebay)
    with ebay.connections() as conn:
        a, b = ebay.desk.sync.dispatcher(conn), ebay.desk.sync.dispatcher(conn)
        row = status(ebay, item_id)
        assert a._claim(dict(row)) is True
        assert b._claim(dict(row)) is False


def test_missing_credentials_leave_items_waiting(ebay: Harness) -> None:
    item_id, _ = reply_item(ebay)
    ebay.env.clear()
    report = ebay.dispatch()
    assert ebay.shop_id in report.skipped and "access_token" in report.skipped[ebay.shop_id]
    row = status(ebay, item_id)
    assert row["status"] == "pending" and row["attempts"] == 0


def test_payload_is_never_changed_by_dispatch(ebay: Harness) -> None:
    item_id, _ = reply_item(ebay)
    before = status(ebay, item_id)["payload"]
    ebay.dispatch()
    assert orjson.loads(status(ebay, item_id)["payload"]) == orjson.loads(before)


def test_dispatch_refuses_to_run_inside_a_transaction(ebay: Harness) -> None:
    from crossdesk.api import DeskError

    reply_item(ebay)
    with pytest.raises(DeskError, match="inside an open transaction"), ebay.desk.tx():
        ebay.dispatch()
    assert ebay.fake.actions_of("send_message") == []


def test_an_unreadable_item_fails_with_the_reason_and_is_kept(ebay: Harness) -> None:
    item_id, _ = reply_item(ebay)
    broken = '{"body": "x", "thread_id": 7}'
    ebay.desk.db.execute("UPDATE outbox SET payload = ? WHERE id = ?", [broken, item_id])
    report = ebay.dispatch()
    assert report.failed == [item_id] and report.sent == []
    row = status(ebay, item_id)
    assert row["status"] == "failed" and row["attempts"] == 0 and row["payload"] == broken
    assert row["last_error"].startswith("cannot read this outbox item: message payload: message lacks")
    assert ebay.fake.actions_of("send_message") == []


def test_the_connector_gets_the_queued_action_itself(ebay: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    from crossdesk.plugins.platforms.ebay import EbayConnector

    item_id, message_id = reply_item(ebay)
    got: list[object] = []
    send = EbayConnector.send_message
    monkeypatch.setattr(EbayConnector, "send_message", lambda self, action: got.append(action) or send(self, action))
    assert ebay.dispatch().sent == [item_id]
    [action] = got
    row = status(ebay, item_id)
    assert isinstance(action, MessageOut) and action == from_json(row["kind"], row["payload"])
    assert action.message_id == message_id and action.shop_external_id == ebay.shop_external_id
