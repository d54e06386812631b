"""Replies on mail tickets leave through the outbox by SMTP (aiosmtpd on loopback) with the threading
headers; 4xx is retried with backoff, 5xx fails with the server's words, Amazon's rules are linted, and a
send cut after DATA is reconciled by reading the Sent folder of a real IMAP server (pymap)."""

from __future__ import annotations

import email
from email import policy

import pytest

from tests.mail.conftest import ADMIN
from tests.mail.corpus import SELLER, corpus
from tests.mail.servers import pymap_server, smtp_server

PASSWORD = "app-password-123"


@pytest.fixture(scope="module")
def imap():
    with pymap_server(user=SELLER, password=PASSWORD) as server:
        server.append("Sent")
        yield server


@pytest.fixture
def smtp():
    with smtp_server(SELLER, PASSWORD) as pair:
        yield pair


@pytest.fixture
def thread(mail_desk, smtp, imap, tmp_path):
    """The English Amazon relay thread taken in, and a mail account for the Amazon shop."""
    desk = mail_desk.desk
    handler, port = smtp
    desk.mail.accounts.add(
        ADMIN,
        name="amazon-de",
        shop_id=mail_desk.amazon,
        address=SELLER,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        imap_host=imap.host,
        imap_port=imap.port,
        imap_security="none",
    )
    desk.mail.env = {"CROSSDESK_MAIL_AMAZON_DE_PASSWORD": PASSWORD}
    mails = {m.name: m for m in corpus()}
    first = desk.mail.receive(ADMIN, mails["en-1"].raw, mail_desk.amazon)
    second = desk.mail.receive(ADMIN, mails["en-2"].raw, mail_desk.amazon)
    assert first.ticket_id == second.ticket_id
    return desk, first.ticket_id, handler


def _dispatch(desk):
    with desk.sync.connections(env={}, credentials_path=None) as conn:
        return desk.sync.dispatcher(conn, actor=ADMIN, backoff=60).run()


def _item(desk):
    return desk.db.execute(
        "SELECT id, status, last_error, attempts FROM outbox ORDER BY id DESC LIMIT 1"
    ).fetchone()


def test_reply_leaves_by_smtp_with_threading_headers(thread):
    desk, ticket_id, handler = thread
    desk.tickets.reply(ADMIN, ticket_id, "We are sorry for the delay; a new lamp is on its way to you today.")
    report = _dispatch(desk)
    assert len(report.sent) == 1, report
    [(mail_from, rcpts, raw)] = handler.received
    sent = email.message_from_bytes(raw, policy=policy.default)
    assert mail_from == SELLER and rcpts == ["enx0r7kq2@marketplace.amazon.de"]
    assert sent["In-Reply-To"] == "<en-2.0@buyer.example>"
    assert "<en-1.0@buyer.example>" in sent["References"] and "<en-2.0@buyer.example>" in sent["References"]
    ticket = desk.tickets.row(ticket_id)
    assert sent["Subject"] == f"Re: {ticket['subject']}"
    assert "a new lamp is on its way" in sent.get_content()
    assert sent["Content-Language"] == ticket["language"] == "en"
    channels = desk.db.execute(
        "SELECT direction, channel FROM messages WHERE ticket_id = ? ORDER BY id", [ticket_id]
    )
    assert [tuple(r) for r in channels] == [("in", "email"), ("in", "email"), ("out", "email")]
    # the buyer's answer to our reply threads onto the same ticket by In-Reply-To
    answer = email.message.EmailMessage()
    answer["From"] = "Buyer EN <enx0r7kq2@marketplace.amazon.de>"
    answer["To"] = SELLER
    answer["Subject"] = "Something else entirely"
    answer["Message-ID"] = "<en-3@buyer.example>"
    answer["In-Reply-To"] = sent["Message-ID"]
    answer.set_content("Thanks, received it today. All good now!")
    outcome = desk.mail.receive(ADMIN, bytes(answer), "A1PA6795UKMFR9")
    assert outcome.kind == "buyer" and outcome.ticket_id == ticket_id


def test_4xx_is_retried_with_backoff_then_sent(thread, crossdesk_clock):
    desk, ticket_id, handler = thread
    desk.tickets.reply(ADMIN, ticket_id, "Your replacement has been dispatched.")
    handler.answers.append("451 4.3.0 mailbox busy, try later")
    report = _dispatch(desk)
    assert report.retrying and not report.sent
    _, status, error, _ = _item(desk)
    assert status == "pending" and "451" in error and "try later" in error
    assert not _dispatch(desk).sent  # not due yet: backoff
    crossdesk_clock.advance(120)
    assert len(_dispatch(desk).sent) == 1 and len(handler.received) == 1


def test_5xx_fails_with_the_servers_words(thread):
    desk, ticket_id, handler = thread
    desk.tickets.reply(ADMIN, ticket_id, "Your replacement has been dispatched.")
    handler.answers.append("550 5.7.1 relay address no longer accepts messages")
    report = _dispatch(desk)
    assert report.failed
    _, status, error, _ = _item(desk)
    assert status == "failed" and "550 5.7.1 relay address no longer accepts messages" in error


def test_amazon_lint_stops_links_and_marketing(thread):
    desk, ticket_id, handler = thread
    desk.tickets.reply(
        ADMIN, ticket_id, "Use coupon SAVE10 at https://acme-shop.example and leave a 5-star review!"
    )
    report = _dispatch(desk)
    assert report.failed and handler.received == []
    _, status, error, _ = _item(desk)
    assert status == "failed"
    assert "link https://acme-shop.example" in error and "marketing" in error


def test_send_cut_after_data_is_reconciled_from_the_sent_folder(thread, imap, crossdesk_clock):
    desk, ticket_id, handler = thread
    handler.drop = True
    handler.on_drop = lambda raw: imap.append("Sent", raw)  # the provider kept it, the answer was lost
    desk.tickets.reply(ADMIN, ticket_id, "Your replacement has been dispatched.")
    report = _dispatch(desk)
    assert report.retrying and not report.sent
    _, status, error, _ = _item(desk)
    assert status == "sending" and "may have been sent" in error
    crossdesk_clock.advance(3600)
    again = _dispatch(desk)
    assert again.reconciled and handler.received == []  # found in Sent: not sent a second time
    assert _item(desk)[1] == "sent"


def test_send_cut_and_not_in_sent_is_sent_again(thread, crossdesk_clock):
    desk, ticket_id, handler = thread
    handler.drop = True  # dropped and lost: the provider kept nothing
    desk.tickets.reply(ADMIN, ticket_id, "Your replacement has been dispatched today.")
    _dispatch(desk)
    crossdesk_clock.advance(3600)
    checked = _dispatch(desk)  # not in Sent: back to pending, then sent
    crossdesk_clock.advance(1)
    final = _dispatch(desk)
    assert len(checked.sent) + len(final.sent) == 1 and len(handler.received) == 1


def test_platform_uploads_cannot_ride_on_a_mail_reply(thread):
    from crossdesk.platforms import Attachment, MessageOut

    desk, ticket_id, handler = thread
    ticket = desk.tickets.row(ticket_id)
    action = MessageOut(
        platform="amazon",
        shop_external_id="A1PA6795UKMFR9",
        idempotency_key="test:attach",
        thread_id=ticket["external_id"],
        body="Here is the return label.",
        created_at=1_765_000_000,
        attachments=(Attachment(upload_destination_id="amzn1.upload.1", file_name="label.pdf"),),
    )
    with desk.tx():
        desk.outbox.enqueue(ADMIN, action, ticket_id=ticket_id)
    report = _dispatch(desk)
    assert report.manual and handler.received == []
    assert "mail client" in _item(desk)[2]
