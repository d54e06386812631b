"""Checks of the values services are given: one clear line when a required value is missing or malformed."""

from __future__ import annotations

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
    if len(code) != 3 or not code.isalpha():
        raise DeskError(f"{code!r} is not an ISO 4217 currency code")
    return code
