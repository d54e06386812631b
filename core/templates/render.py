"""Placeholders, the language fallback chain and locale formatting of template values (Babel)."""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal

from crossdesk.tracking.states import Localized
from crossdesk.tracking.views import PLACEHOLDERS as TRACKING_PLACEHOLDERS

#: Placeholders a template may use, and what fills them from a ticket.
PLACEHOLDERS: dict[str, str] = {
    "buyer_name": "the buyer's name",
    "order_id": "the order number on the platform",
    "tracking_number": "the parcel's tracking number",
    "carrier": "the carrier",
    "item": "the ordered items' titles, as a list in the buyer's language",
    "refund_amount": "the refund of the ticket's latest case (or a value given), as money in the buyer's locale",
    "deadline": "a date given by the caller, or the ticket's latest case refund deadline, in the buyer's locale",
    "agent_name": "the assigned agent, else the agent sending, else the shop's name",
    "shop_name": "the shop's name",
    **TRACKING_PLACEHOLDERS,
}


class Money:
    """An amount in integer minor units with its ISO 4217 currency, for ``refund_amount`` and friends."""

    __slots__ = ("currency", "minor")

    def __init__(self, minor: int, currency: str) -> None:
        self.minor = int(minor)
        self.currency = currency.upper()

    def __repr__(self) -> str:
        return f"Money({self.minor}, {self.currency!r})"


def placeholders(text: str) -> list[str]:
    """Names used in ``text`` (``{buyer_name}``; ``{{`` and ``}}`` are literal braces).

    Raises ValueError for a broken brace, a format spec or an attribute access, which could leak data.
    """
    names = []
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not name or not name.isidentifier():
            raise ValueError(f"placeholder {{{name}}} is not a plain name")
        if spec or conversion:
            raise ValueError(
                f"placeholder {{{name}}} cannot carry a format; values are formatted for the buyer's locale"
            )
        names.append(name)
    return names


def fallback_chain(tag: str) -> list[str]:
    """Variant languages to try for a buyer language, most specific first: ``pt-BR`` -> pt-BR, pt.
    The template's default text comes after the chain."""
    parts = [p for p in tag.replace("_", "-").split("-") if p]
    return ["-".join(parts[:i]) for i in range(len(parts), 0, -1)]


def buyer_locale(language: str, country: str = "") -> Locale:
    """The Babel locale to format values for: language plus the buyer's country when both exist, else
    the language alone, else English."""
    tag = (language or "").replace("-", "_")
    candidates = []
    if tag and "_" not in tag and country:
        candidates.append(f"{tag}_{country.upper()}")
    if tag:
        candidates.append(tag)
        candidates.append(tag.split("_")[0])
    for candidate in candidates:
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en")


def format_value(name: str, value: Any, locale: Locale, minor_digits: int = 2) -> str:
    """A value as the buyer reads it: money and dates per locale, numbers with the locale's separators."""
    if isinstance(value, Localized):  # a text written in each language (tracking states)
        tags = [f"{locale.language}-{locale.territory}"] if locale.territory else []
        return value.pick([*tags, locale.language])
    if isinstance(value, Money):
        amount = Decimal(value.minor) / (Decimal(10) ** minor_digits)
        return format_currency(amount, value.currency, locale=locale)
    if isinstance(value, datetime):
        return format_date(value.date(), format="long", locale=locale)
    if isinstance(value, date):
        return format_date(value, format="long", locale=locale)
    if name == "deadline" and isinstance(value, int | float) and not isinstance(value, bool):
        return format_date(datetime.fromtimestamp(value, UTC).date(), format="long", locale=locale)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return format_decimal(value, locale=locale)
    if isinstance(value, list | tuple):
        return format_list([str(v) for v in value], locale=locale)
    return str(value)


def fill(text: str, values: Mapping[str, str]) -> str:
    """Substitute formatted values; every placeholder must have one (checked by the caller)."""
    return text.format_map(values)
