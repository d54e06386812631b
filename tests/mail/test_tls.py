"""The mail channel over TLS against the real servers: IMAP STARTTLS (pymap) and SMTP over implicit TLS
(aiosmtpd), with certificates from a test CA (trustme); a certificate the desk does not trust is refused."""

from __future__ import annotations

import ssl
from functools import partial

import pytest
import trustme

from crossdesk.mail.imap import connect_imap
from crossdesk.mail.smtp import connect_smtp
from tests.mail.conftest import ADMIN
from tests.mail.corpus import SELLER, corpus
from tests.mail.servers import pymap_server, smtp_server

PASSWORD = "app-password-123"


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_files(ca, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    with open(folder / "cert.pem", "wb") as f:
        for pem in cert.cert_chain_pems:
            f.write(pem.bytes())
    return str(folder / "cert.pem"), str(folder / "key.pem"), cert


def test_poll_over_starttls_and_reply_over_smtps(mail_desk, ca, tls_files):
    cert_file, key_file, cert = tls_files
    client = ssl.create_default_context()
    ca.configure_trust(client)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server)
    desk = mail_desk.desk
    with (
        pymap_server(SELLER, PASSWORD, tls=(cert_file, key_file)) as imap,
        smtp_server(SELLER, PASSWORD, ssl_context=server) as (handler, port),
    ):
        zh = next(m for m in corpus() if m.name == "zh-1")
        imap.append("Support", zh.raw)  # the fixture's own client (pymap allows it)
        desk.mail.accounts.add(
            ADMIN,
            name="shop",
            shop_id=mail_desk.shopify,
            address=SELLER,
            imap_host="127.0.0.1",
            imap_port=imap.port,
            imap_security="starttls",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="tls",
            folder="Support",
        )
        desk.mail.env = {"CROSSDESK_MAIL_SHOP_PASSWORD": PASSWORD}
        [untrusted] = desk.mail.poll(ADMIN)  # the default context does not trust the test CA
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.error
        desk.mail.imap_connect = partial(connect_imap, context=client)
        desk.mail.smtp_connect = partial(connect_smtp, context=client)
        [polled] = desk.mail.poll(ADMIN)
        assert polled.ok and polled.kinds == {"buyer": 1}
        ticket_id = desk.db.execute("SELECT ticket_id FROM mail_messages WHERE kind = 'buyer'").fetchone()[0]
        desk.tickets.reply(ADMIN, ticket_id, "我们会尽快为您处理。")
        with desk.sync.connections(env={}) as conn:
            report = desk.sync.dispatcher(conn, actor=ADMIN).run()
        assert len(report.sent) == 1 and len(handler.received) == 1
        assert handler.received[0][1] == ["buyer.zh@example.net"]
