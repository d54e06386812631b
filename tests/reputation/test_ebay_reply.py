"""A reply to eBay feedback goes through the outbox to ``respondToFeedback`` and reaches the fake once."""

from __future__ import annotations

import time

from crossdesk.fakes.server import Fault
from tests.reputation.conftest import ADMIN
from tests.sync.conftest import _NO_FILE, Harness

REPLY = "Sorry! A refund is on its way; we fixed the listing."
RESPOND = "/commerce/feedback/v1/respond_to_feedback"


def _negative_ticket(h: Harness) -> int:
    assert h.sync().ok
    report = h.desk.reputation.pull(ADMIN, env=h.env, credentials_path=_NO_FILE)
    [ticket_id] = report.tickets
    return ticket_id


def _outbox(h: Harness) -> dict:
    [row] = h.desk.db.execute("SELECT id FROM outbox WHERE idempotency_key LIKE 'message:%'").fetchall()
    return dict(h.desk.db["outbox"].get(row[0]))


def test_reply_to_feedback_reaches_ebay_once(ebay: Harness) -> None:
    ticket_id = _negative_ticket(ebay)
    ebay.desk.tickets.reply(ADMIN, ticket_id, REPLY)
    first, second = ebay.dispatch(), ebay.dispatch()
    replies = ebay.fake.actions_of("respond_to_feedback")
    assert len(replies) == 1, (first, second)
    feedback_id = ebay.desk.db["tickets"].get(ticket_id)["external_id"].removeprefix("feedback:")
    entry = next(f for f in ebay.fake.feedback if f["feedbackId"] == feedback_id)
    assert entry["commentType"] == "NEGATIVE"
    assert entry["feedbackResponse"] == {"responseText": REPLY, "responseType": "REPLY"}
    assert replies[0][2]["recipientUserId"] == entry["providerUserDetail"]["username"]
    assert _outbox(ebay)["status"] == "sent"
    assert not ebay.fake.actions_of("send_message")  # not sent as a member message


def test_timed_out_reply_is_looked_for_before_any_resend(ebay: Harness) -> None:
    ticket_id = _negative_ticket(ebay)
    ebay.desk.tickets.reply(ADMIN, ticket_id, REPLY)
    ebay.set_config(timeout=0.3)
    ebay.fake.inject(Fault.slow(0.6), method="POST", path=RESPOND)
    report = ebay.dispatch()
    assert report.sent == [] and _outbox(ebay)["status"] == "sending"
    time.sleep(0.5)  # eBay finishes the request we stopped waiting for
    ebay.clock.advance(10)
    report = ebay.dispatch()
    assert report.reconciled == [_outbox(ebay)["id"]]
    assert len(ebay.fake.actions_of("respond_to_feedback")) == 1
    assert len(ebay.fake.requests_to(RESPOND, "POST")) == 1  # looked, did not send again


def test_5xx_before_ebay_acted_is_checked_then_sent_once(ebay: Harness) -> None:
    ticket_id = _negative_ticket(ebay)
    ebay.desk.tickets.reply(ADMIN, ticket_id, REPLY)
    ebay.fake.inject(Fault.server_error(502), method="POST", path=RESPOND)
    ebay.dispatch()
    assert ebay.fake.actions_of("respond_to_feedback") == []
    ebay.clock.advance(10)
    assert _outbox(ebay)["id"] in ebay.dispatch().sent
    assert len(ebay.fake.actions_of("respond_to_feedback")) == 1


def test_a_reply_too_long_for_ebay_fails_clearly_and_sends_nothing(ebay: Harness) -> None:
    ticket_id = _negative_ticket(ebay)
    message_id = ebay.desk.tickets.reply(ADMIN, ticket_id, "x" * 81)
    report = ebay.dispatch()
    item = _outbox(ebay)
    assert report.failed == [item["id"]] and item["status"] == "failed"
    assert "at most 80 characters" in item["last_error"] and "81" in item["last_error"]
    assert ebay.fake.requests_to(RESPOND) == []
    assert ebay.desk.db["messages"].get(message_id)["body"] == "x" * 81  # the agent's text is kept


def test_another_reply_already_on_ebay_goes_to_a_person(ebay: Harness) -> None:
    ticket_id = _negative_ticket(ebay)
    feedback_id = ebay.desk.db["tickets"].get(ticket_id)["external_id"].removeprefix("feedback:")
    ebay.desk.tickets.reply(ADMIN, ticket_id, REPLY)
    ebay.set_config(timeout=0.3)
    ebay.fake.inject(Fault.slow(0.6), method="POST", path=RESPOND)
    ebay.dispatch()
    time.sleep(0.5)
    entry = next(f for f in ebay.fake.feedback if f["feedbackId"] == feedback_id)
    entry["feedbackResponse"] = {"responseText": "Written in Seller Hub.", "responseType": "REPLY"}
    ebay.clock.advance(10)
    report = ebay.dispatch()
    assert report.manual == [_outbox(ebay)["id"]]
    assert "already has another reply" in _outbox(ebay)["last_error"]
