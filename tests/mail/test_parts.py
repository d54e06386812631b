"""The parts of the mail channel on their own: charsets, quotes, order numbers, noise, Amazon lint."""

from __future__ import annotations

import email
from email import policy

import pytest

from crossdesk.mail import charsets, marketplaces, noise
from crossdesk.mail.attachments import FileStore, sniff
from crossdesk.mail.lint import lint_amazon
from crossdesk.mail.parse import normalise_subject, parse
from crossdesk.mail.quotes import strip_reply


def test_narrow_labels_read_with_their_supersets():
    gbk_only = "镕".encode("gbk")  # in GBK, not in GB2312
    assert charsets.decode(gbk_only, "gb2312") == ("镕", "")
    nec = "①".encode("cp932")  # NEC extension, refused by the strict shift_jis codec
    assert charsets.decode(nec, "Shift_JIS") == ("①", "")
    uhc = "똠".encode("cp949")  # Unified Hangul Code, not in EUC-KR
    assert charsets.decode(uhc, "euc-kr") == ("똠", "")
    assert charsets.decode("€".encode("cp1252"), "iso-8859-1") == ("€", "")


def test_wrong_and_unknown_labels_are_noted_not_lost():
    text, note = charsets.decode("Größe".encode(), "iso-8859-2x")
    assert text == "Größe" and "unknown charset" in note
    text, note = charsets.decode("日本語".encode(), "iso-2022-jp")
    assert text == "日本語" and "UTF-8" in note


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "Bitte um Rückruf.\n\nVon: Acme <a@b.de>\nGesendet: Montag\nAn: x\n\nalter Text",
            "Bitte um Rückruf.",
        ),
        ("Merci !\n\n-----Message d'origine-----\nDe : Acme\nancien", "Merci !"),
        ("Gracias\n\nEnviado desde mi iPhone", "Gracias"),
        ("Thanks\n-- \nJohn Smith\nCEO", "Thanks"),
        ("> old question\n> more\n\nMy answer below the quote.", "My answer below the quote."),
        ("谢谢\n\n在 2025年12月10日，Acme 写道：\n> 旧", "谢谢"),
    ],
)
def test_strip_reply(text, words):
    assert strip_reply(text) == words


def test_subjects_normalised_across_languages():
    for subject in (
        "Re: AW: Lieferung",
        "RE : Lieferung",
        "Odp: lieferung",
        "回复：Lieferung",
        "YNT: Lieferung",
    ):
        assert normalise_subject(subject) == "lieferung"


def test_order_numbers_per_marketplace():
    refs = marketplaces.order_refs(
        "Order 302-1234567-1234567", "eBay item number: 123456789012, 12-34567-89012", "ebay"
    )
    assert marketplaces.OrderRef("amazon", "302-1234567-1234567") in refs
    assert marketplaces.OrderRef("ebay-item", "123456789012") in refs
    assert refs[0].platform == "ebay"  # the shop's own platform first
    assert marketplaces.order_refs("", "see #1001", "amazon") == []  # #1001 is a Shopify order name only
    assert marketplaces.order_refs("", "Order #1001", "shopify") == [
        marketplaces.OrderRef("shopify", "#1001")
    ]


def test_amazon_relay_and_notices():
    assert marketplaces.is_amazon_relay("abc123@marketplace.amazon.co.jp")
    assert not marketplaces.is_amazon_relay("abc@marketplace.amazon.evil.example")
    assert (
        marketplaces.amazon_notice(
            "donotreply@amazon.de", "Ihre Nachricht konnte nicht zugestellt werden", ""
        )
        == "undeliverable"
    )
    assert (
        marketplaces.amazon_notice("x@marketplace.amazon.de", "could not be delivered", "") == ""
    )  # a buyer


def _msg(headers: str) -> email.message.EmailMessage:
    return email.message_from_bytes(
        f"{headers}From: a@b.c\r\nSubject: Hi\r\n\r\nbody\r\n".encode(), policy=policy.default
    )


def test_noise_headers():
    assert noise.classify(_msg("Auto-Submitted: auto-replied\r\n"), "a@b.c", "Hi") == "autoreply"
    assert noise.classify(_msg("Auto-Submitted: no\r\n"), "a@b.c", "Hi") == ""
    assert noise.classify(_msg("Precedence: bulk\r\n"), "a@b.c", "Hi") == "bulk"
    assert noise.classify(_msg(""), "mailer-daemon@mx.example", "Hi") == "bounce"
    assert noise.classify(_msg(""), "a@b.c", "Abwesenheitsnotiz: Hi") == "autoreply"
    assert noise.classify(_msg(""), "a@b.c", "Where is my parcel?") == ""


def test_amazon_lint():
    assert lint_amazon("Your replacement ships today. Order 302-1234567-1234567.") == []
    assert lint_amazon("See https://www.amazon.de/gp/your-account") == []
    problems = lint_amazon(
        "Write to me at me@shop.example or call +49 30 1234 5678", [("a.exe", "application/x-msdownload", 10)]
    )
    assert any("e-mail address" in p for p in problems) and any("phone" in p for p in problems)
    assert any("a.exe" in p for p in problems)


def test_attachment_type_from_bytes_and_cap(tmp_path):
    files = FileStore(tmp_path, max_bytes=100)
    exe = b"MZ\x90\x00" + b"\x00" * 60
    stored = files.attachment(exe, "image/jpeg")
    assert "declared image/jpeg" in stored.note and stored.stored
    big = files.attachment(b"\xff\xd8\xff\xe0" + b"0" * 200, "image/jpeg")
    assert not big.stored and "cap" in big.note and not files.path("attachments", big.sha256).exists()
    assert sniff(b"%PDF-1.7\n") == "application/pdf"


def test_garbage_parses_with_a_note():
    mail = parse(b"\xff\xfe\x00garbage without headers")
    assert mail.message_id == "" and mail.sha256
