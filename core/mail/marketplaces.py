"""What marketplace mail looks like: order numbers, Amazon's relay addresses, wrapper and notices.

Amazon hides the buyer behind a relay address (``x1y2z3@marketplace.amazon.de``) and wraps the buyer's
text in its own template; Shopify forwards contact-form and order mail from the shop's address with the
order name (``#1001``); eBay mail names item numbers (12 digits) and order numbers (``12-34567-89012``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AMAZON_ORDER = re.compile(r"\b(\d{3}-\d{7}-\d{7})\b")
EBAY_ORDER = re.compile(r"\b(\d{2}-\d{5}-\d{5})\b")
EBAY_ITEM = re.compile(
    r"(?i)\b(?:item|artikel|article|articolo|artículo|objet|przedmiot)\s*(?:no\.?|nr\.?|#|number|nummer|numéro|numero|número)?\s*[:：]?\s*(\d{12})\b"
)
SHOPIFY_ORDER = re.compile(r"(?<![\w&])#(\d{4,9})\b")

#: Amazon's relay domains end in one of the marketplaces' domains
_AMAZON_RELAY = re.compile(
    r"(?i)^[^@\s]+@marketplace\.amazon\.(?:com|ca|com\.mx|com\.br|co\.uk|de|fr|it|es|nl|pl|se|com\.tr|ae|sa|eg|in|co\.jp|com\.au|sg|cn)$"
)
_AMAZON_SYSTEM = re.compile(r"(?i)@(?:[\w-]+\.)*amazon\.[a-z.]+$")

_WRAP = re.compile(r"(?m)^[ \t]*-{5,}[ \t]*[^\n-][^\n]*?-{5,}[ \t]*$")

_UNDELIVERABLE = re.compile(
    r"(?i)(could not be delivered|couldn't be delivered|was not delivered|undeliverable|delivery failure"
    r"|nicht zugestellt|konnte nicht zugestellt|n'a pas pu être (?:remis|livré)|non recapitato|non è stato possibile"
    r"recapitare|no se ha podido entregar|no pudo ser entregado|não pôde ser entregue|niet worden bezorgd"
    r"|nie mógł zostać dostarczony|teslim edilemedi|配信できませんでした|未能送达|無法傳送|전달되지 않았습니다"
    r"|تعذر تسليم)"
)
_DELIVERED = re.compile(
    r"(?i)(has been delivered|was delivered|delivery notification|wurde zugestellt|zugestellt:|a été livré"
    r"|è stato consegnato|ha sido entregado|foi entregue|is bezorgd|został dostarczony|teslim edildi"
    r"|配達完了|お届けしました|已送达|已配送|배송 완료|تم التسليم)"
)


@dataclass(frozen=True)
class OrderRef:
    """An order number found in a mail, with the platform whose format it has."""

    platform: str
    number: str


def order_refs(subject: str, body: str, platform: str = "") -> list[OrderRef]:
    """Order numbers in the subject, then the body, in each marketplace's format; the shop's own
    platform first. A Shopify ``#1001`` counts only for a Shopify (or own) shop, where it is the order name."""
    found: list[OrderRef] = []
    for text in (subject, body):
        for m in AMAZON_ORDER.finditer(text):
            found.append(OrderRef("amazon", m.group(1)))
        for m in EBAY_ORDER.finditer(text):
            found.append(OrderRef("ebay", m.group(1)))
        for m in EBAY_ITEM.finditer(text):
            found.append(OrderRef("ebay-item", m.group(1)))
        if platform in ("shopify", "own", ""):
            for m in SHOPIFY_ORDER.finditer(text):
                found.append(OrderRef("shopify", "#" + m.group(1)))
    seen: set[OrderRef] = set()
    unique = [r for r in found if not (r in seen or seen.add(r))]
    return sorted(unique, key=lambda r: r.platform != platform)


def is_amazon_relay(address: str) -> bool:
    """Whether ``address`` is an Amazon buyer relay address."""
    return bool(_AMAZON_RELAY.match(address or ""))


def amazon_notice(sender: str, subject: str, body: str) -> str:
    """``"undeliverable"`` or ``"delivery_notice"`` for Amazon's own mails about a message or parcel
    (from an amazon domain that is not a buyer's relay address), else ``""``."""
    if not sender or not _AMAZON_SYSTEM.search(sender) or is_amazon_relay(sender):
        return ""
    head = f"{subject}\n{body[:2000]}"
    if _UNDELIVERABLE.search(head):
        return "undeliverable"
    if _DELIVERED.search(head):
        return "delivery_notice"
    return ""


def unwrap_amazon(body: str) -> str:
    """The buyer's text inside Amazon's message template (between its two dashed rules), or ``body``
    unchanged when the template is not there."""
    rules = list(_WRAP.finditer(body))
    if len(rules) >= 2:
        inner = body[rules[0].end() : rules[1].start()].strip()
        if inner:
            return inner
    return body
