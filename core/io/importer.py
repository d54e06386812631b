"""Importing JSON Lines: one record per line, applied in batches through ``desk.intake``.

Each line is checked on its own, so a bad line is reported with its number and the reason and the import
goes on. The good lines of a batch are written set-based (:mod:`crossdesk.io.batch`), one transaction per
batch, so a crash loses at most the two batches read last (one is committed, on a thread, while the
next waits and the one after is read), never a committed one; should a batch fail in a way no check
foresaw, in its write or its commit, it is rolled back and applied line by line through
:class:`Importer` (the one-record path: the desk's service calls, a savepoint per line), which names the
failing line. Records are idempotent by the platform's uniqueness keys, so importing the same file twice
adds nothing. The file is read line by line, never loaded whole; a line longer than
:data:`MAX_LINE_BYTES` is skipped without being held in memory.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from crossdesk.api import Desk, NotFound
from crossdesk.intake.phones import Ahead
from crossdesk.io.batch import BatchImporter
from crossdesk.io.prepare import describe as _describe
from crossdesk.io.prepare import prepare_line
from crossdesk.io.records import (
    RecordError,
    amount,
    currency,
    integer,
    mapping,
    message_body,
    order_lines,
    strings,
    text,
    ticket_state,
    timestamp,
)
from crossdesk.io.wellformed import check_line
from crossdesk.models import Actor, Direction
from crossdesk.store.aside import aside
from crossdesk.store.db import bulk_writes
from crossdesk.tickets import MAX_BODY_CHARS, clean_text

#: Longest line read, in bytes. The largest message the desk accepts (1,000,000 characters) fits with
#: room for JSON escapes; anything longer is not a message but a broken or hostile file.
MAX_LINE_BYTES = 8 * 1024 * 1024
#: Records per batch (one transaction each): ten thousand keep the per-batch lookups and the commits few.
BATCH = 10_000
#: Tables whose secondary indexes an import sets aside while it fills them from empty
#: (:mod:`crossdesk.store.aside`): the intake finds their records by their unique keys alone.
ASIDE = ("tickets", "messages", "orders", "order_lines")


@dataclass
class ImportReport:
    """What an import did: records added, updated and unchanged per type, and the bad lines."""

    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    bad: list[tuple[int, str]] = field(default_factory=list)
    lines: int = 0
    rules_run: int = 0  # arrivals the rules ran on (``run_rules``)

    @property
    def imported(self) -> int:
        """Lines that were applied (added, updated or already there)."""
        return sum(self.added.values()) + sum(self.updated.values()) + sum(self.unchanged.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "added": dict(self.added),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "bad": [{"line": n, "reason": r} for n, r in self.bad],
        }


def read_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None, str | None]]:
    """``(line number, bytes, None)`` per non-blank line, or ``(number, None, reason)`` for a line too
    long to read; CR/LF endings and a leading byte-order mark are dropped."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest without holding it
                line = stream.readline(1 << 20)
            limit = MAX_LINE_BYTES
            size = f"{limit // (1 << 20)} MiB" if limit % (1 << 20) == 0 else f"{limit:,} bytes"
            yield number, None, f"line is longer than {size}"
            continue
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield number, line, None


class Importer:
    """Applies records to a desk as one actor; keeps the lookups of shops it has seen."""

    def __init__(self, desk: Desk, actor: Actor) -> None:
        self.desk = desk
        self.actor = actor
        self._shops: dict[tuple[str, str], int] = {}
        self._raw: dict[tuple[Any, Any], tuple[str, int]] = {}

    # ---- references ----------------------------------------------------------------------------------

    def shop(self, record: dict) -> tuple[str, int]:
        # Every record names its shop: the answer is kept by the raw values as well, so the next record
        # of the shop costs one lookup (only values that passed the checks below are kept).
        raw = (record.get("platform"), record.get("shop"))
        found = self._raw.get(raw)
        if found is not None:
            return found
        platform = text(record, "platform", required=True).lower()
        shop_id = self.shop_id(platform, text(record, "shop", required=True))
        if type(raw[0]) is str and type(raw[1]) is str:
            self._raw[raw] = (platform, shop_id)
        return platform, shop_id

    def known_shop(self, platform: str, ext: str) -> int | None:
        """The desk's id of a shop this importer has looked up or written already, else None."""
        return self._shops.get((platform, ext))

    def shop_id(self, platform: str, ext: str) -> int:
        """The desk's id of the shop ``ext`` on ``platform`` (lower case), or :class:`RecordError`."""
        found = self._shops.get((platform, ext))
        if found is None:
            try:
                found = self._shops[platform, ext] = self.desk.shop_id(platform, ext)
            except NotFound:
                raise RecordError(f"unknown shop {platform}/{ext} (a shop record must come first)") from None
        return found

    def customer_id(self, platform: str, shop_id: int, ext: str) -> int:
        row = self.desk.db.execute(
            "SELECT customer_id FROM customer_identities WHERE platform = ? AND shop_id = ? AND external_id = ?",
            [platform, shop_id, ext],
        ).fetchone()
        if row is None:
            raise RecordError(f"unknown customer {ext!r} on this shop (a customer record must come first)")
        return row[0]

    def order_id(self, platform: str, shop_id: int, ext: str) -> int:
        found = self.desk.order_id(platform, shop_id, ext)
        if found is None:
            raise RecordError(f"unknown order {ext!r} on this shop (an order record must come first)")
        return found

    def ticket_id(self, platform: str, shop_id: int, thread: str) -> int:
        row = self.desk.db.execute(
            "SELECT id FROM tickets WHERE platform = ? AND shop_id = ? AND external_id = ?",
            [platform, shop_id, thread],
        ).fetchone()
        if row is None:
            raise RecordError(f"unknown thread {thread!r} (a conversation starts with a buyer message)")
        return row[0]

    # ---- records -------------------------------------------------------------------------------------

    def apply(self, record: dict) -> str:
        """Apply one record; return "added", "updated" or "unchanged"."""
        handler = getattr(self, f"_{record['type']}")
        audit_before = self._audit_mark()
        existed = handler(record)
        if not existed:
            return "added"
        return "updated" if self._audit_mark() != audit_before else "unchanged"

    def _audit_mark(self) -> int:
        # Every change a service call makes writes an audit row: a new audit row means the line changed
        # something that was already there.
        return self.desk.db.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]

    def _shop(self, record: dict) -> bool:
        platform = text(record, "platform", required=True).lower()
        ext = text(record, "external_id", required=True)
        existed = self._exists("shops", "platform = ? AND external_id = ?", [platform, ext])
        code = currency(record, "currency", default="USD")
        self._shops[platform, ext] = self.desk.upsert_shop(
            self.actor,
            platform=platform,
            external_id=ext,
            name=text(record, "name"),
            country=text(record, "country"),
            currency=code,
            marketplace=text(record, "marketplace"),
            config=mapping(record, "config"),
        )
        return existed

    def _customer(self, record: dict) -> bool:
        platform, shop_id = self.shop(record)
        ext = text(record, "external_id", required=True)
        existed = self._exists(
            "customer_identities",
            "platform = ? AND shop_id = ? AND external_id = ?",
            [platform, shop_id, ext],
        )
        tier = integer(record, "tier")
        if tier is not None and not 0 <= tier <= 3:
            raise RecordError(f"tier must be 0-3 (new, potential, core, high-value), not {tier}")
        self.desk.upsert_customer(
            self.actor,
            platform=platform,
            shop_id=shop_id,
            external_id=ext,
            name=text(record, "name"),
            email=text(record, "email"),
            phone=text(record, "phone"),
            country=text(record, "country"),
            region=text(record, "region"),
            language=text(record, "language"),
            handle=text(record, "handle"),
            tier=tier,
        )
        return existed

    def _order(self, record: dict) -> bool:
        platform, shop_id = self.shop(record)
        ext = text(record, "external_id", required=True)
        existed = self.desk.order_id(platform, shop_id, ext) is not None
        customer = text(record, "customer")
        customer_id = self.customer_id(platform, shop_id, customer) if customer else None
        lines = order_lines(record)
        self.desk.upsert_order(
            self.actor,
            platform=platform,
            shop_id=shop_id,
            external_id=ext,
            customer_id=customer_id,
            currency=currency(record, "currency", required=True),
            ordered_at=timestamp(record, "ordered_at", required=True),
            lines=lines,
            status=text(record, "status") or "paid",
            shipped_at=timestamp(record, "shipped_at"),
            delivered_at=timestamp(record, "delivered_at"),
            tracking_number=text(record, "tracking_number"),
            carrier=text(record, "carrier"),
            country=text(record, "country"),
            region=text(record, "region"),
            total_minor=amount(record, "total_minor"),
        )
        return existed

    def _message(self, record: dict) -> bool:
        platform, shop_id = self.shop(record)
        ext = text(record, "external_id", required=True)
        thread = text(record, "thread_id", required=True)
        direction = text(record, "direction", default="in")
        if direction not in ("in", "out", "note"):
            raise RecordError(f"direction must be in, out or note, not {direction!r}")
        body = message_body(record)
        created = timestamp(record, "created_at", required=True)
        existed = self._exists(
            "messages", "platform = ? AND shop_id = ? AND external_id = ?", [platform, shop_id, ext]
        )
        if existed:
            return True
        if direction != "in":
            self._history(record, platform, shop_id, thread, ext, Direction(direction), body, created)
            return False
        customer = text(record, "customer")
        order = text(record, "order")
        _, message_id, _ = self.desk.receive_message(
            self.actor,
            platform=platform,
            shop_id=shop_id,
            thread_id=thread,
            external_id=ext,
            body=body,
            created_at=created,
            customer_id=self.customer_id(platform, shop_id, customer) if customer else None,
            order_id=self.order_id(platform, shop_id, order) if order else None,
            subject=text(record, "subject"),
            language=text(record, "language"),
            author=text(record, "author"),
        )
        self._channel(record, message_id)
        return False

    def _channel(self, record: dict, message_id: int) -> None:
        """How the message travelled, and the metadata of its attachments (the files themselves stay in
        the ``.files`` folder beside the desk it was exported from)."""
        channel = text(record, "channel")
        attachments = record.get("attachments") or []
        if not isinstance(attachments, list):
            raise RecordError("field 'attachments' must be a list")
        if channel or attachments:
            self.desk.mail.adopt(self.actor, message_id, channel, attachments)

    def _history(
        self,
        record: dict,
        platform: str,
        shop_id: int,
        thread: str,
        ext: str,
        direction: Direction,
        body: str,
        created: int,
    ) -> None:
        """A reply or note that was already sent or written elsewhere: stored on its thread as history.
        Unlike ``Desk.reply`` nothing is queued for sending: the platform has it already."""
        body, _ = clean_text(body)
        if not body.strip():
            raise RecordError("field 'body' is empty")
        if len(body) > MAX_BODY_CHARS:
            raise RecordError(f"message {ext} is {len(body):,} characters; the limit is {MAX_BODY_CHARS:,}")
        ticket_id = self.ticket_id(platform, shop_id, thread)
        desk = self.desk
        with desk.tx():
            row = {
                "ticket_id": ticket_id,
                "platform": platform,
                "shop_id": shop_id,
                "external_id": ext,
                "direction": direction.value,
                "author": text(record, "author"),
                "body": body,
                "language": text(record, "language"),
                "translation": text(record, "translation"),
                "created_at": created,
            }
            message_id = desk.db.execute(
                f"INSERT INTO messages ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            ).lastrowid
            self._channel(record, message_id)
            if direction is Direction.OUT:
                ticket = desk.db.execute(
                    "SELECT first_replied_at, last_agent_msg_at, updated_at FROM tickets WHERE id = ?",
                    [ticket_id],
                ).fetchone()
                patch = {
                    "first_replied_at": created if ticket[0] is None else min(ticket[0], created),
                    "last_agent_msg_at": created if ticket[1] is None else max(ticket[1], created),
                    "updated_at": max(ticket[2], created),
                }
                desk.db.execute(
                    "UPDATE tickets SET first_replied_at = ?, last_agent_msg_at = ?, updated_at = ? WHERE id = ?",
                    [patch["first_replied_at"], patch["last_agent_msg_at"], patch["updated_at"], ticket_id],
                )
            desk.audit(
                self.actor,
                f"ticket.import_{direction.value}",
                "ticket",
                ticket_id,
                None,
                {"message_id": message_id},
            )

    def _ticket(self, record: dict) -> bool:
        platform, shop_id = self.shop(record)
        thread = text(record, "thread_id", required=True)
        ticket_id = self.ticket_id(platform, shop_id, thread)
        changes = ticket_state(record)
        tags = strings(record, "tags")
        if changes:
            # Restoring state, not an agent's action: no ticket_updated event, so no rule fires on history.
            self.desk.update_ticket(self.actor, ticket_id, event=False, **changes)
        if tags:
            self.desk.add_tags(self.actor, ticket_id, tags)
        return True

    def _exists(self, table: str, where: str, args: list) -> bool:
        return self.desk.db.execute(f"SELECT 1 FROM {table} WHERE {where}", args).fetchone() is not None


def import_jsonl(
    desk: Desk,
    actor: Actor,
    source: str | os.PathLike | BinaryIO,
    *,
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
    run_rules: bool = False,
) -> ImportReport:
    """Import a JSON Lines file (path or binary stream) of shop, customer, order, message and ticket
    records. Bad lines are reported in :attr:`ImportReport.bad` as ``(line number, reason)`` and skipped;
    the rest is imported. ``progress(bytes_read, total_bytes)`` is called as the file is read, while a
    batch may still be committing on another thread: it must not use the desk.

    Imported messages are history: no rule runs, so nothing is queued for the buyers. With ``run_rules``
    the rules run once the whole file is in, on the messages it added, in file order, and never on a
    ticket the file leaves solved or closed (:attr:`ImportReport.rules_run` counts the events)."""
    desk.require(actor, "manage_settings")
    # Statuses are restored without events, so the ticket facts go stale: marked before the first batch
    # (a killed import leaves them marked too), refreshed by the next report in one pass rather than per
    # event meanwhile. A bulk load keeps the tiers the file states; `crossdesk customers segment` derives
    # them afterwards.
    with desk.tx():
        desk.store.put_setting("analytics_facts_stale", True)
    with (
        bulk_writes(desk.db),
        aside(desk.db, ASIDE),  # made again, by a sort each, once the file is in
        _collector_paused(),
        desk.segments.paused(),
        desk.analytics.facts.paused(),
        desk.rules.held(keep=run_rules) as arrivals,
        Ahead() as phones,  # buyers' phone numbers, normalised with a worker process as the file is read
    ):
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            with path.open("rb") as stream:
                report = _import(desk, actor, stream, path.stat().st_size, progress, batch, str(path), phones)
        else:
            report = _import(
                desk, actor, source, 0, progress, batch, getattr(source, "name", "<stream>"), phones
            )
    if run_rules:
        report.rules_run = desk.rules.replay(actor, arrivals)
    return report


def _import(
    desk: Desk,
    actor: Actor,
    stream: BinaryIO,
    total: int,
    progress: Callable[[int, int], None] | None,
    batch: int,
    name: str,
    phones: Ahead,
) -> ImportReport:
    report = ImportReport()
    bulk = BatchImporter(desk, actor, Importer(desk, actor), _describe)
    bulk.phones = phones
    batches = _Batches(bulk, report, stream, total, progress)
    try:
        # Each line prepared as it is read: at most two batches of lines and their records are held,
        # however long the lines.
        for number, line, problem in read_lines(stream):
            report.lines = number
            if problem is not None:
                report.bad.append((number, problem))
                continue
            # A well-formed record is decoded and checked in one pass (no record dict: None); any other
            # line takes the checked path, which accepts all the format allows and names a bad line's fault.
            checked = check_line(line)  # type: ignore[arg-type]
            result = ("record", None, checked) if checked is not None else prepare_line(line)  # type: ignore[arg-type]
            if result[0] == "bad":
                report.bad.append((number, result[1]))
            elif result[0] == "shop":  # every later line may need it: applied now, on its own
                batches.cut(0)
                bulk.apply([(number, line, result[1])], report)  # type: ignore[list-item]
            else:
                batches.pending.append((number, line, result[1]))  # type: ignore[arg-type]
                batches.checks.append(result[2])
                if result[2] is not None and result[2][0] == "customer" and result[2][3] is not None:
                    # normalised as the batch is read
                    phones.add(result[2][3]["phone"], result[2][3]["country"])
                if len(batches.pending) >= batch:
                    batches.cut(1)
        phones.finish()  # every buyer is read
        batches.cut(0)
        bulk.settle(report)  # the last batch committed
    finally:
        bulk.close()  # on the way out of a failed import, a batch still committing ends first
    report.bad.sort()
    with desk.tx():
        summary = {"file": name, **report.as_dict(), "bad": len(report.bad)}
        desk.audit(actor, "import", "file", None, None, summary)
    if progress and total:
        progress(total, total)
    return report


class _Batches:
    """The batches of an import read and not yet applied, with the file's position after each. One waits
    while the next is read, so the phone worker validates the next batch's buyers while this process
    writes the last.

    A class rather than closures in :func:`_import`: compiled (:mod:`crossdesk._accel`), closures share
    one scope object that holds them, a reference cycle that kept the whole import's keys alive until a
    garbage collection walked them (a tenth of a second at the end of a 20k-ticket import)."""

    def __init__(
        self,
        bulk: BatchImporter,
        report: ImportReport,
        stream: BinaryIO,
        total: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.bulk = bulk
        self.report = report
        self.stream = stream
        self.total = total
        self.progress = progress
        self.pending: list[tuple[int, bytes, dict | None]] = []
        self.checks: list = []
        self.held: deque[tuple[list, list, int]] = deque()

    def cut(self, keep: int) -> None:
        """End the batch being read; apply the held batches, in file order, but the last ``keep``."""
        if self.pending:
            self.held.append((self.pending, self.checks, _tell(self.stream)))
            self.pending, self.checks = [], []
        while len(self.held) > keep:
            self._apply(*self.held.popleft())

    def _apply(self, lines: list, found: list, position: int) -> None:
        refused = self.bulk.apply(lines, self.report, found)  # one transaction per batch
        if refused and not gc.isenabled():
            # paused by import_jsonl: a refused record's error, kept with its batch's results, holds the
            # frames that made it and so the batch's rows in a cycle; they go now, not at the end
            gc.collect(1)
        if self.progress and self.total:
            self.progress(position, self.total)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic garbage collection during the block. An import allocates hundreds of thousands of
    dicts, lists and tuples that live for one batch; each gen-0 collection promotes the batch in progress,
    and the full collections that follow walk the whole heap again and again (they took about a fifth of
    an import's time). The records hold no reference cycle; a refused record's error does (its traceback
    holds the frames that kept it), so :func:`_import` collects after each batch that refused one (a
    collection walks everything the import holds at that moment, tens of milliseconds per batch: not
    after every batch)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _tell(stream: BinaryIO) -> int:
    try:
        return stream.tell()
    except (OSError, io.UnsupportedOperation):
        return 0
