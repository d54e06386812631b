"""Amazon's rules for buyer-seller messages, checked before a reply leaves by mail.

Amazon refuses (and may penalise) messages with links other than those needed to complete the order,
marketing or promotion, requests for positive reviews or to change or remove feedback, e-mail addresses and phone numbers, and
attachments of other types or larger than it accepts. The lint returns the problems in plain words; a
reply with any is not sent (the outbox item fails with them) so an agent can rewrite it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crossdesk.templates.lint import lint_text

#: what Amazon's buyer-seller messaging accepts as attachments, and the size limit of one
AMAZON_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "application/pdf", "text/plain"})
AMAZON_MAX_BYTES = 10 * 1024 * 1024

_LINK = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>]+")
_ALLOWED_LINK = re.compile(r"(?i)^(?:https?://)?(?:www\.)?[\w.-]*amazon\.[a-z.]+(?:/|$)")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_PHONE = re.compile(r"(?<!\d)\+?\d[\d \-/().]{8,}\d(?!\d)")
_MARKETING = re.compile(
    r"(?i)\b(discount code|coupon|promo(?:tion)? code|our new (?:products?|collection)|newsletter|"
    r"follow us|visit our (?:shop|store|website)|buy (?:again|more) from us|% off|sale ends|"
    r"positive (?:review|feedback)|5[- ]star|five[- ]star|leave (?:us )?a (?:good )?review|"
    r"gutschein|rabattcode|bewertung mit 5|code promo|réduction exclusive|codice sconto|cupón de descuento)"
)
_ORDER_NUMBER = re.compile(r"\d{3}-\d{7}-\d{7}")


def lint_amazon(body: str, attachments: Iterable[tuple[str, str, int]] = ()) -> list[str]:
    """Problems that would make Amazon refuse the message: ``attachments`` are (name, type, size)."""
    problems = []
    for link in _LINK.findall(body):
        if not _ALLOWED_LINK.match(link):
            problems.append(f"link {link} (Amazon allows only links needed to complete the order)")
    for address in _EMAIL.findall(body):
        problems.append(f"e-mail address {address} (Amazon removes them)")
    for phone in _PHONE.findall(_ORDER_NUMBER.sub("", body)):
        problems.append(f"phone number {phone.strip()} (not allowed in buyer messages)")
    for match in _MARKETING.findall(body):
        problems.append(f"marketing or review request: {match!r}")
    for finding in lint_text(body, ["amazon"]):
        if finding.code == "feedback_change":
            problems.append(f"asks the buyer to change or remove feedback (Amazon forbids it): {finding.excerpt!r}")
    for name, kind, size in attachments:
        if kind not in AMAZON_TYPES:
            problems.append(f"attachment {name}: type {kind or 'unknown'} is not accepted by Amazon")
        if size > AMAZON_MAX_BYTES:
            problems.append(
                f"attachment {name}: {size:,} bytes is over Amazon's {AMAZON_MAX_BYTES:,}-byte limit"
            )
    return problems
