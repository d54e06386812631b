"""A mail loop with an auto-responder: a rule answers every buyer message; the buyer's mailbox answers
our reply automatically. The auto-reply is filed on the thread and raises no event, so the rule does not
answer it and the loop stops after one round (real SMTP and IMAP servers on loopback)."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

from tests.mail.conftest import ADMIN
from tests.mail.corpus import SELLER, corpus
from tests.mail.servers import pymap_server, smtp_server

PASSWORD = "app-password-123"


def test_auto_responder_loop_ends_after_one_round(mail_desk, crossdesk_clock):
    desk = mail_desk.desk
    desk.templates.save(ADMIN, "ack", "Thank you for your message, we will answer within 24 hours.")
    desk.rules.save(
        ADMIN,
        [
            {
                "name": "Acknowledge every buyer message",
                "event": "message_received",
                "actions": [{"action": "reply", "template": "ack"}],
            }
        ],
    )
    with (
        pymap_server(user=SELLER, password=PASSWORD) as imap,
        smtp_server(SELLER, PASSWORD) as (handler, port),
    ):
        imap.append("Support")
        imap.append("Sent")

        def auto_responder(raw: bytes) -> None:  # the buyer's mailbox, answering whatever arrives
            ours = email.message_from_bytes(raw, policy=policy.default)
            auto = EmailMessage()
            auto["From"] = ours["To"]
            auto["To"] = ours["From"]
            auto["Subject"] = f"Automatic reply: {ours['Subject']}"
            auto["Message-ID"] = f"<auto.{len(handler.received)}@buyer.example>"
            auto["In-Reply-To"] = ours["Message-ID"]
            auto["References"] = ours["Message-ID"]
            auto["Auto-Submitted"] = "auto-replied"
            auto.set_content("I am on holiday until January.")
            imap.append("Support", bytes(auto))

        handler.on_accept = auto_responder
        desk.mail.accounts.add(
            ADMIN,
            name="shop",
            shop_id=mail_desk.shopify,
            address=SELLER,
            imap_host=imap.host,
            imap_port=imap.port,
            imap_security="none",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            folder="Support",
        )
        desk.mail.env = {"CROSSDESK_MAIL_SHOP_PASSWORD": PASSWORD}
        first = next(m for m in corpus() if m.name == "zh-1")
        imap.append("Support", first.raw)
        for _ in range(4):  # poll, send, poll, send...
            [polled] = desk.mail.poll(ADMIN)
            assert polled.ok, polled.error
            with desk.sync.connections(env={}) as conn:
                desk.sync.dispatcher(conn, actor=ADMIN).run()
            crossdesk_clock.advance(60)
    assert len(handler.received) == 1  # one acknowledgement, not one per auto-reply
    assert desk.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 1
    [ticket] = desk.db.execute("SELECT id FROM tickets").fetchall()
    filed = desk.mail.filed(ADMIN, ticket[0])
    assert [f["kind"] for f in filed] == ["autoreply"]
    kinds = [r[0] for r in desk.db.execute("SELECT direction FROM messages ORDER BY id")]
    assert kinds == ["in", "out"]
