"""The corpus of raw mails in 13 languages imported through ``desk.mail``: one ticket per thread, orders
linked, the buyer's words without the quoted history, the language detected, attachments stored, no
ticket for noise, nothing added by a second import."""

from __future__ import annotations

import mailbox
from collections import Counter
from pathlib import Path

import pytest

from tests.mail.conftest import ADMIN
from tests.mail.corpus import LANGS, Mail, corpus


def write_corpus(mails: list[Mail], folder: Path, shop: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for mail in mails:
        if mail.shop == shop:
            (folder / f"{mail.name}.eml").write_bytes(mail.raw)
    return folder


@pytest.fixture
def imported(mail_desk, tmp_path):
    mails = corpus()
    counts = Counter()
    for shop in ("amazon", "shopify"):
        folder = write_corpus(mails, tmp_path / shop, shop)
        counts += mail_desk.desk.mail.import_path(ADMIN, folder, mail_desk.shop_ref(shop))
    return mail_desk, mails, counts


def _ticket_of(desk, mail: Mail) -> dict:
    row = desk.db.execute(
        "SELECT ticket_id, desk_message_id FROM mail_messages WHERE sha256 = (SELECT sha256 FROM mail_messages "
        "WHERE message_id = ? LIMIT 1)",
        [_mid(mail)],
    ).fetchone()
    assert row is not None, mail.name
    return {"ticket_id": row[0], "message_id": row[1]}


def _mid(mail: Mail) -> str:
    from crossdesk.mail.parse import parse

    return parse(mail.raw).message_id


def test_one_ticket_per_thread(imported):
    md, mails, counts = imported
    desk = md.desk
    buyer_threads = {m.thread for m in mails if m.kind in ("buyer", "malformed")}
    email_tickets = desk.db.execute(
        "SELECT COUNT(*) FROM tickets WHERE external_id LIKE 'email:%'"
    ).fetchone()[0]
    assert email_tickets == len(buyer_threads)
    assert counts["tickets"] == len(buyer_threads)
    by_thread: dict[str, set[int]] = {}
    for mail in mails:
        if mail.kind in ("buyer", "malformed"):
            by_thread.setdefault(mail.thread, set()).add(_ticket_of(desk, mail)["ticket_id"])
    assert all(len(ids) == 1 for ids in by_thread.values()), by_thread


def test_buyer_words_without_quoted_history(imported):
    md, mails, _ = imported
    for mail in mails:
        if mail.kind != "buyer":
            continue
        message_id = _ticket_of(md.desk, mail)["message_id"]
        body = md.desk.db.execute("SELECT body FROM messages WHERE id = ?", [message_id]).fetchone()[0]
        assert mail.words in body, mail.name
        if mail.quoted:
            assert mail.quoted not in body, mail.name
            # ... and the full original stays one call away, quoted history included
            original = md.desk.mail.original(ADMIN, message_id)
            from crossdesk.mail.parse import parse

            assert mail.quoted in parse(original).text
        assert "Begin message" not in body  # Amazon's wrapper is gone


def test_language_detected_per_thread(imported):
    md, mails, _ = imported
    for mail in mails:
        if mail.kind == "buyer" and mail.name.endswith("-1"):
            ticket = md.desk.tickets.row(_ticket_of(md.desk, mail)["ticket_id"])
            assert ticket["language"] == mail.language, mail.name
    assert len({m.language for m in mails if m.language}) == len(LANGS) == 13


def test_orders_linked_and_relay_buyer_merged(imported):
    md, mails, _ = imported
    for mail in mails:
        if mail.kind == "buyer" and mail.order:
            ticket = md.desk.tickets.row(_ticket_of(md.desk, mail)["ticket_id"])
            assert ticket["order_id"] == md.orders[mail.order], mail.name
            # the relay address (or the mail address) is an identity of the order's buyer
            assert ticket["customer_id"] == md.buyers[mail.order], mail.name
    relay = md.desk.db.execute(
        "SELECT customer_id FROM customer_identities WHERE external_id LIKE 'email:%marketplace.amazon.de' "
        "AND handle = 'amazon relay' AND customer_id = ?",
        [md.buyers[next(m.order for m in mails if m.name == "en-1")]],
    ).fetchall()
    assert relay


def test_channel_and_attachments(imported):
    md, mails, _ = imported
    desk = md.desk
    channels = {
        r[0] for r in desk.db.execute("SELECT channel FROM messages WHERE external_id LIKE 'email:%'")
    }
    assert channels == {"email"}
    expected = sum(m.attachments for m in mails)
    rows = desk.db.execute("SELECT sha256, sniffed_type, stored FROM mail_attachments").fetchall()
    assert len(rows) == expected
    for sha, sniffed, stored in rows:
        assert stored == 1 and sniffed in ("image/jpeg", "image/png")
        assert desk.mail.files.path("attachments", sha).read_bytes()
    ko = next(m for m in mails if m.name == "ko-2")
    listed = desk.mail.attachments(ADMIN, _ticket_of(desk, ko)["ticket_id"])
    assert [a["filename"] for a in listed] == ["사진.png"] and Path(listed[0]["path"]).exists()


def test_no_ticket_for_noise(imported):
    md, mails, counts = imported
    desk = md.desk
    for mail in mails:
        if mail.kind in ("autoreply", "bounce", "bulk", "undeliverable"):
            row = desk.db.execute(
                "SELECT kind, desk_message_id, ticket_id FROM mail_messages WHERE message_id = ?",
                [_mid(mail)],
            ).fetchone()
            assert row[0] == mail.kind and row[1] is None, mail.name
            if mail.thread:  # attached to its thread, still no message and no rule run
                thread_mail = next(m for m in mails if m.thread == mail.thread and m.kind == "buyer")
                assert row[2] == _ticket_of(desk, thread_mail)["ticket_id"]
    assert counts["autoreply"] == 2 and counts["bounce"] == 1 and counts["bulk"] == 1


def test_malformed_mail_kept_with_note(imported):
    md, mails, _ = imported
    mail = next(m for m in mails if m.kind == "malformed")
    row = md.desk.db.execute(
        "SELECT note, ticket_id, desk_message_id FROM mail_messages WHERE message_id = ?", [_mid(mail)]
    ).fetchone()
    assert "malformed MIME" in row[0]
    body = md.desk.db.execute("SELECT body FROM messages WHERE id = ?", [row[2]]).fetchone()[0]
    assert mail.words in body
    assert "mail-malformed" in md.desk.tickets.tags(row[1])


def test_import_twice_adds_nothing(imported, tmp_path):
    md, mails, _ = imported
    desk = md.desk

    def sizes():
        return [
            desk.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("tickets", "messages", "mail_messages", "mail_attachments", "customers")
        ]

    before = sizes()
    again = Counter()
    for shop in ("amazon", "shopify"):
        again += desk.mail.import_path(ADMIN, tmp_path / shop, md.shop_ref(shop))
    assert sizes() == before
    assert again["duplicate"] == len(mails)


def test_maildir_and_mbox_read_through_the_same_parser(mail_desk, tmp_path):
    mails = [m for m in corpus() if m.shop == "shopify"]
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for m in mails[: len(mails) // 2]:
        box.add(m.raw)
    mbox = mailbox.mbox(tmp_path / "archive.mbox", create=True)
    for m in mails[len(mails) // 2 :]:
        mbox.add(m.raw)
    mbox.flush()
    desk = mail_desk.desk
    first = desk.mail.import_path(ADMIN, tmp_path / "Maildir", "acme.myshopify.com")
    second = desk.mail.import_path(ADMIN, tmp_path / "archive.mbox", "acme.myshopify.com")
    total = first + second
    assert sum(v for k, v in total.items() if k != "tickets") == len(mails)
    assert total["refused"] == 0
    threads = {m.thread for m in mails if m.kind in ("buyer", "malformed")}
    assert total["tickets"] == len(threads)


def test_same_bytes_or_same_message_id_stored_once(mail_desk):
    desk = mail_desk.desk
    mail = next(m for m in corpus() if m.name == "zh-1")
    first = desk.mail.receive(ADMIN, mail.raw, mail_desk.shopify)
    assert first.kind == "buyer"
    assert desk.mail.receive(ADMIN, mail.raw, mail_desk.shopify).kind == "duplicate"
    resent = mail.raw.replace(b"Date:", b"X-Resent: yes\r\nDate:", 1)  # other bytes, same Message-ID
    assert desk.mail.receive(ADMIN, resent, mail_desk.shopify).kind == "duplicate"


def test_missing_path_is_a_clear_error(mail_desk, tmp_path):
    from crossdesk.errors import DeskError

    with pytest.raises(DeskError, match="no such file"):
        mail_desk.desk.mail.import_path(ADMIN, tmp_path / "nope", mail_desk.amazon)


def test_a_file_that_is_not_a_mail_is_refused_by_name_and_the_rest_go_on(mail_desk, tmp_path):
    folder = write_corpus([m for m in corpus() if m.name in ("zh-1", "ar-1")], tmp_path / "in", "shopify")
    (folder / "notes.txt").write_bytes(b"\x00\x01 just some bytes, not a mail")
    seen = []
    counts = mail_desk.desk.mail.import_path(
        ADMIN, folder, mail_desk.shopify, on_mail=lambda name, outcome: seen.append((name, outcome))
    )
    assert counts["refused"] == 1 and counts["buyer"] == 2
    [(name, error)] = [(n, o) for n, o in seen if isinstance(o, Exception)]
    assert name.endswith("notes.txt") and "not a mail" in str(error)
