"""Normalising the contact details that tie one buyer's platform accounts together."""

from __future__ import annotations

import phonenumbers

# Marketplaces hand out relay addresses per order (Amazon's marketplace.amazon.*, eBay's members.ebay.*):
# the same buyer gets a new one each time, so they never identify a person across orders.
_RELAY_DOMAINS = ("marketplace.amazon.", "members.ebay.", "relay.shopee.")


def normalise_email(email: str) -> str:
    """Lower-case, trimmed; ``""`` for empty, malformed or platform relay addresses."""
    email = (email or "").strip().lower()
    if email.count("@") != 1:
        return ""
    local, domain = email.split("@")
    if not local or "." not in domain or any(domain.startswith(r) for r in _RELAY_DOMAINS):
        return ""
    return email


def normalise_phone(phone: str, country: str = "") -> str:
    """E.164 (``+4915123456789``) when the number parses as valid for ``country``; else ``""``."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    try:
        parsed = phonenumbers.parse(phone, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
