"""Preparing an import's lines: parsing and checking each record, which needs no database.

One implementation for both paths of :mod:`crossdesk.io.importer`: a small file (or a stream) is prepared
in the importing process itself; a large file is prepared by :class:`Preparer`, one worker process that
runs one chunk of lines ahead of the writer, so that parsing and checking the next batch uses the second
core while the importing process writes the current one.

A check leaves the shop unresolved: shops can be created by earlier lines of the same file, applied by
the importing process as they come, so only that process knows them. It resolves the shop from the
``(platform, shop)`` a check hands back (:meth:`crossdesk.io.importer.Importer.shop_id`) and sets the
row's ``shop_id``; an unknown shop is reported before any other fault of the line, as the one-record
path does.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any

import orjson

from crossdesk.errors import DeskError
from crossdesk.io.records import (
    RECORD_TYPES,
    RecordError,
    amount,
    currency,
    integer,
    order_lines,
    strings,
    text,
    timestamp,
)
from crossdesk.models import TicketStatus

#: How much lower than the importing process the worker runs (``os.nice``).
NICENESS = 10
#: What a line's failure may raise; anything else stops the import.
LINE_ERRORS = (RecordError, DeskError, ValueError, TypeError, KeyError, OverflowError)

#: A checked record: ``(type, platform, shop, row, error)``. ``platform`` and ``shop`` are None when the
#: record's own platform or shop field is at fault; ``row`` is None when ``error`` says what is wrong.
Checked = tuple[str, str | None, str | None, dict | None, str | None]
#: A prepared line: ``("bad", reason)`` for a line that is no record, ``("shop", record)`` for a shop
#: (applied on its own by the importing process), ``("record", record or None, checked or None)``
#: otherwise. The worker leaves the record out (the importing process parses the line again only when
#: a batch falls back to the one-record path); ``checked`` is None when the check raised something no
#: line should, so that the importing process runs it again and fails as the check would there.
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
    fields = ("name", "email", "phone", "country", "region", "language", "handle")
    return {
        "platform": platform,
        "shop_id": None,
        "external_id": ext,
        "tier": tier,
        **{f: text(record, f) for f in fields},
    }


def check_order(record: dict, platform: str) -> dict:
    """The order's row and its lines' rows as ``OrderService.upsert`` would store them: the checks of
    :func:`~crossdesk.io.records.order_lines` are those of the service (quantity at least 1, price and
    total from 0 to ``MAX_MINOR``, a SKU, an ISO currency), so ``desk.intake.orders`` takes the row as
    checked. The ids and SKU are trimmed and the status defaults as the service does."""
    ext = text(record, "external_id", required=True).strip()
    code = currency(record, "currency", required=True)
    lines = order_lines(record)
    total = amount(record, "total_minor")
    if total is None:
        total = sum(x["quantity"] * x["unit_price_minor"] for x in lines)
    for line in lines:
        line["sku"] = line["sku"].strip()
        line["currency"] = code
    return {
        "platform": platform,
        "shop_id": None,
        "external_id": ext,
        "customer_id": None,
        "status": text(record, "status") or "paid",
        "currency": code,
        "total_minor": total,
        "ordered_at": timestamp(record, "ordered_at", required=True),
        "shipped_at": timestamp(record, "shipped_at"),
        "delivered_at": timestamp(record, "delivered_at"),
        "tracking_number": text(record, "tracking_number"),
        "carrier": text(record, "carrier"),
        "country": text(record, "country").upper(),
        "region": text(record, "region").upper(),
        "lines": lines,
        "customer": text(record, "customer"),
    }


def check_message(record: dict, platform: str) -> dict:
    ext = text(record, "external_id", required=True)
    thread = text(record, "thread_id", required=True)
    direction = text(record, "direction", default="in")
    if direction not in ("in", "out", "note"):
        raise RecordError(f"direction must be in, out or note, not {direction!r}")
    body = record.get("body")
    if not isinstance(body, str):
        raise RecordError(
            "field 'body' is missing"
            if body is None
            else f"field 'body' must be a string, not a {type(body).__name__}"
        )
    row = {
        "type": "message",
        "platform": platform,
        "shop_id": None,
        "thread_id": thread,
        "external_id": ext,
        "direction": direction,
        "body": body,
        "created_at": timestamp(record, "created_at", required=True),
        "language": text(record, "language"),
        "author": text(record, "author"),
        "channel": text(record, "channel"),
        "attachments": record.get("attachments") or [],
    }
    if not isinstance(row["attachments"], list):
        raise RecordError("field 'attachments' must be a list")
    if direction == "in":
        row.update(
            customer=text(record, "customer"),
            order=text(record, "order"),
            subject=text(record, "subject"),
        )
    else:
        row["translation"] = text(record, "translation")
    return row


def check_ticket(record: dict, platform: str) -> dict:
    row: dict[str, Any] = {
        "type": "ticket",
        "platform": platform,
        "shop_id": None,
        "thread_id": text(record, "thread_id", required=True),
    }
    if record.get("status") is not None:
        try:
            row["status"] = int(TicketStatus.parse(text(record, "status")))
        except ValueError as exc:
            raise RecordError(str(exc)) from None
    if record.get("subject") is not None:
        row["subject"] = text(record, "subject")
    row["tags"] = strings(record, "tags")
    return row


_CHECKS = {
    "customer": check_customer,
    "order": check_order,
    "message": check_message,
    "ticket": check_ticket,
}


def prepare_lines(lines: Iterable[bytes], *, keep_records: bool = True) -> list[Prepared]:
    """Each line parsed and, unless a shop, checked (see :data:`Prepared`)."""
    out: list[Prepared] = []
    for line in lines:
        try:
            record = parse_line(line)
        except RecordError as exc:
            what = describe(line)
            out.append(("bad", f"{what}{exc}" if what else str(exc)))
            continue
        if record["type"] == "shop":
            out.append(("shop", record))
            continue
        try:
            checked: Checked | None = check(record)
        except Exception:  # checked again by the importing process, which fails as today
            checked = None
        out.append(("record", record if keep_records else None, checked))
    return out


# ---- the worker process ---------------------------------------------------------------------------------


class WorkerFailed(RuntimeError):
    """The worker process failed on a chunk, or died."""


def can_fork() -> bool:
    """Whether a worker can be started: by ``fork``, and only while this process runs a single thread (a
    forked child could inherit a lock another thread holds)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


class Preparer:
    """One worker process preparing chunks of lines one chunk ahead of the caller.

    Forked (:func:`can_fork`): it starts in a few milliseconds with nothing to import, where ``spawn``
    would start an interpreter that imports the package (a second or more here) and runs the caller's
    main module again. The child never touches the desk: it reads lines from its pipe and writes prepared
    chunks back. It ends when the pipe closes: at the end of the import, on any error of the import
    (:meth:`close` terminates it), and when the importing process is killed (the pipe's end is gone).
    """

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_serve, args=(child, self.conn), name="crossdesk-import-prepare", daemon=True
        )
        # The child must not collect (and so close) anything of the parent's, its desk connection above
        # all: frozen objects are left alone by the child's garbage collector. They stay frozen in the
        # parent too until the worker ends: a collection writes to the header of every object it scans,
        # which would copy each page of the heap the two processes share.
        gc.freeze()
        self._frozen = True
        try:
            self.process.start()
        except BaseException:
            self._thaw()
            raise
        child.close()

    def _thaw(self) -> None:
        if self._frozen:
            self._frozen = False
            gc.unfreeze()

    def prepared(self, chunks: Iterable[list[bytes]]) -> Iterator[list[Prepared]]:
        """The prepared lines of each chunk, in order; the next chunk is prepared while the caller works
        on this one. The first chunk is sent at once, the others as the caller takes each result: one
        chunk in flight, so the worker is waiting on its pipe whenever a chunk is sent."""
        it = iter(chunks)
        current = next(it, None)
        if current is not None:
            self._send(current)
        return self._results(it, current is not None)

    def _results(self, it: Iterator[list[bytes]], sent: bool) -> Iterator[list[Prepared]]:
        while sent:
            results = self._receive()
            following = next(it, None)
            sent = following is not None
            if sent:
                self._send(following)  # type: ignore[arg-type]
            yield results

    def _send(self, lines: list[bytes]) -> None:
        self.conn.send_bytes(pickle.dumps(lines, pickle.HIGHEST_PROTOCOL))

    def _receive(self) -> list[Prepared]:
        try:
            data = self.conn.recv_bytes()
        except (EOFError, OSError) as exc:
            raise WorkerFailed(f"the import's worker process ended unexpectedly ({exc!r})") from None
        if data[:1] == _FAILED:
            raise WorkerFailed(f"the import's worker process failed:\n{data[1:].decode(errors='replace')}")
        # Tens of thousands of new dicts and lists would run the garbage collector over this process's
        # whole heap several times per chunk (it dominated the decoding); what is decoded holds no cycle.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return orjson.loads(data[1:]) if data[:1] == _JSON else pickle.loads(data[1:])
        finally:
            if collecting:
                gc.enable()

    def close(self, *, terminate: bool = False) -> None:
        """End the worker: at once with ``terminate``, else once it has seen its pipe close."""
        try:
            if terminate and self.process.is_alive():
                self.process.terminate()
            self.conn.close()
            self.process.join(5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
        finally:
            self._thaw()

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close(terminate=kind is not None)


_JSON, _PICKLE, _FAILED = b"J", b"P", b"F"


def _encode(prepared: list[Prepared]) -> bytes:
    """A chunk's prepared lines for the pipe. JSON first: the rows are made of what a JSON line holds, and
    orjson builds them back several times faster than unpickling does, which is this process's share of
    the work. Pickle when JSON cannot hold a value (an integer beyond 64 bits); the lists JSON gives for
    tuples are read the same way."""
    try:
        return _JSON + orjson.dumps(prepared)
    except orjson.JSONEncodeError:
        return _PICKLE + pickle.dumps(prepared, pickle.HIGHEST_PROTOCOL)


def _serve(conn: Connection, parents_end: Connection) -> None:
    """The worker's loop: a pickled chunk of lines in, its prepared lines out, until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importing process's to handle
    # The writer is the import's critical path and this worker has several times the time it needs (a
    # chunk's checks against a batch's write): where cores are scarce, it gives way to the writer.
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    parents_end.close()  # only the parent may hold it, or its death would go unseen here
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            out = _encode(prepare_lines(pickle.loads(data), keep_records=False))
        except Exception:  # reported to the importing process, which stops
            out = _FAILED + traceback.format_exc().encode()
        try:
            conn.send_bytes(out)
        except OSError:
            return


__all__ = [
    "LINE_ERRORS",
    "Checked",
    "Prepared",
    "Preparer",
    "WorkerFailed",
    "can_fork",
    "check",
    "describe",
    "parse_line",
    "prepare_lines",
]
