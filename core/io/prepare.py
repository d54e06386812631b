"""Preparing an import's lines: parsing and checking each record, which needs no database.

:mod:`crossdesk.io.importer` prepares each line as it reads it; :class:`~crossdesk.io.batch.BatchImporter`
writes a batch of prepared lines. A check leaves the shop unresolved: shops can be created by earlier
lines of the same file, applied as they come, so the shop is resolved when the batch is written, from the
``(platform, shop)`` a check hands back (:meth:`crossdesk.io.importer.Importer.shop_id`); an unknown shop
is reported before any other fault of the line, as the one-record path does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson

from crossdesk.errors import DeskError
from crossdesk.io.records import (
    RECORD_TYPES,
    RecordError,
    amount,
    currency,
    integer,
    message_body,
    order_lines,
    strings,
    text,
    ticket_state,
    timestamp,
)

#: What a line's failure may raise; anything else stops the import.
LINE_ERRORS = (RecordError, DeskError, ValueError, TypeError, KeyError, OverflowError)

#: A checked record: ``(type, platform, shop, row, error)``. ``platform`` and ``shop`` are None when the
#: record's own platform or shop field is at fault; ``row`` is None when ``error`` says what is wrong.
Checked = tuple[str, str | None, str | None, dict | None, str | None]
#: A prepared line: ``("bad", reason)`` for a line that is no record, ``("shop", record)`` for a shop
#: (applied on its own as it comes), ``("record", record, checked or None)`` otherwise. ``checked`` is
#: None when the check raised something no line should: the check runs again within the batch's
#: transaction, so that what it raises fails the batch as any fault of its write does (rolled back, then
#: applied line by line or the import stops).
Prepared = tuple[Any, ...]


def parse_line(line: bytes) -> dict:
    """The record on one line, or :class:`RecordError` saying what is wrong with it."""
    try:
        record = orjson.loads(line)  # refuses invalid UTF-8 too: the bytes are checked only then
    except orjson.JSONDecodeError as exc:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise RecordError(
                f"not valid UTF-8 (byte 0x{line[bad.start]:02x} at column {bad.start + 1})"
            ) from None
        raise RecordError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(record, dict):
        raise RecordError("a record must be a JSON object")
    kind = record.get("type")
    if kind not in RECORD_TYPES:
        raise RecordError(
            f"unknown record type {kind!r}; expected one of {', '.join(RECORD_TYPES)}"
            if kind is not None
            else "field 'type' is missing"
        )
    return record


def describe(line: bytes | None) -> str:
    """``"order 302-1234567-7654321: "`` when the line is a readable record, to put the reason in context."""
    if not line:
        return ""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(record, dict):
        return ""
    kind, ext = record.get("type"), record.get("external_id")
    if isinstance(kind, str) and isinstance(ext, str | int) and not isinstance(ext, bool):
        return f"{kind} {ext}: "
    return ""


# ---- the checks of each record type (those of Importer, without touching the desk) ---------------------


def check(record: dict) -> Checked:
    """Check a customer, order, message or ticket record; its row as ``desk.intake`` takes it, with
    ``shop_id`` None until the importing process resolves the shop."""
    kind = record["type"]
    try:
        platform = text(record, "platform", required=True).lower()
        shop = text(record, "shop", required=True)
    except LINE_ERRORS as exc:
        return kind, None, None, None, str(exc)
    try:
        row = _CHECKS[kind](record, platform)
    except LINE_ERRORS as exc:
        return kind, platform, shop, None, str(exc)
    return kind, platform, shop, row, None


def check_customer(record: dict, platform: str) -> dict:
    ext = text(record, "external_id", required=True)
    tier = integer(record, "tier")
    if tier is not None and not 0 <= tier <= 3:
        raise RecordError(f"tier must be 0-3 (new, potential, core, high-value), not {tier}")
    return customer_row(platform, ext, tier, lambda f: text(record, f))


def check_order(record: dict, platform: str) -> dict:
    """The order's row and its lines' rows as ``OrderService.upsert`` would store them: the checks of
    :func:`~crossdesk.io.records.order_lines` are those of the service (quantity at least 1, price and
    total from 0 to ``MAX_MINOR``, a SKU, an ISO currency), so ``desk.intake.orders`` takes the row as
    checked. The ids and SKU are trimmed and the status defaults as the service does."""
    return order_row(
        platform,
        text(record, "external_id", required=True),
        currency(record, "currency", required=True),
        order_lines(record),
        amount(record, "total_minor"),
        status=text(record, "status"),
        ordered_at=timestamp(record, "ordered_at", required=True),
        shipped_at=timestamp(record, "shipped_at"),
        delivered_at=timestamp(record, "delivered_at"),
        tracking_number=text(record, "tracking_number"),
        carrier=text(record, "carrier"),
        country=text(record, "country"),
        region=text(record, "region"),
        customer=text(record, "customer"),
    )


def check_message(record: dict, platform: str) -> dict:
    ext = text(record, "external_id", required=True)
    thread = text(record, "thread_id", required=True)
    direction = text(record, "direction", default="in")
    if direction not in ("in", "out", "note"):
        raise RecordError(f"direction must be in, out or note, not {direction!r}")
    body = message_body(record)
    created = timestamp(record, "created_at", required=True)
    language, author, channel = (text(record, f) for f in ("language", "author", "channel"))
    attachments = record.get("attachments") or []
    if not isinstance(attachments, list):
        raise RecordError("field 'attachments' must be a list")
    return message_row(
        platform, thread, ext, direction, body, created, language, author, channel, attachments,
        lambda f: text(record, f),
    )  # fmt: skip


def check_ticket(record: dict, platform: str) -> dict:
    return ticket_row(
        platform, text(record, "thread_id", required=True), ticket_state(record), strings(record, "tags")
    )


# ---- the rows (one shape for both paths: the intake writes a batch's rows with its first row's columns) ----

#: The text fields of a customer's row, after its id and tier, in the row's order.
CUSTOMER_TEXT = ("name", "email", "phone", "country", "region", "language", "handle")


def customer_row(platform: str, external_id: str, tier: int | None, field: Callable[[str], str]) -> dict:
    """A customer's row; ``field(name)`` gives each of :data:`CUSTOMER_TEXT`."""
    return {
        "platform": platform,
        "shop_id": None,
        "external_id": external_id,
        "tier": tier,
        **{f: field(f) for f in CUSTOMER_TEXT},
    }


def order_row(
    platform: str,
    external_id: str,
    currency: str,
    lines: list[dict],
    total: int | None,
    *,
    status: str,
    ordered_at: int | None,
    shipped_at: int | None,
    delivered_at: int | None,
    tracking_number: str,
    carrier: str,
    country: str,
    region: str,
    customer: str,
) -> dict:
    """An order's row with its lines' rows (``lines``, checked): the id and SKUs trimmed, the total the
    lines' sum when not given, the status "paid" when not given, the country and region in capitals."""
    if total is None:
        total = sum(x["quantity"] * x["unit_price_minor"] for x in lines)
    for line in lines:
        line["sku"] = line["sku"].strip()
        line["currency"] = currency
    return {
        "platform": platform,
        "shop_id": None,
        "external_id": external_id.strip(),
        "customer_id": None,
        "status": status or "paid",
        "currency": currency,
        "total_minor": total,
        "ordered_at": ordered_at,
        "shipped_at": shipped_at,
        "delivered_at": delivered_at,
        "tracking_number": tracking_number,
        "carrier": carrier,
        "country": country.upper(),
        "region": region.upper(),
        "lines": lines,
        "customer": customer,
    }


def message_row(
    platform: str,
    thread_id: str,
    external_id: str,
    direction: str,
    body: str,
    created_at: int | None,
    language: str,
    author: str,
    channel: str,
    attachments: list,
    field: Callable[[str], str],
) -> dict:
    """A message's row; ``field(name)`` gives its direction's own fields (a buyer message's customer,
    order and subject, a reply's or note's translation), asked for only those."""
    row = {
        "type": "message",
        "platform": platform,
        "shop_id": None,
        "thread_id": thread_id,
        "external_id": external_id,
        "direction": direction,
        "body": body,
        "created_at": created_at,
        "language": language,
        "author": author,
        "channel": channel,
        "attachments": attachments,
    }
    row.update(
        {f: field(f) for f in (("customer", "order", "subject") if direction == "in" else ("translation",))}
    )
    return row


def ticket_row(platform: str, thread_id: str, state: dict[str, Any], tags: list[str]) -> dict:
    """A ticket record's row: its thread, the state it restores (status, subject) and its tags."""
    return {
        "type": "ticket",
        "platform": platform,
        "shop_id": None,
        "thread_id": thread_id,
        **state,
        "tags": tags,
    }


_CHECKS = {
    "customer": check_customer,
    "order": check_order,
    "message": check_message,
    "ticket": check_ticket,
}


def prepare_line(line: bytes) -> Prepared:
    """One line parsed and, unless a shop, checked (see :data:`Prepared`)."""
    try:
        record = parse_line(line)
    except RecordError as exc:
        what = describe(line)
        return ("bad", f"{what}{exc}" if what else str(exc))
    if record["type"] == "shop":
        return ("shop", record)
    try:
        checked: Checked | None = check(record)
    except Exception:  # checked again within the batch's transaction (see Prepared)
        checked = None
    return ("record", record, checked)


def prepare_lines(lines: Iterable[bytes]) -> list[Prepared]:
    """Each line prepared by :func:`prepare_line`."""
    return [prepare_line(line) for line in lines]


__all__ = [
    "LINE_ERRORS",
    "Checked",
    "Prepared",
    "check",
    "describe",
    "parse_line",
    "prepare_line",
    "prepare_lines",
]
