"""A corpus of raw buyer mails in our 13 languages and their usual encodings, generated in code.

Each language has one thread (a first mail and a reply quoting the seller's answer in that language's
attribution style), written in a charset and transfer encoding its mail clients use. Around them: Amazon
relay threads with the Amazon wrapper and order numbers, Shopify support mail naming ``#1001``, an
HTML-only mail, photo attachments, an auto-reply, a bounce (DSN), bulk mail, an Amazon "could not be
delivered" notice and a message with a broken MIME structure. :func:`corpus` returns the mails with what
the desk must make of each, so tests assert against the spec rather than hard-coded counts.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

SELLER = "support@acme-shop.example"
T0 = datetime(2025, 12, 10, 9, 0, tzinfo=UTC)

AMAZON_ORDER = "302-1234567-1234567"
AMAZON_ORDER_2 = "028-7654321-7654321"
SHOPIFY_ORDER = "1001"


@dataclass
class Mail:
    name: str
    raw: bytes
    kind: str = "buyer"  # or autoreply, bounce, bulk, undeliverable, malformed
    thread: str = ""  # mails with the same thread key must land on one ticket
    language: str = ""
    words: str = ""  # the buyer's own words the stored message must hold
    quoted: str = ""  # text of the quoted history that must NOT be in the stored message
    order: str = ""  # the order the ticket must be linked to
    attachments: int = 0
    shop: str = "amazon"
    extra: dict = field(default_factory=dict)


def png(width: int = 2, height: int = 2, seed: int = 0) -> bytes:
    """A small valid PNG (a photo stand-in whose type is sniffed from its bytes)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    rows = b"".join(
        b"\x00" + bytes((seed + x * 40 + y * 7) % 256 for x in range(width * 3)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg(size: int = 2048, seed: int = 1) -> bytes:
    """Bytes that start and end like a JPEG (JFIF marker), ``size`` long."""
    body = bytes((seed * 31 + i * 7) % 251 for i in range(max(0, size - 22)))
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + body + b"\xff\xd9"


# language -> (charset, transfer encoding, subject, first words, follow-up words, attribution, seller text)
LANGS: dict[str, tuple[str, str, str, str, str, str, str]] = {
    "en": (
        "us-ascii",
        "7bit",
        "Where is my parcel?",
        "Hello, I ordered a lamp two weeks ago and it still has not arrived. Could you please check where my parcel is?",
        "Thank you for the answer, but the tracking page has not changed for five days. Please send a new one.",
        "On Wed, 10 Dec 2025 at 12:00, Acme Support <{seller}> wrote:",
        "We have checked with the carrier, your parcel is on its way.",
    ),
    "de": (
        "iso-8859-1",
        "quoted-printable",
        "Wo bleibt meine Bestellung?",
        "Guten Tag, ich habe vor zwei Wochen eine Lampe bestellt und sie ist immer noch nicht angekommen. Können Sie bitte nachsehen, wo mein Paket ist?",
        "Vielen Dank für die Antwort, aber die Sendungsverfolgung hat sich seit fünf Tagen nicht geändert. Bitte schicken Sie mir Ersatz.",
        "Am 10.12.2025 um 12:00 schrieb Acme Support <{seller}>:",
        "Wir haben beim Versanddienstleister nachgefragt, Ihr Paket ist unterwegs.",
    ),
    "fr": (
        "windows-1252",
        "base64",
        "Où est mon colis ?",
        "Bonjour, j'ai commandé une lampe il y a deux semaines et elle n'est toujours pas arrivée. Pourriez-vous vérifier où se trouve mon colis ?",
        "Merci pour votre réponse, mais le suivi n'a pas bougé depuis cinq jours. Je voudrais être remboursé, s'il vous plaît.",
        "Le mer. 10 déc. 2025 à 12:00, Acme Support <{seller}> a écrit :",
        "Nous avons vérifié auprès du transporteur, votre colis est en route.",
    ),
    "es": (
        "iso-8859-15",
        "quoted-printable",
        "¿Dónde está mi pedido?",
        "Hola, pedí una lámpara hace dos semanas y todavía no ha llegado. ¿Podrían comprobar dónde está mi paquete, por favor?",
        "Gracias por la respuesta, pero el seguimiento no ha cambiado en cinco días. Quiero que me devuelvan el dinero.",
        "El mié, 10 dic 2025 a las 12:00, Acme Support (<{seller}>) escribió:",
        "Hemos consultado con la empresa de transporte, su paquete está en camino.",
    ),
    "it": (
        "utf-8",
        "base64",
        "Dov'è il mio ordine?",
        "Buongiorno, ho ordinato una lampada due settimane fa e non è ancora arrivata. Potreste controllare dove si trova il mio pacco?",
        "Grazie per la risposta, ma il tracciamento non è cambiato da cinque giorni. Vorrei un rimborso, per favore.",
        "Il giorno mer 10 dic 2025 alle ore 12:00 Acme Support <{seller}> ha scritto:",
        "Abbiamo verificato con il corriere, il suo pacco è in viaggio.",
    ),
    "ja": (
        "iso-2022-jp",
        "7bit",
        "注文した商品がまだ届きません",
        "こんにちは。二週間前にランプを注文しましたが、まだ届いていません。荷物がどこにあるか確認していただけますか。",
        "ご返信ありがとうございます。しかし追跡情報が五日間変わっていません。返金をお願いします。",
        "2025年12月10日(水) 12:00 Acme Support <{seller}>:",
        "配送業者に確認しました。お荷物は配送中です。",
    ),
    "zh": (
        "gb2312",
        "base64",
        "我的包裹在哪里？",
        "您好，我两周前订购了一盏台灯，到现在还没有收到。请帮我查一下包裹在哪里，谢谢。",
        "谢谢您的回复，但是物流信息已经五天没有更新了。我希望退款，麻烦您处理一下。",
        "Acme Support <{seller}> 于2025年12月10日周三 12:00写道：",
        "我们已经和快递公司确认，您的包裹正在运输中。",
    ),
    "pt": (
        "iso-8859-1",
        "quoted-printable",
        "Onde está minha encomenda?",
        "Olá, encomendei uma luminária há duas semanas e ainda não chegou. Vocês podem verificar onde está o meu pacote, por favor?",
        "Obrigado pela resposta, mas o rastreamento não muda há cinco dias. Gostaria de receber o reembolso, por favor.",
        "Em qua., 10 de dez. de 2025 às 12:00, Acme Support <{seller}> escreveu:",
        "Verificamos com a transportadora, o seu pacote está a caminho.",
    ),
    "ko": (
        "euc-kr",
        "base64",
        "주문한 상품이 아직 도착하지 않았습니다",
        "안녕하세요. 2주 전에 램프를 주문했는데 아직 도착하지 않았습니다. 제 소포가 어디에 있는지 확인해 주시겠어요?",
        "답변 감사합니다. 하지만 배송 조회가 5일 동안 바뀌지 않았습니다. 환불해 주시기 바랍니다.",
        "2025년 12월 10일 (수) 오후 12:00, Acme Support <{seller}>님이 작성:",
        "택배사에 확인했습니다. 고객님의 소포는 배송 중입니다.",
    ),
    "nl": (
        "windows-1252",
        "quoted-printable",
        "Waar blijft mijn bestelling?",
        "Goedendag, ik heb twee weken geleden een lamp besteld en die is nog steeds niet aangekomen. Kunt u nagaan waar mijn pakket is?",
        "Bedankt voor het antwoord, maar de track-and-trace is al vijf dagen niet veranderd. Ik wil graag mijn geld terug.",
        "Op wo 10 dec. 2025 om 12:00 schreef Acme Support <{seller}>:",
        "We hebben bij de vervoerder nagevraagd, uw pakket is onderweg.",
    ),
    "pl": (
        "iso-8859-2",
        "quoted-printable",
        "Gdzie jest moja przesyłka?",
        "Dzień dobry, zamówiłem lampę dwa tygodnie temu i nadal nie dotarła. Czy mogą Państwo sprawdzić, gdzie jest moja paczka?",
        "Dziękuję za odpowiedź, ale śledzenie przesyłki nie zmieniło się od pięciu dni. Proszę o zwrot pieniędzy.",
        "W dniu 10.12.2025 o 12:00, Acme Support <{seller}> napisał:",
        "Sprawdziliśmy u przewoźnika, Państwa paczka jest w drodze.",
    ),
    "tr": (
        "windows-1254",
        "quoted-printable",
        "Siparişim nerede?",
        "Merhaba, iki hafta önce bir lamba sipariş ettim ve hâlâ gelmedi. Paketimin nerede olduğunu kontrol edebilir misiniz lütfen?",
        "Cevabınız için teşekkürler, ancak kargo takibi beş gündür değişmedi. Lütfen paramı iade edin.",
        "10 Ara 2025 Çar, saat 12:00 tarihinde Acme Support <{seller}> şunu yazdı:",
        "Kargo firmasıyla görüştük, paketiniz yolda.",
    ),
    "ar": (
        "windows-1256",
        "base64",
        "أين طلبي؟",
        "مرحبا، لقد طلبت مصباحا منذ أسبوعين ولم يصل حتى الآن. هل يمكنكم التحقق من مكان الطرد من فضلكم؟",
        "شكرا على الرد، لكن تتبع الشحنة لم يتغير منذ خمسة أيام. أرجو استرداد المبلغ.",
        "في الأربعاء، 10 ديسمبر 2025، 12:00 كتب Acme Support <{seller}>:",
        "لقد تحققنا مع شركة الشحن، طردك في الطريق.",
    ),
}

# Which shop each language's thread arrives at, and how it is addressed.
AMAZON_LANGS = ("en", "de", "fr", "es", "it", "ja", "pl", "nl", "tr")
SHOPIFY_LANGS = ("pt", "ko", "zh", "ar")


def _message(
    *,
    sender: str,
    subject: str,
    body: str,
    charset: str,
    cte: str,
    mid: str,
    when: datetime,
    in_reply_to: str = "",
    references: str = "",
    to: str = SELLER,
    html: bool = False,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{mid}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        msg["References"] = references
    subtype = "html" if html else "plain"
    msg.set_content(body, subtype=subtype, charset=charset, cte=cte)
    return msg


def _amazon_wrap(words: str, order: str) -> str:
    return (
        f"Order ID: {order}\n1 of Lamp, Brass\n\n------------- Begin message -------------\n\n{words}\n\n"
        "------------- End message -------------\n\nFor Your Information: To help arbitrate disputes and "
        "preserve trust and safety, we retain all messages buyers and sellers send through Amazon.com.\n"
    )


def corpus() -> list[Mail]:
    mails: list[Mail] = []
    for i, (lang, (charset, cte, subject, first, follow, attribution, seller_text)) in enumerate(
        LANGS.items()
    ):
        amazon = lang in AMAZON_LANGS
        when = T0.replace(hour=9 + i % 8, minute=i)
        mid1 = f"{lang}-1.{i}@buyer.example"
        mid_seller = f"{lang}-seller.{i}@acme-shop.example"
        mid2 = f"{lang}-2.{i}@buyer.example"
        if amazon:
            sender = f"Buyer {lang.upper()} <{lang}x{i}r7kq2@marketplace.amazon.de>"
            order = AMAZON_ORDER if lang == "en" else (AMAZON_ORDER_2 if lang == "de" else "")
            body1 = _amazon_wrap(first, order or f"405-00000{i:02d}-00000{i:02d}")
            subj1 = f"{subject} (Order: {order or f'405-00000{i:02d}-00000{i:02d}'})"
        else:
            sender = f"Buyer {lang.upper()} <buyer.{lang}@example.net>"
            order = SHOPIFY_ORDER if lang == "pt" else ""
            body1 = first + (f"\n\nOrder #{SHOPIFY_ORDER}" if order else "")
            subj1 = subject
        html = lang == "fr"
        if html:
            body1 = (
                f"<html><body><p>{first}</p><table><tr><td>Lampe</td><td>1</td></tr></table></body></html>"
            )
        msg1 = _message(
            sender=sender, subject=subj1, body=body1, charset=charset, cte=cte, mid=mid1, when=when, html=html
        )
        attach = 0
        if lang in ("de", "ja", "pt"):
            msg1.add_attachment(
                jpeg(4096, seed=i), maintype="image", subtype="jpeg", filename=f"damage-{lang}.jpg"
            )
            attach = 1
        mails.append(
            Mail(
                f"{lang}-1",
                bytes(msg1),
                thread=lang,
                language=lang,
                words=first,
                order=order,
                attachments=attach,
                shop="amazon" if amazon else "shopify",
            )
        )
        quoted = "\n".join(f"> {line}" for line in [seller_text, "", "> " + first])
        body2 = f"{follow}\n\n{attribution.format(seller=SELLER)}\n{quoted}\n"
        prefix = {
            "de": "AW: ",
            "fr": "RE : ",
            "it": "R: ",
            "ja": "Re: ",
            "zh": "回复：",
            "nl": "Antw: ",
            "pl": "Odp: ",
            "tr": "YNT: ",
        }.get(lang, "Re: ")
        when2 = when.replace(day=12)
        if lang == "es":  # threaded by sender and subject only: no references, no order number
            msg2 = _message(
                sender=sender,
                subject=prefix + subj1,
                body=body2,
                charset=charset,
                cte=cte,
                mid=mid2,
                when=when2,
            )
        elif lang == "pt":  # threaded by the order number only
            msg2 = _message(
                sender=sender,
                subject=f"Pedido #{SHOPIFY_ORDER}",
                body=body2,
                charset=charset,
                cte=cte,
                mid=mid2,
                when=when2,
            )
        else:
            msg2 = _message(
                sender=sender,
                subject=prefix + subj1,
                body=body2,
                charset=charset,
                cte=cte,
                mid=mid2,
                when=when2,
                in_reply_to=mid_seller,
                references=f"<{mid1}> <{mid_seller}>",
            )
        if lang == "ko":
            msg2.add_attachment(png(3, 3, seed=i), maintype="image", subtype="png", filename="사진.png")
        mails.append(
            Mail(
                f"{lang}-2",
                bytes(msg2),
                thread=lang,
                language=lang,
                words=follow,
                quoted=seller_text,
                order=order,
                attachments=1 if lang == "ko" else 0,
                shop="amazon" if amazon else "shopify",
            )
        )
    mails.extend(_noise())
    return mails


def _noise() -> list[Mail]:
    out: list[Mail] = []
    when = T0.replace(day=13)
    auto = _message(
        sender="Buyer EN <enx0r7kq2@marketplace.amazon.de>",
        subject="Automatic reply: Where is my parcel?",
        body="I am away until January and will answer when I am back.",
        charset="utf-8",
        cte="7bit",
        mid="auto.1@buyer.example",
        when=when,
        in_reply_to="en-1.0@buyer.example",
    )
    auto["Auto-Submitted"] = "auto-replied"
    out.append(Mail("autoreply", bytes(auto), kind="autoreply", thread="en"))
    ooo = _message(
        sender="Buyer X <buyer.x@example.net>",
        subject="Out of office",
        body="Out of office.",
        charset="utf-8",
        cte="7bit",
        mid="ooo.1@buyer.example",
        when=when,
    )
    ooo["X-Autoreply"] = "yes"
    out.append(Mail("x-autoreply", bytes(ooo), kind="autoreply", shop="shopify"))
    bulk = _message(
        sender="news@carrier.example",
        subject="Our holiday offers",
        body="Big discounts!",
        charset="utf-8",
        cte="7bit",
        mid="bulk.1@carrier.example",
        when=when,
    )
    bulk["Precedence"] = "bulk"
    bulk["List-Unsubscribe"] = "<mailto:unsubscribe@carrier.example>"
    out.append(Mail("bulk", bytes(bulk), kind="bulk", shop="shopify"))
    dsn = EmailMessage()
    dsn["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example>"
    dsn["To"] = SELLER
    dsn["Subject"] = "Undelivered Mail Returned to Sender"
    dsn["Date"] = format_datetime(when)
    dsn["Message-ID"] = "<dsn.1@mx.example>"
    dsn.set_content("This is the mail system. Your message could not be delivered.")
    dsn.make_mixed()
    dsn.replace_header("Content-Type", 'multipart/report; report-type=delivery-status; boundary="==dsn=="')
    out.append(Mail("bounce", bytes(dsn), kind="bounce", shop="shopify"))
    undeliverable = _message(
        sender="Amazon <donotreply@amazon.de>",
        subject="Your e-mail to buyer could not be delivered",
        body=f"Your message regarding order {AMAZON_ORDER} could not be delivered to the buyer.",
        charset="utf-8",
        cte="7bit",
        mid="undeliv.1@amazon.de",
        when=when,
    )
    out.append(Mail("undeliverable", bytes(undeliverable), kind="undeliverable", thread="en"))
    broken = (
        b"From: Broken Client <broken@example.org>\r\nTo: "
        + SELLER.encode()
        + b"\r\nSubject: Photo of the damage\r\n"
        b"Date: Sat, 13 Dec 2025 10:00:00 +0000\r\nMessage-ID: <broken.1@example.org>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="missing-boundary"\r\n\r\n'
        b"The lamp arrived broken, the glass is shattered. I want a replacement.\r\n"
        b"--wrong-boundary\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n"
    )
    out.append(
        Mail(
            "malformed",
            broken,
            kind="malformed",
            thread="broken",
            words="The lamp arrived broken",
            shop="shopify",
        )
    )
    return out


def write(folder: str) -> None:
    """Write the corpus as .eml files, one folder per shop (``python -m tests.mail.corpus DIR``)."""
    from pathlib import Path

    for mail in corpus():
        target = Path(folder) / mail.shop
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{mail.name}.eml").write_bytes(mail.raw)


if __name__ == "__main__":
    import sys

    write(sys.argv[1] if len(sys.argv) > 1 else "mail-corpus")
