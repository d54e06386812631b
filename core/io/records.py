"""The JSON Lines record types and their checks (docs/import-format.md).

Records refer to each other the way a marketplace export does: by platform, the shop's external id and
the platform's own ids, never by desk row ids, so a file made on one desk imports into any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

RECORD_TYPES = ("shop", "customer", "order", "message", "ticket")


class RecordError(ValueError):
    """A record that cannot be imported; the message says why in one line."""


def text(record: Mapping[str, Any], key: str, *, required: bool = False, default: str = "") -> str:
    """A string field. Platform ids sometimes arrive as JSON numbers (Shopee's shop ids); those are
    accepted as their decimal text. Anything else of the wrong type is an error, not a guess."""
    value = record.get(key)
    if type(value) is str and (not required or value.strip()):  # the common case, checked first
        return value
    if value is None:
        if required:
            raise RecordError(f"field {key!r} is missing")
        return default
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError(f"field {key!r} must be a string, not {type_name(value)}")
    value = str(value)
    if required and not value.strip():
        raise RecordError(f"field {key!r} is empty")
    return value


def integer(
    record: Mapping[str, Any], key: str, *, required: bool = False, default: int | None = None
) -> int | None:
    value = record.get(key)
    if value is None:
        if required:
            raise RecordError(f"field {key!r} is missing")
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"field {key!r} must be an integer, not {type_name(value)}")
    return value


def timestamp(record: Mapping[str, Any], key: str, *, required: bool = False) -> int | None:
    """Epoch seconds, or an ISO 8601 string (``2026-11-20T08:15:00Z``; without an offset it means UTC)."""
    value = record.get(key)
    if value is None:
        if required:
            raise RecordError(f"field {key!r} is missing")
        return None
    if isinstance(value, bool):
        raise RecordError(f"field {key!r} must be a time, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise RecordError(f"field {key!r} is not an ISO 8601 time: {value[:40]!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return int(parsed.timestamp())
    raise RecordError(
        f"field {key!r} must be a time (ISO 8601 text or epoch seconds), not {type_name(value)}"
    )


def strings(record: Mapping[str, Any], key: str) -> list[str]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError(f"field {key!r} must be a list of strings")
    return value


def mapping(record: Mapping[str, Any], key: str) -> dict:
    value = record.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordError(f"field {key!r} must be an object, not {type_name(value)}")
    return value


def iso(epoch: int | None) -> str | None:
    """Epoch seconds as the ISO 8601 UTC text the export writes."""
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
    }.get(type(value), type(value).__name__)
