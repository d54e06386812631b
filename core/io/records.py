"""The JSON Lines record types and their checks (docs/import-format.md).

Records refer to each other the way a marketplace export does: by platform, the shop's external id and
the platform's own ids, never by desk row ids, so a file made on one desk imports into any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from crossdesk.models import TicketStatus
from crossdesk.store.values import MAX_MINOR, iso_currencies

RECORD_TYPES = ("shop", "customer", "order", "message", "ticket")

#: Times a record may carry: from 1970 to the end of 2099. Outside that range a time is a broken export
#: (milliseconds for seconds, a sign error), and one such row would stop every later export of the desk.
MIN_TIME = 0
MAX_TIME = 4_102_444_800  # 2100-01-01T00:00:00Z


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


def message_body(record: Mapping[str, Any]) -> str:
    """A message's body: a string, as it came (the intake cleans and limits it)."""
    value = record.get("body")
    if not isinstance(value, str):
        raise RecordError(
            "field 'body' is missing"
            if value is None
            else f"field 'body' must be a string, not a {type(value).__name__}"
        )
    return value


def ticket_state(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ticket state a ticket record restores: its status (as a number) and subject, when given."""
    state: dict[str, Any] = {}
    if record.get("status") is not None:
        try:
            state["status"] = int(TicketStatus.parse(text(record, "status")))
        except ValueError as exc:
            raise RecordError(str(exc)) from None
    if record.get("subject") is not None:
        state["subject"] = text(record, "subject")
    return state


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
    return time_value(key, value)


def time_value(key: str, value: Any) -> int:
    """The epoch seconds of field ``key``'s ``value`` (not None), as :func:`timestamp` reads it."""
    if isinstance(value, bool):
        raise RecordError(f"field {key!r} must be a time, not a boolean")
    if isinstance(value, int):
        return _in_range(key, value)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise RecordError(f"field {key!r} is not an ISO 8601 time: {value[:40]!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        try:
            return _in_range(key, int(parsed.timestamp()))
        except OverflowError:
            raise RecordError(f"field {key!r} is out of range: {value[:40]!r}") from None
    raise RecordError(
        f"field {key!r} must be a time (ISO 8601 text or epoch seconds), not {type_name(value)}"
    )


def _in_range(key: str, epoch: int) -> int:
    if not MIN_TIME <= epoch < MAX_TIME:
        raise RecordError(
            f"field {key!r} is {epoch} seconds since 1970, outside 1970-2099 (milliseconds for seconds?)"
        )
    return epoch


def amount(record: Mapping[str, Any], key: str, *, required: bool = False) -> int | None:
    """An amount in minor units: a whole number from 0 to :data:`MAX_MINOR`."""
    value = integer(record, key, required=required)
    if value is None:
        return None
    if value < 0:
        raise RecordError(f"field {key!r} is negative ({value}); amounts are 0 or more")
    if value > MAX_MINOR:
        raise RecordError(f"field {key!r} is too large ({str(value)[:30]}...; at most {MAX_MINOR})")
    return value


def quantity(record: Mapping[str, Any], key: str) -> int:
    value = integer(record, key, default=1)
    assert value is not None
    if value < 1:
        raise RecordError(f"quantity {value}; it must be positive")
    if value > MAX_QUANTITY:
        raise RecordError(f"quantity {str(value)[:30]} is above {MAX_QUANTITY:,}")
    return value


#: The most units one order line may hold.
MAX_QUANTITY = 1_000_000


def currency(record: Mapping[str, Any], key: str, *, required: bool = False, default: str = "") -> str:
    """An ISO 4217 currency code (babel's list of them), in capitals."""
    code = text(record, key, required=required, default=default)
    if not code and not required:
        return code
    if code not in iso_currencies():
        raise RecordError(f"{code[:20]!r} is not an ISO 4217 currency code")
    return code


def line_total(lines: list[dict], total: int | None) -> None:
    """Refuse an order whose lines (price x quantity, and their sum) or total pass :data:`MAX_MINOR`."""
    sum_ = 0
    for i, line in enumerate(lines, 1):
        product = line["unit_price_minor"] * line["quantity"]
        if product > MAX_MINOR:
            raise RecordError(f"order line {i}: price x quantity is too large (at most {MAX_MINOR})")
        sum_ += product
    if sum_ > MAX_MINOR and total is None:
        raise RecordError(f"the sum of the order lines is too large (at most {MAX_MINOR})")


def order_lines(record: Mapping[str, Any]) -> list[dict]:
    """The checked lines of an order record, each with its delivery time (the order's where a line has
    none) and their sum checked against ``total_minor`` (:func:`line_total`)."""
    raw_lines = record.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise RecordError("field 'lines' must be a non-empty list of order lines")
    delivered = timestamp(record, "delivered_at")
    lines = []
    for i, line in enumerate(raw_lines, 1):
        if not isinstance(line, dict):
            raise RecordError(f"order line {i} must be an object")
        try:
            lines.append(
                line_row(
                    i,
                    text(line, "external_id"),
                    text(line, "sku", required=True),
                    text(line, "title"),
                    quantity(line, "quantity"),
                    amount(line, "unit_price_minor", required=True),
                    timestamp(line, "delivered_at"),
                )
            )
        except RecordError as exc:
            raise RecordError(f"order line {i}: {exc}") from None
    finish_lines(lines, delivered, amount(record, "total_minor"))
    return lines


def line_row(
    number: int,
    external_id: str,
    sku: str,
    title: str,
    quantity: int,
    unit_price_minor: int,
    delivered_at: int | None,
) -> dict[str, Any]:
    """An order line's row; a line without an id of its own takes its number on the order."""
    return {
        "external_id": external_id or str(number),
        "sku": sku,
        "title": title,
        "quantity": quantity,
        "unit_price_minor": unit_price_minor,
        "delivered_at": delivered_at,
    }


def finish_lines(lines: list[dict], delivered: int | None, total: int | None) -> None:
    """A line without its own delivery time takes the order's; then the sums are checked (:func:`line_total`)."""
    for line in lines:
        if line["delivered_at"] is None:
            line["delivered_at"] = delivered
    line_total(lines, total)


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


def iso(epoch: int | None) -> str | int | None:
    """Epoch seconds as the ISO 8601 UTC text the export writes; a time no calendar date can show (a
    desk that took one before import refused them) stays the number, so the export of the desk goes on
    and an import names that line."""
    if epoch is None:
        return None
    try:
        return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return epoch


def type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
    }.get(type(value), type(value).__name__)
