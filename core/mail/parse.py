"""Raw RFC 5322 bytes to a :class:`ParsedMail`: headers, the buyer's text, attachments, and what was wrong.

Parsing never raises on bad input: a message whose MIME structure is broken is read as far as it goes and
comes back with ``defects`` saying what was wrong, so it is stored with a clear note and nothing else is
lost. Text parts are decoded with :mod:`crossdesk.mail.charsets`; an HTML-only message is turned into
text by inscriptis (which keeps paragraphs, lists and table cells readable and runs no script).
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from crossdesk.mail.charsets import decode
from crossdesk.mail.quotes import strip_reply

_MSGID = re.compile(r"<([^<>\s]+)>")
_SUBJECT_PREFIX = re.compile(
    r"(?i)^\s*((re|fw|fwd|aw|wg|tr|rif|r|enc|res|rv|odp|pd|ynt|ilt|回复|回覆|答复|转发|返信|転送|회신|전달|رد)"
    r"\s*(\[\d+\])?\s*[:：]\s*)+"
)

#: defects of the stdlib parser that mean the structure itself is broken (others are cosmetic)
_STRUCTURAL = (
    "StartBoundaryNotFoundDefect",
    "CloseBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "MissingHeaderBodySeparatorDefect",
    "InvalidBase64PaddingDefect",
    "InvalidBase64CharactersDefect",
    "InvalidBase64LengthDefect",
    "NoBoundaryInMultipartDefect",
)


@dataclass
class Part:
    """An attachment (or inline image) as found in the message."""

    filename: str
    declared_type: str
    data: bytes
    inline: bool = False


@dataclass
class ParsedMail:
    raw: bytes
    sha256: str
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    subject: str
    sender: str
    sender_name: str
    to: list[str]
    date: int | None
    text: str  # the whole readable text (plain, or converted from HTML)
    words: str  # the new text of this mail: quoted history and signature cut off
    html_only: bool
    attachments: list[Part]
    message: EmailMessage
    defects: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def malformed(self) -> bool:
        return bool(self.defects)

    @property
    def normalised_subject(self) -> str:
        return normalise_subject(self.subject)


def normalise_subject(subject: str) -> str:
    """The subject without reply and forward prefixes in any of our languages, spaces folded, lowercased."""
    return " ".join(_SUBJECT_PREFIX.sub("", subject or "").split()).casefold()


def message_ids(value: object) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References header, without angle brackets, in order."""
    text = str(value or "")
    ids = _MSGID.findall(text)
    if not ids and text.strip() and " " not in text.strip():
        ids = [text.strip().strip("<>")]
    return ids


def _raw_header(msg: EmailMessage, name: str) -> str:
    """A header's text as stored, unparsed: for ids and dates, which are read by regex and
    ``parsedate_to_datetime`` (the registry's full parse of ids costs more than the rest of a mail)."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return str(value).strip()
    return ""


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a header the policy cannot parse: keep its raw text
        value = msg.get_all(name, [""])[0] if hasattr(msg, "get_all") else ""
    return str(value or "").strip()


def _text_of(part: EmailMessage, charset: str | None, notes: list[str]) -> str:
    try:
        data = part.get_payload(decode=True) or b""
    except Exception as exc:
        notes.append(f"text part unreadable: {exc}")
        return ""
    text, note = decode(data, charset)
    if note:
        notes.append(note)
    return text


def html_to_text(html: str) -> str:
    """Readable text of an HTML body (inscriptis: layout kept, no script run, no network)."""
    from inscriptis import get_text

    try:
        return get_text(html).strip()
    except Exception:  # lxml refuses some broken documents: fall back to dropping the tags
        return re.sub(r"<[^>]+>", " ", html).strip()


def _walk(msg: EmailMessage, notes: list[str]) -> tuple[list[str], list[str], list[Part]]:
    plain: list[str] = []
    html: list[str] = []
    parts: list[Part] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        # Each header is parsed once here (the accessors of EmailMessage parse it again on every call).
        ct = part.get("Content-Type")
        ctype = ct.content_type if ct is not None else part.get_default_type()
        params = dict(ct.params) if ct is not None else {}
        cd = part.get("Content-Disposition")
        disposition = (cd.content_disposition or "").lower() if cd is not None else ""
        filename = str((cd.params.get("filename") if cd is not None else None) or params.get("name") or "")
        if ctype in ("message/delivery-status", "message/rfc822", "text/rfc822-headers"):
            continue
        if ctype.startswith("multipart/"):  # a multipart whose boundary was never found
            payload = part.get_payload()
            text = payload if isinstance(payload, str) else ""
            plain.append(re.split(r"(?m)^--", text, maxsplit=1)[0])
            continue
        if disposition == "attachment" or filename or not ctype.startswith("text/"):
            try:
                data = part.get_payload(decode=True)
            except Exception as exc:
                notes.append(f"attachment {filename or ctype} unreadable: {exc}")
                continue
            if data is None:
                continue
            parts.append(
                Part(filename or f"part.{ctype.split('/')[-1]}", ctype, data, disposition == "inline")
            )
        elif ctype == "text/html":
            html.append(_text_of(part, params.get("charset"), notes))
        else:
            plain.append(_text_of(part, params.get("charset"), notes))
    return plain, html, parts


def parse(raw: bytes) -> ParsedMail:
    """Parse one message. Never raises for bad mail; see ``defects`` and ``notes``."""
    sha = hashlib.sha256(raw).hexdigest()
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    notes: list[str] = []
    defects = sorted(
        {type(d).__name__ for p in msg.walk() for d in p.defects if type(d).__name__ in _STRUCTURAL}
    )
    try:
        plain, html, parts = _walk(msg, notes)
    except Exception as exc:  # the structure is too broken to walk: keep what the top level holds
        defects.append(f"unreadable structure: {type(exc).__name__}")
        payload = msg.get_payload(decode=False)
        plain, html, parts = [payload if isinstance(payload, str) else ""], [], []
    html_only = not any(t.strip() for t in plain) and bool(html)
    text = "\n\n".join(t.strip() for t in plain if t.strip())
    if not text and html:
        text = "\n\n".join(html_to_text(h) for h in html if h.strip())
    mid = message_ids(_raw_header(msg, "Message-ID"))
    date = None
    try:
        raw_date = _raw_header(msg, "Date")
        if raw_date:
            date = int(parsedate_to_datetime(raw_date).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        notes.append("unreadable Date header")
    try:
        (sender_name, sender), *_ = getaddresses([_header(msg, "From")]) or [("", "")]
    except Exception:
        sender_name, sender = "", ""
    to = [a for _, a in getaddresses([_header(msg, "To"), _header(msg, "Cc")]) if a]
    return ParsedMail(
        raw=raw,
        sha256=sha,
        message_id=mid[0] if mid else "",
        in_reply_to=message_ids(_raw_header(msg, "In-Reply-To")),
        references=message_ids(_raw_header(msg, "References")),
        subject=_header(msg, "Subject"),
        sender=sender.strip().lower(),
        sender_name=sender_name.strip(),
        to=[a.strip().lower() for a in to],
        date=date,
        text=text,
        words=strip_reply(text) if text else "",
        html_only=html_only,
        attachments=parts,
        message=msg,
        defects=defects,
        notes=notes,
    )
