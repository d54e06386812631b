"""The fast path of an import's checks: a well-formed record decoded by its type in one pass.

An export made by crossdesk (or by a tool that writes the documented format plainly) has every field in
its plain JSON type: text as strings, amounts and counts as integers, times as ISO 8601 strings or epoch
seconds. :func:`check_line` decodes such a line with msgspec straight into one typed struct per record
type (the JSON is parsed and the field types checked in one C pass, with no intermediate dict), then runs
the value checks of :mod:`crossdesk.io.prepare` that types cannot express (non-blank ids, ranges, ISO
currency codes, line totals) and builds the row with the checked path's own builders
(``prepare.customer_row`` and the others), so both paths give rows of the same keys in the same order:
the intake writes the rows of one batch with the columns of its first row.

It only ever accepts: a line it cannot take whole (another JSON type for a field, a null, a value out of
range, a shop record, attachments, invalid JSON or UTF-8, a number past 64 bits) gives None, and the line
takes the checked path of :func:`crossdesk.io.prepare.prepare_line`, which accepts what the format allows
(ids as numbers, nulls for absent fields) and names the fault of a bad line. tests/io/test_wellformed.py
checks that both paths give the same answer for any line.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import msgspec

from crossdesk.io.prepare import Checked, customer_row, message_row, order_row, ticket_row
from crossdesk.io.records import MAX_QUANTITY, finish_lines, line_row, time_value
from crossdesk.models import TicketStatus
from crossdesk.store.values import MAX_MINOR, iso_currencies

Time = str | int
UNSET = msgspec.UNSET


class _Record(msgspec.Struct, tag_field="type"):
    platform: str
    shop: str


class Customer(_Record, tag="customer"):
    external_id: str
    tier: int | None = None
    name: str = ""
    email: str = ""
    phone: str = ""
    country: str = ""
    region: str = ""
    language: str = ""
    handle: str = ""


class Line(msgspec.Struct):
    sku: str
    unit_price_minor: int
    external_id: str = ""
    title: str = ""
    quantity: int = 1
    delivered_at: Time | None = None


class Order(_Record, tag="order"):
    external_id: str
    currency: str
    ordered_at: Time
    lines: list[Line]
    total_minor: int | None = None
    customer: str = ""
    status: str = ""
    shipped_at: Time | None = None
    delivered_at: Time | None = None
    tracking_number: str = ""
    carrier: str = ""
    country: str = ""
    region: str = ""


class Message(_Record, tag="message"):
    thread_id: str
    external_id: str
    body: str
    created_at: Time
    direction: str = "in"
    language: str = ""
    author: str = ""
    channel: str = ""
    attachments: list = []  # msgspec gives each record its own empty list
    customer: str = ""
    order: str = ""
    subject: str = ""
    translation: str = ""


class Ticket(_Record, tag="ticket"):
    thread_id: str
    status: str | msgspec.UnsetType = UNSET
    subject: str | msgspec.UnsetType = UNSET
    tags: list[str] = []


_decode = msgspec.json.Decoder(Customer | Order | Message | Ticket).decode


class _NotPlain(Exception):
    """The record is valid JSON of its type but needs the checked path (a value to check or refuse)."""


def check_line(line: bytes) -> Checked | None:
    """The line's check as :func:`crossdesk.io.prepare.check` gives it for a record it accepts, or None
    when the line must take the checked path."""
    try:
        record = _decode(line)
        if not (record.platform.strip() and record.shop.strip()):
            return None
        platform = record.platform.lower()
        row = _ROWS[type(record)](record, platform)
    except Exception:  # whatever this pass cannot take, the checked path decides (and names its fault)
        return None
    return record.__struct_config__.tag, platform, record.shop, row, None  # type: ignore[return-value]


def _required(value: str) -> str:
    if not value.strip():
        raise _NotPlain
    return value


def _customer(r: Customer, platform: str) -> dict[str, Any]:
    if r.tier is not None and not 0 <= r.tier <= 3:
        raise _NotPlain
    return customer_row(platform, _required(r.external_id), r.tier, partial(getattr, r))


def _time(key: str, value: Time | None) -> int | None:
    return None if value is None else time_value(key, value)


def _order(r: Order, platform: str) -> dict[str, Any]:
    if not r.currency.strip() or r.currency not in iso_currencies() or not r.lines:
        raise _NotPlain
    total = r.total_minor
    if total is not None and not 0 <= total <= MAX_MINOR:
        raise _NotPlain
    lines = []
    for i, x in enumerate(r.lines, 1):
        if not (1 <= x.quantity <= MAX_QUANTITY and 0 <= x.unit_price_minor <= MAX_MINOR):
            raise _NotPlain
        lines.append(
            line_row(
                i,
                x.external_id,
                _required(x.sku),
                x.title,
                x.quantity,
                x.unit_price_minor,
                _time("delivered_at", x.delivered_at),
            )
        )
    delivered = _time("delivered_at", r.delivered_at)
    finish_lines(lines, delivered, total)
    return order_row(
        platform,
        _required(r.external_id),
        r.currency,
        lines,
        total,
        status=r.status,
        ordered_at=time_value("ordered_at", r.ordered_at),
        shipped_at=_time("shipped_at", r.shipped_at),
        delivered_at=delivered,
        tracking_number=r.tracking_number,
        carrier=r.carrier,
        country=r.country,
        region=r.region,
        customer=r.customer,
    )


def _message(r: Message, platform: str) -> dict[str, Any]:
    if r.direction not in ("in", "out", "note") or r.attachments:
        raise _NotPlain  # attachments' metadata is any JSON: read by the checked path, as it comes
    return message_row(
        platform,
        _required(r.thread_id),
        _required(r.external_id),
        r.direction,
        r.body,
        time_value("created_at", r.created_at),
        r.language,
        r.author,
        r.channel,
        [],
        partial(getattr, r),
    )


def _ticket(r: Ticket, platform: str) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if r.status is not UNSET:
        state["status"] = int(TicketStatus.parse(r.status))
    if r.subject is not UNSET:
        state["subject"] = r.subject
    return ticket_row(platform, _required(r.thread_id), state, r.tags)


_ROWS = {Customer: _customer, Order: _order, Message: _message, Ticket: _ticket}

__all__ = ["check_line"]
