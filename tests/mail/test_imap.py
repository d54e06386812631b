"""``desk.mail.poll`` against a real IMAP server (pymap) on loopback: the cursor across restarts, a
UIDVALIDITY change, a connection dropped mid-fetch, a 25 MB attachment, processed mail moved."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from crossdesk.api import Desk
from crossdesk.mail.service import MailService
from tests.mail.conftest import ADMIN
from tests.mail.corpus import T0, corpus, jpeg
from tests.mail.servers import CuttingRelay, pymap_server

FOLDER = "Buyers"


@pytest.fixture(scope="module")
def imap():
    with pymap_server() as server:
        yield server


@pytest.fixture
def folder(imap, request):
    """A folder of its own per test (the server lives for the module)."""
    name = f"{FOLDER}-{request.node.name[:40]}"
    imap.append(name)
    return name


def _desk(path, tmp_path) -> Desk:
    desk = Desk.open(path)
    desk.__dict__["mail"] = MailService(
        desk.store,
        tickets=desk.tickets,
        customers=desk.customers,
        orders=desk.orders,
        root=tmp_path / "files",
    )
    return desk


def _account(desk: Desk, imap, folder: str, processed: str = "") -> None:
    shop = desk.upsert_shop(ADMIN, platform="shopify", external_id="acme.myshopify.com", name="Acme Shop")
    desk.mail.accounts.add(
        ADMIN,
        name="support",
        shop_id=shop,
        address=imap.user,
        imap_host=imap.host,
        imap_port=imap.port,
        imap_security="none",
        folder=folder,
        processed_folder=processed,
    )


def _env(imap) -> dict[str, str]:
    return {"CROSSDESK_MAIL_SUPPORT_PASSWORD": imap.password}


def _shopify_mails() -> list[bytes]:
    return [m.raw for m in corpus() if m.shop == "shopify"]


def _count(desk: Desk, table: str) -> int:
    return desk.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_restart_resumes_after_the_last_mail(imap, folder, tmp_path):
    raws = _shopify_mails()
    imap.append(folder, *raws[:5])
    path = tmp_path / "desk.db"
    desk = _desk(path, tmp_path)
    _account(desk, imap, folder)
    [first] = desk.mail.poll(ADMIN, env=_env(imap))
    assert first.ok and first.fetched == 5
    stored = _count(desk, "mail_messages")
    desk.close()
    imap.append(folder, *raws[5:])
    again = _desk(path, tmp_path)  # a new process: only the database remembers
    [second] = again.mail.poll(ADMIN, env=_env(imap))
    assert second.ok and second.fetched == len(raws) - 5  # nothing fetched twice
    assert _count(again, "mail_messages") == stored + len(raws) - 5  # nothing lost
    [third] = again.mail.poll(ADMIN, env=_env(imap))
    assert third.fetched == 0
    again.close()


def test_uidvalidity_change_rereads_and_stores_nothing_twice(imap, folder, tmp_path):
    raws = _shopify_mails()[:6]
    imap.append(folder, *raws)
    desk = _desk(tmp_path / "desk.db", tmp_path)
    _account(desk, imap, folder)
    [first] = desk.mail.poll(ADMIN, env=_env(imap))
    before = (_count(desk, "mail_messages"), _count(desk, "messages"), _count(desk, "tickets"))
    imap.recreate(folder)  # a rebuilt mailbox: new UIDVALIDITY, UIDs start again
    extra = _shopify_mails()[6:8]
    imap.append(folder, *raws, *extra)
    [second] = desk.mail.poll(ADMIN, env=_env(imap))
    assert second.reset and second.uidvalidity != first.uidvalidity
    assert second.fetched == len(raws) + len(extra)
    assert second.kinds.get("duplicate") == len(raws)
    assert _count(desk, "mail_messages") == before[0] + len(extra)
    desk.close()


def test_dropped_connection_mid_fetch_loses_nothing(imap, folder, tmp_path):
    raws = _shopify_mails()[:6]
    imap.append(folder, *raws)
    relay = CuttingRelay((imap.host, imap.port))
    try:
        desk = _desk(tmp_path / "desk.db", tmp_path)
        shop = desk.upsert_shop(ADMIN, platform="shopify", external_id="acme.myshopify.com", name="Acme Shop")
        desk.mail.accounts.add(
            ADMIN,
            name="support",
            shop_id=shop,
            address=imap.user,
            imap_host="127.0.0.1",
            imap_port=relay.port,
            imap_security="none",
            folder=folder,
        )
        relay.cut_after = 1500 + len(raws[0]) + len(raws[1]) + len(raws[2]) // 2  # inside the third fetch
        [cut] = desk.mail.poll(ADMIN, env=_env(imap))
        assert relay.cuts == 1 and cut.error
        assert 0 < cut.fetched < len(raws)
        assert _count(desk, "mail_messages") == cut.fetched  # no half mail stored
        relay.cut_after = None
        [rest] = desk.mail.poll(ADMIN, env=_env(imap))
        assert rest.ok and rest.fetched == len(raws) - cut.fetched
        assert _count(desk, "mail_messages") == len(raws)
        desk.close()
    finally:
        relay.close()


def test_25_mb_attachment_and_processed_mail_moved(imap, folder, tmp_path):
    big = EmailMessage()
    big["From"] = "Buyer <buyer.big@example.net>"
    big["To"] = imap.user
    big["Subject"] = "Video of the broken lamp"
    big["Date"] = format_datetime(T0)
    big["Message-ID"] = "<big.1@example.net>"
    big.set_content("Here is the video and photos of the broken lamp, please have a look.")
    payload = jpeg(25 * 1024 * 1024, seed=3)
    big.add_attachment(payload, maintype="image", subtype="jpeg", filename="lamp.jpg")
    imap.append(folder, bytes(big))
    done = f"{folder}-done"
    imap.append(done)
    desk = _desk(tmp_path / "desk.db", tmp_path)
    _account(desk, imap, folder, processed=done)
    [result] = desk.mail.poll(ADMIN, env=_env(imap))
    assert result.ok and result.fetched == 1 and result.moved == 1
    row = desk.db.execute("SELECT size, stored, sniffed_type, sha256 FROM mail_attachments").fetchone()
    assert row[0] == len(payload) and row[1] == 1 and row[2] == "image/jpeg"
    assert desk.mail.files.path("attachments", row[3]).stat().st_size == len(payload)
    assert imap.uids(folder) == [] and len(imap.uids(done)) == 1
    desk.close()


def test_missing_password_and_wrong_password_are_clear(imap, folder, tmp_path):
    desk = _desk(tmp_path / "desk.db", tmp_path)
    _account(desk, imap, folder)
    [none] = desk.mail.poll(ADMIN, env={}, credentials_path=tmp_path / "none.toml")
    assert "CROSSDESK_MAIL_SUPPORT_PASSWORD" in none.error
    [wrong] = desk.mail.poll(ADMIN, env={"CROSSDESK_MAIL_SUPPORT_PASSWORD": "not-the-password"})
    assert "login refused" in wrong.error and "not-the-password" not in wrong.error
    desk.close()


def test_a_refused_mail_is_audited_and_the_poll_goes_on(imap, folder, tmp_path):
    good = _shopify_mails()[:2]
    imap.append(folder, good[0], b"X-Junk: 1\r\n\r\nno sender, no id, no date\r\n", good[1])
    desk = _desk(tmp_path / "desk.db", tmp_path)
    _account(desk, imap, folder)
    [result] = desk.mail.poll(ADMIN, env=_env(imap))
    assert result.ok and result.fetched == 3 and result.refused == 1
    assert _count(desk, "mail_messages") == 2
    refused = desk.db.execute("SELECT after FROM audit WHERE action = 'mail.refused'").fetchall()
    assert len(refused) == 1 and "not a mail" in refused[0][0]
    [again] = desk.mail.poll(ADMIN, env=_env(imap))
    assert again.fetched == 0
    desk.close()


def test_the_tuis_sync_polls_every_mail_account(imap, folder, tmp_path):
    imap.append(folder, *_shopify_mails()[:3])
    desk = _desk(tmp_path / "desk.db", tmp_path)
    _account(desk, imap, folder)
    desk.mail.env = _env(imap)
    out = desk.sync.run(ADMIN, push=False, env={}, credentials=lambda p, s: {})
    [polled] = out["mail"]
    assert polled.ok and polled.fetched == 3
    only_one_shop = desk.sync.run(ADMIN, shop="Acme Shop", push=False, env={}, credentials=lambda p, s: {})
    assert "mail" not in only_one_shop
    desk.close()
