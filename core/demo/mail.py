"""Demo mail: Amazon and Shopify buyer threads that arrived by e-mail, with photos of the damage.

The raw mails are written here with the stdlib and taken in through ``desk.mail`` exactly as imported or
polled mail is (threading, Amazon relay and wrapper, quoted history cut, attachments kept beside the
desk). A mail account points at a local test mail server (docs/mail.md, "A local mail server").
"""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from crossdesk.api import Desk
from crossdesk.models import Actor

#: tickets the demo's mail makes (one Amazon thread, one Shopify thread), on top of the size asked for
MAIL_THREADS = 2
#: the smallest demo that gets them
MAIL_FROM = 20

#: the demo's mail account points at the local server docs/mail.md starts
LOCAL_IMAP = ("127.0.0.1", 1143)
LOCAL_SMTP = ("127.0.0.1", 1025)


def photo(width: int, height: int, tint: tuple[int, int, int]) -> bytes:
    """A small PNG: a gradient in ``tint``, standing in for a buyer's photo of damaged goods."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            shade = (x * 255 // max(1, width - 1) + y * 255 // max(1, height - 1)) // 2
            rows.extend(min(255, c * shade // 255 + 30) for c in tint)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )


def _mail(sender: str, to: str, subject: str, body: str, mid: str, when: int, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.fromtimestamp(when, UTC))
    msg["Message-ID"] = f"<{mid}>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body, charset="utf-8")
    return msg


def _amazon_body(order: str, words: str) -> str:
    return (
        f"Order ID: {order}\n\n------------- Begin message -------------\n\n{words}\n\n"
        "------------- End message -------------\n\nFor Your Information: we retain all messages buyers and "
        "sellers send through Amazon.\n"
    )


def add_mail_threads(desk: Desk, now: int) -> int:
    """Add the demo's :data:`MAIL_THREADS` mail threads as the intake's own actor, with the desk's clock at
    ``now`` (the same seed gives the same desk); returns how many buyer messages they made."""
    clock = desk.store.clock
    desk.store.clock = lambda: now
    try:
        return _add(desk, Actor.system("mail"), now)
    finally:
        desk.store.clock = clock


def _add(desk: Desk, actor: Actor, now: int) -> int:
    db = desk.db
    amazon = db.execute(
        "SELECT s.id, o.external_id, c.name FROM shops s JOIN orders o ON o.shop_id = s.id "
        "JOIN customers c ON c.id = o.customer_id WHERE s.platform = 'amazon' AND s.country = 'DE' "
        "ORDER BY o.ordered_at DESC LIMIT 1"
    ).fetchone()
    shopify = db.execute(
        "SELECT s.id, c.name, c.email FROM shops s JOIN orders o ON o.shop_id = s.id JOIN customers c "
        "ON c.id = o.customer_id WHERE s.platform = 'shopify' AND c.email <> '' ORDER BY o.ordered_at DESC LIMIT 1"
    ).fetchone()
    mails: list[tuple[int, bytes]] = []
    if amazon is None:  # a demo too small to have a German Amazon order: a buyer the desk does not know yet
        row = db.execute("SELECT id FROM shops WHERE platform = 'amazon' ORDER BY id LIMIT 1").fetchone()
        amazon = None if row is None else (row[0], "302-0000000-0000001", "Anna Weber")
    if shopify is None:
        row = db.execute("SELECT id FROM shops WHERE platform = 'shopify' ORDER BY id LIMIT 1").fetchone()
        shopify = None if row is None else (row[0], "Sam Carter", "sam.carter@example.com")
    if amazon is not None:
        shop_id, order, name = amazon
        relay = f"{name.split()[0].lower()}0q7w2xk9@marketplace.amazon.de"
        seller = "service@nordlicht-home.example"
        first = _mail(
            f"{name} - Amazon Marketplace <{relay}>",
            seller,
            f"Lampe beschädigt angekommen (Bestellung: {order})",
            _amazon_body(
                order,
                "Guten Tag, die Lampe kam heute mit gebrochenem Glasschirm an. Fotos anbei. "
                "Bitte schicken Sie mir einen Ersatz.",
            ),
            f"demo-amz-1.{order}@marketplace.amazon.de",
            now - 5 * 3600,
        )
        first.add_attachment(
            photo(64, 48, (200, 120, 60)), maintype="image", subtype="png", filename="schirm.png"
        )
        first.add_attachment(
            photo(64, 48, (90, 90, 200)), maintype="image", subtype="png", filename="karton.png"
        )
        second = _mail(
            f"{name} - Amazon Marketplace <{relay}>",
            seller,
            f"AW: Lampe beschädigt angekommen (Bestellung: {order})",
            _amazon_body(
                order,
                "Noch ein Foto vom Karton, er war schon beim Auspacken eingedrückt.\n\n"
                f"Am Montag schrieb Nordlicht Home <{seller}>:\n> Das tut uns leid, bitte senden Sie Fotos.",
            ),
            f"demo-amz-2.{order}@marketplace.amazon.de",
            now - 2 * 3600,
            In_Reply_To=f"<demo-amz-1.{order}@marketplace.amazon.de>",
        )
        second.add_attachment(
            photo(48, 64, (60, 160, 90)), maintype="image", subtype="png", filename="karton-2.png"
        )
        notice = _mail(
            "Amazon <donotreply@amazon.de>",
            seller,
            "Your e-mail could not be delivered",
            f"Your message regarding order {order} could not be delivered to the buyer.",
            f"demo-amz-undeliverable.{order}@amazon.de",
            now - 3600,
        )
        mails += [(shop_id, bytes(first)), (shop_id, bytes(second)), (shop_id, bytes(notice))]
        desk.mail.accounts.add(
            actor,
            name="nordlicht-de",
            shop_id=shop_id,
            address=seller,
            imap_host=LOCAL_IMAP[0],
            imap_port=LOCAL_IMAP[1],
            imap_security="none",
            smtp_host=LOCAL_SMTP[0],
            smtp_port=LOCAL_SMTP[1],
            smtp_security="none",
            folder="INBOX",
            processed_folder="Processed",
        )
    if shopify is not None:
        shop_id, name, address = shopify
        seller = "hello@nordlicht-home.example"
        first = _mail(
            f"{name} <{address}>",
            seller,
            "Cracked vase in my order",
            "Hi, the vase from my last order arrived with a crack along the base, see the photo. "
            "Can you send a replacement or refund me?\n\nSent from my iPhone",
            f"demo-shopify-1@{address.split('@')[1]}",
            now - 8 * 3600,
        )
        first.add_attachment(
            photo(64, 64, (220, 200, 170)), maintype="image", subtype="png", filename="IMG_2041.png"
        )
        auto = _mail(
            f"{name} <{address}>",
            seller,
            "Automatic reply: Re: Cracked vase in my order",
            "I am travelling until Monday and will read your message then.",
            f"demo-shopify-auto@{address.split('@')[1]}",
            now - 3 * 3600,
            In_Reply_To=f"<demo-shopify-1@{address.split('@')[1]}>",
            Auto_Submitted="auto-replied",
        )
        mails += [(shop_id, bytes(first)), (shop_id, bytes(auto))]
        desk.mail.accounts.add(
            actor,
            name="nordlicht-shop",
            shop_id=shop_id,
            address=seller,
            imap_host=LOCAL_IMAP[0],
            imap_port=LOCAL_IMAP[1],
            imap_security="none",
            smtp_host=LOCAL_SMTP[0],
            smtp_port=LOCAL_SMTP[1],
            smtp_security="none",
            folder="INBOX",
            processed_folder="Processed",
        )
    made = 0
    for shop_id, raw in mails:
        made += desk.mail.receive(actor, raw, shop_id).message_id is not None
    return made
