"""Checks of the values services are given: one clear line when a required value is missing or malformed."""

from __future__ import annotations

from functools import cache
from typing import Any

from crossdesk.errors import DeskError


def required(value: Any, what: str) -> str:
    """``value`` as a trimmed string; :class:`DeskError` naming ``what`` when it is empty."""
    value = (value or "").strip() if isinstance(value, str) else str(value)
    if not value:
        raise DeskError(f"{what} is missing")
    return value


def currency_code(code: str) -> str:
    """An upper-case ISO 4217 code; :class:`DeskError` when ``code`` cannot be one."""
    code = (code or "").strip().upper()
    if len(code) != 3 or code not in iso_currencies():
        raise DeskError(f"{code[:20]!r} is not an ISO 4217 currency code")
    return code


@cache
def iso_currencies() -> frozenset[str]:
    """The ISO 4217 codes, current and historical (babel's CLDR data)."""
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


#: The largest amount in minor units a desk stores (SQLite's largest integer).
MAX_MINOR = 2**63 - 1


def amounts(what: str, lines: list[dict], total: Any) -> int:
    """The total of an order (``total`` when given): :class:`DeskError` when a line's price x quantity,
    their sum or the total is negative or above :data:`MAX_MINOR`, which SQLite cannot hold."""
    sum_ = 0
    for i, line in enumerate(lines, 1):
        product = int(line["quantity"]) * int(line["unit_price_minor"])
        if product > MAX_MINOR:
            raise DeskError(f"{what}: line {i}: price x quantity is above {MAX_MINOR:,}")
        sum_ += product
    value = sum_ if total is None else int(total)
    if value < 0:
        raise DeskError(f"{what}: the total is negative ({value})")
    if value > MAX_MINOR:
        raise DeskError(f"{what}: the total is above {MAX_MINOR:,}")
    return value
