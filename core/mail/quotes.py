"""The buyer's own words: quoted replies and signatures cut off, in each of our 13 languages.

A reply carries the history below (or, more rarely, above) the new text: ``>`` quoted lines, an
attribution line ("On Mon, 2 Dec 2026, Anna wrote:", "Am ... schrieb ...:", "... 写道："), an Outlook
header block ("From: / Sent:", "Von: / Gesendet:") or an "Original Message" rule; then a signature
("-- ", "Sent from my iPhone" and its translations). :func:`strip_reply` keeps what comes before the
first of those. The full text is never thrown away: the caller keeps the original message.
"""

from __future__ import annotations

import re

# "On <date>, <name> wrote:" in each language (the line may wrap once, so two lines are tried together).
_ATTRIBUTION = re.compile(
    r"(?im)^[ \t]*("
    r"on\b.{0,200}\bwrote:"  # en
    r"|am\b.{0,200}\bschrieb\b.{0,120}:"  # de
    r"|le\b.{0,200}\ba écrit\s?:"  # fr
    r"|el\b.{0,200}\bescribió:"  # es
    r"|il giorno\b.{0,200}\bha scritto:"  # it
    r"|.{0,200}\bha scritto:"  # it (short)
    r"|em\b.{0,200}\bescreveu:"  # pt
    r"|op\b.{0,200}\bschreef\b.{0,120}:"  # nl
    r"|w dniu\b.{0,200}\bnapisał(?:\(a\))?:"  # pl
    r"|.{0,200}\btarihinde\b.{0,200}\byazdı:"  # tr
    r"|.{0,200}(?:のメッセージ|さんは書きました|は書きました|wrote)\s*[:：]"  # ja
    r"|.{0,200}(?:写道|寫道)\s*[:：]"  # zh
    r"|.{0,200}(?:님이 작성|작성했습니다|님이 씀)\s*[:：]?"  # ko
    r"|.{0,200}\bكتب\b.{0,80}[:：]"  # ar
    r"|\d{4}年\d{1,2}月\d{1,2}日.{0,200}[:：]"  # ja, zh (date first)
    r"|.{0,200}<[^<>\s]+@[^<>\s]+>\)?\s*[:：]"  # any language: "... Name <address>:"
    r")[ \t]*$"
)

_ORIGINAL = re.compile(
    r"(?im)^[ \t]*-{2,}\s*("
    r"original message|forwarded message|ursprüngliche nachricht|weitergeleitete nachricht"
    r"|message d'origine|message transféré|mensaje original|mensaje reenviado|messaggio originale"
    r"|messaggio inoltrato|mensagem original|mensagem encaminhada|oorspronkelijk bericht|doorgestuurd bericht"
    r"|wiadomość oryginalna|oryginalna wiadomość|orijinal ileti|özgün ileti|原始邮件|原始郵件|転送メッセージ"
    r"|元のメッセージ|원본 메시지|전달된 메시지|الرسالة الأصلية"
    r")\s*-{2,}[ \t]*$"
)

# An Outlook-style header block: a "From:" line followed within two lines by a "Sent:"/"Date:" line.
_FROM = (
    r"from|von|de|da|van|od|kimden|发件人|寄件者|差出人|보낸 사람|من|remetente|expéditeur|mittente|nadawca"
)
_SENT = (
    r"sent|date|gesendet|datum|envoyé|date d'envoi|enviado|fecha|inviato|data|verzonden|wysłano|"
    r"gönderildi|tarih|发送时间|日期|寄件日期|送信日時|日付|보낸 날짜|날짜|التاريخ|تاريخ|أرسل"
)
_HEADER_BLOCK = re.compile(
    rf"(?im)^[ \t]*\*?(?:{_FROM})\*?\s*[:：].*\n(?:.*\n)?[ \t]*\*?(?:{_SENT})\*?\s*[:：]"
)

_SIGNATURE = re.compile(
    r"(?im)^[ \t]*("
    r"--[ \t]*"
    r"|sent from my \w+.*|get outlook for \w+.*"
    r"|von meinem \w+ gesendet.*|gesendet von meinem \w+.*"
    r"|envoyé de mon \w+.*|enviado desde mi \w+.*|inviato da(?:l mio)? \w+.*|enviado do meu \w+.*"
    r"|verzonden (?:vanaf|met) mijn \w+.*|wysłane z (?:mojego )?\w+.*|\w+'(?:umdan|dan) gönderildi.*"
    r"|iphoneから送信|androidから送信|.{0,20}から送信"
    r"|发自我的\w+|從我的\s?\w+傳送|\w+에서 보냄|أرسلت من .*"
    r")[ \t]*$"
)


def strip_reply(text: str) -> str:
    """The new text of a reply: everything before the quoted history and the signature, trimmed.

    Falls back to the whole text when cutting would leave nothing (a message that is only a quote, or a
    buyer who writes below the quote)."""
    text = text.replace("\r\n", "\n")
    cut = len(text)
    for pattern in (_ATTRIBUTION, _ORIGINAL, _HEADER_BLOCK, _SIGNATURE):
        found = pattern.search(text)
        if found is not None and found.start() < cut:
            cut = found.start()
    head = text[:cut]
    lines = head.split("\n")
    kept = [line for line in lines if not line.lstrip().startswith(">")]
    words = "\n".join(kept).strip()
    if words:
        return re.sub(r"\n{3,}", "\n\n", words)
    # Bottom-posting: the buyer wrote below the quote. Keep the unquoted lines of the whole text.
    unquoted = [
        line
        for line in text.split("\n")
        if not line.lstrip().startswith(">") and not _ATTRIBUTION.match(line)
    ]
    rest = "\n".join(unquoted)
    sig = _SIGNATURE.search(rest)
    if sig is not None:
        rest = rest[: sig.start()]
    return re.sub(r"\n{3,}", "\n\n", rest.strip()) or text.strip()
