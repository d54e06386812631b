"""Importing by the batch: each batch of lines checked record by record, then written through
``desk.intake`` set-based, in one transaction.

A batch is checked first, line by line, with the checks of :class:`~crossdesk.io.importer.Importer`
(a bad line is reported with its number and skipped). References are resolved per batch with one indexed
lookup per shop, honouring the file's order: a line may refer only to records on earlier lines. The
conversations (buyer messages, replies and notes, ticket state) are cut into waves in which each thread
appears once, in file order, so the batch ends where the same lines applied one by one would end. Should
the set-based write fail in a way no check foresaw, the batch is rolled back and applied again line by
line through the one-record path, which names the line. Shops, rare and needed by every later line, are
applied one by one as they come.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from typing import Any

from crossdesk.api import Desk
from crossdesk.errors import PermissionDenied
from crossdesk.intake.days import deferred_days
from crossdesk.intake.phones import Ahead
from crossdesk.intake.sql import add_tags_many, by_platform_key, chunks
from crossdesk.intake.threads import ahead, waves
from crossdesk.io.prepare import LINE_ERRORS, Checked, check, parse_line
from crossdesk.io.records import RecordError
from crossdesk.models import Actor
from crossdesk.store.behind import CommitFailed, WriteBehind

Key = tuple[str, int, str]
#: What rolls a set-based batch back to be applied again line by line (which names the line at fault).
_BATCH_ERRORS = (*LINE_ERRORS, LookupError, ArithmeticError, sqlite3.Error)


class BatchImporter:
    """Applies batches of parsed records to a desk as one actor (``importer`` gives the shop lookups and
    the one-record path)."""

    def __init__(
        self, desk: Desk, actor: Actor, importer: Any, describe: Callable[[bytes | None], str]
    ) -> None:
        self.desk = desk
        self.actor = actor
        self.importer = importer
        self.describe = describe
        self._touched: set[int] = set()  # tickets the batch in progress writes (their days are marked)
        #: buyers' phone numbers (an importer's, fed as it reads, are normalised with a worker process)
        self.phones = Ahead()
        #: commits each set-based batch on a thread while the next is read
        self.behind = WriteBehind(desk.db)
        self._committing: tuple[list, list, list, list] | None = None  # the batch it commits, its outcomes
        #: ids of the buyers and orders earlier batches wrote or found, while no one else writes the desk
        self.known = Known(desk.db)

    def apply(
        self,
        batch: list[tuple[int, bytes, dict | None]],
        report: Any,
        checked: list[Checked | None] | None = None,
    ) -> int:
        """Apply ``batch`` (line number, line, record) in one transaction, outcomes into ``report``;
        return how many of its lines were refused.

        ``checked`` holds each line's :func:`~crossdesk.io.prepare.check` when it was made as the line was
        read; a check that is missing (or None) is run here. A line checked by the fast path
        (:mod:`crossdesk.io.wellformed`) comes with its check and no record (None): the record is parsed
        from the line only should the batch be applied line by line.

        The set-based write is committed behind (:mod:`crossdesk.store.behind`): this returns while its
        audit rows, its text index and its COMMIT are written, and the caller reads the next batch
        meanwhile. Its outcomes reach ``report`` when the next call, or :meth:`settle`, has seen it commit;
        should the commit fail, the batch is applied again line by line then."""
        desk = self.desk
        if any(record is not None and record["type"] == "shop" for _, _, record in batch):
            self.settle(report)
            return self._again(batch, report)  # shops go one by one
        # What needs no database is done while the batch before is still committing: the checks, and
        # the buyers' phone numbers the worker process has not reached.
        try:
            prepared, failed = self._prepare(batch, checked, report)
        except _BATCH_ERRORS:
            self.settle(report)
            return self._again(batch, report)
        self.settle(report)
        outcomes: list[tuple[str, str]] = []
        bad: list[tuple[int, str]] = []
        try:
            # The set-based write is the batch's transaction itself, not a savepoint within one: SQLite
            # copies every page a savepoint touches to its journal, which for a batch of thousands of
            # records costs as much as writing them.
            # No savepoint within it either (a transaction committed behind is all or nothing): the
            # intake's own units of work would each open one, and every statement inside a savepoint pays
            # for the pages written before it.
            with desk.store.tx_behind(self.behind), deferred_days(desk.store) as touched:
                self._touched = touched
                written = self._bulk(prepared, failed, outcomes, bad)
        except PermissionDenied:
            raise
        except _BATCH_ERRORS:
            return self._again(batch, report)  # rolled back whole: applied again line by line
        self._committing = (batch, outcomes, bad, written)
        return len(bad)

    def settle(self, report: Any) -> None:
        """Wait for the batch being committed behind: its outcomes into ``report``, or, if its commit
        failed (and rolled it back), the batch applied again line by line."""
        committing, self._committing = self._committing, None
        if committing is None:
            return
        batch, outcomes, bad, written = committing
        try:
            self.behind.wait()
        except CommitFailed:
            self._again(batch, report)
            return
        for kind, ids in written:
            if kind == "message":
                self.known.add_messages(ids)
            else:
                self.known.add(kind, {key: id_ for key, (id_, _) in ids.items()})
        self._record(report, outcomes, bad)

    def close(self) -> None:
        """Let a commit still in flight end (on the way out of an import that failed): never leave the
        connection to the writer's thread."""
        self._committing = None
        with contextlib.suppress(CommitFailed):
            self.behind.wait()

    def _again(self, batch: list[tuple[int, bytes, dict | None]], report: Any) -> int:
        outcomes: list[tuple[str, str]] = []
        bad: list[tuple[int, str]] = []
        with self.desk.tx():
            self._one_by_one(batch, outcomes, bad)
        self._record(report, outcomes, bad)
        if any(kind in ("message", "ticket") for kind, _ in outcomes):
            # written one by one: the keys of their messages and tickets are not kept
            self.known.messages = self.known.threads = None
        return len(bad)

    @staticmethod
    def _record(report: Any, outcomes: list[tuple[str, str]], bad: list[tuple[int, str]]) -> None:
        for (kind, outcome), n in Counter(outcomes).items():
            getattr(report, outcome)[kind] += n
        report.bad.extend(bad)

    def _one_by_one(self, batch: list[tuple[int, bytes, dict | None]], outcomes: list, bad: list) -> None:
        for number, line, record in batch:
            try:
                if record is None:
                    record = parse_line(line)
                with self.desk.tx():
                    outcomes.append((record["type"], self.importer.apply(record)))
            except PermissionDenied:
                raise
            except LINE_ERRORS as exc:
                bad.append((number, self._reason(line, exc)))

    def _reason(self, line: bytes, exc: Exception | str) -> str:
        what = self.describe(line)
        return f"{what}{exc}" if what else str(exc)

    # ---- the set-based path --------------------------------------------------------------------------

    def _prepare(
        self, batch: list[tuple[int, bytes, dict | None]], checks: list[Checked | None] | None, report: Any
    ) -> tuple[dict[str, list[tuple[int, bytes, dict]]], dict[int, str]]:
        """The batch's lines by kind with their checked rows, and the reasons of those refused; the
        buyers' phone numbers normalised, and the buyer messages' checks, language and class
        (:func:`crossdesk.intake.threads.ahead`). Touches the database only for a shop it has not seen,
        once the batch committing before it has ended (``report`` takes that batch's outcomes)."""
        prepared: dict[str, list[tuple[int, bytes, dict]]] = {"customer": [], "order": [], "thread": []}
        failed: dict[int, str] = {}
        importer = self.importer
        for i, (number, line, record) in enumerate(batch):
            found = checks[i] if checks is not None else None
            if found is None:
                found = check(record if record is not None else parse_line(line))
            kind, platform, shop, row, error = found
            if platform is not None:
                # The shop is looked up first: an unknown shop is the line's fault before any other.
                shop_ref = importer.known_shop(platform, shop)
                if shop_ref is None:
                    self.settle(report)
                    try:
                        shop_ref = importer.shop_id(platform, shop)
                    except LINE_ERRORS as exc:
                        error = str(exc)
                if row is not None and shop_ref is not None:
                    row["shop_id"] = shop_ref
            if error is not None:
                failed[number] = self._reason(line, error)
                continue
            prepared["thread" if kind in ("message", "ticket") else kind].append((number, line, row))
        self.phones.ready([(row["phone"], row["country"]) for _, _, row in prepared["customer"]])
        ahead(self.desk.store.pm, [row for _, _, row in prepared["thread"] if row.get("direction") == "in"])
        return prepared, failed

    def _bulk(
        self,
        prepared: dict[str, list[tuple[int, bytes, dict]]],
        failed: dict[int, str],
        outcomes: list,
        bad: list,
    ) -> list[tuple[str, Any]]:
        """The set-based write of a batch; returns the ids of the buyers and orders it wrote, and the keys
        of the messages it added, by kind."""
        self.known.check()
        done: dict[int, tuple[str, str]] = {}
        intake = self.desk.intake
        phones = self.phones
        numbers = [(row["phone"], row["country"]) for _, _, row in prepared["customer"]]
        try:
            customers = self._write(
                prepared["customer"],
                lambda actor, rows: intake.customers(actor, rows, phones=phones.get),
                failed,
                done,
                "customer",
            )
        finally:
            phones.forget(numbers)
        refs = References(self.desk, customers, self.known)
        refs.preload_refs([row for _, _, row in prepared["order"]], ("customer",))
        orders_in = []
        for number, line, row in prepared["order"]:
            try:
                row["customer_id"] = refs.customer(row, number)
                orders_in.append((number, line, row))
            except RecordError as exc:
                failed[number] = self._reason(line, exc)
        refs.orders = self._write(
            orders_in, lambda actor, rows: intake.orders(actor, rows, checked=True), failed, done, "order"
        )
        messages = self._threads(prepared["thread"], refs, failed, done)
        outcomes.extend(done.values())  # counted, whatever their order
        bad.extend(sorted((number, why) for number, why in failed.items() if number not in done))
        return [("customer", customers), ("order", refs.orders), ("message", messages)]

    def _write(
        self, items: list, call: Callable, failed: dict, done: dict, kind: str
    ) -> dict[Key, tuple[int, int]]:
        """Write ``items`` through ``call``; the ids by platform key with the line that wrote them."""
        ids: dict[Key, tuple[int, int]] = {}
        results = call(self.actor, [row for _, _, row in items]) if items else []
        for (number, line, row), result in zip(items, results, strict=True):
            if isinstance(result, Exception):
                failed[number] = self._reason(line, result)
                continue
            # The line that created it: a reference from an earlier line must not see it. Rows that were
            # in the desk before the batch are seen from every line (0).
            ids[row["platform"], row["shop_id"], row["external_id"]] = (
                result[0],
                number if result[1] == "added" else 0,
            )
            done[number] = (kind, result[1])
        return ids

    def _threads(self, items: list, refs: References, failed: dict, done: dict) -> list[Key]:
        """Write the batch's messages and ticket records; returns the keys of the messages it added."""
        keys: dict[int, Key] = {}  # each message's key, by its line
        buyers = []  # the buyer messages' rows
        for number, _, r in items:
            if r["type"] == "message":
                keys[number] = _message_key(r)
                if r["direction"] == "in":
                    buyers.append(r)
        known = self.known.messages
        if known is None:
            existing: Collection[Key] = by_platform_key(self.desk.store, "messages", "id", keys.values())
        else:  # every message of the desk is known: no lookup
            existing = {key for key in keys.values() if key in known}
        refs.preload_refs(buyers, ("customer", "order"))
        # each line to write, with the part of the intake that writes it
        live: list[tuple[int, bytes, dict, str]] = []
        for number, line, row in items:
            if row["type"] == "ticket":
                live.append((number, line, row, "ticket"))
                continue
            if existing and keys[number] in existing:
                done[number] = ("message", "unchanged")
                continue
            if row["direction"] != "in":
                live.append((number, line, row, "history"))
                continue
            try:
                row["customer_id"] = refs.customer(row, number)
                row["order_id"] = refs.order(row, number)
            except RecordError as exc:
                failed[number] = self._reason(line, exc)
                continue
            live.append((number, line, row, "in"))
        intake = self.desk.intake
        threads = intake.threads(self.actor)
        threads.preloaded = True  # the messages the desk had are left out above
        threads.stored = self.known.threads
        tagged: list[tuple[int, int, list[str], bool]] = []  # line, ticket, tags, state changed
        new_messages: list[Key] = []
        # how the batch's messages travelled and their attachments' metadata, as the one-record path
        # restores them (``MailService.adopt``), once their rows are written
        adopted: list[tuple[int, str, list]] = []
        methods = (("in", threads.receive), ("history", threads.history), ("ticket", threads.restore))
        for wave in waves([(r["platform"], r["shop_id"], r["thread_id"]) for _, _, r, _ in live]):
            parts: dict[str, list] = {"in": [], "history": [], "ticket": []}
            for i in wave:
                parts[live[i][3]].append(live[i])
            for part, method in methods:
                items_ = parts[part]
                if not items_:
                    continue
                results = method([item[2] for item in items_])
                for (number, line, row, _), result in zip(items_, results, strict=True):
                    if isinstance(result, Exception):
                        failed[number] = self._reason(line, result)
                    elif part == "ticket":
                        if row.get("tags"):
                            tagged.append((number, result[0], row["tags"], result[1]))
                        else:
                            done[number] = ("ticket", "updated" if result[1] else "unchanged")
                    elif not result[-1]:
                        done[number] = ("message", "unchanged")
                    else:
                        done[number] = ("message", "added")
                        new_messages.append(keys[number])
                        if row["channel"] or row["attachments"]:
                            adopted.append((result[-2], row["channel"], row["attachments"]))
        # The tags of the batch's ticket records go on once its ticket rows are written: adding a tag
        # raises ``ticket_updated``, whose pipeline steps read the row. A ticket named by two records of
        # the batch takes them in file order, as the waves would.
        threads.flush()
        self.desk.mail.adopt_many(self.actor, adopted)
        # Tags raise ``ticket_updated``, on which the SLA clocks of the ticket are written again.
        self._touched.update(threads.touched, (tid for _, tid, _, _ in tagged))
        have = self._have_tags([tid for _, tid, _, _ in tagged])
        for round_ in waves([("", tid, "") for _, tid, _, _ in tagged]):
            added = add_tags_many(
                self.desk.store, self.actor, [(tagged[i][1], tagged[i][2]) for i in round_], have
            )
            for i in round_:
                number, tid, _, changed = tagged[i]
                done[number] = ("ticket", "updated" if changed or tid in added else "unchanged")
        intake.deliver(threads)
        return new_messages

    def _have_tags(self, ticket_ids: list[int]) -> dict[int, set[str]]:
        have: dict[int, set[str]] = {}
        for part in chunks(sorted(set(ticket_ids))):
            marks = ",".join("?" * len(part))
            for tid, tag in self.desk.db.execute(
                f"SELECT ticket_id, tag FROM ticket_tags WHERE ticket_id IN ({marks})", list(part)
            ):
                have.setdefault(tid, set()).add(tag)
        return have


def _message_key(row: dict) -> Key:
    """A message's key as the desk stores it: a buyer message's id trimmed (``TicketService.receive``),
    a reply's or note's as given."""
    ext = row["external_id"]
    return (row["platform"], row["shop_id"], ext.strip() if row["direction"] == "in" else ext)


#: Ids a :class:`Known` keeps per kind (about 20 MB each); past this it starts again: a million-buyer import
#: stays bounded.
KNOWN_MAX = 100_000


class Known:
    """Ids by platform key of buyers (by identity) and orders, kept from one batch of an import to the
    next: those earlier batches wrote (added once their commit was seen) or found in the desk. All are
    forgotten when another connection has committed since the last batch (``PRAGMA data_version``, which
    this connection's own commits leave alone): an agent may have merged two buyers meanwhile, which moves
    identities and orders to another buyer."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.ids: dict[str, dict[Key, int]] = {"customer": {}, "order": {}}
        #: The keys of every message in the desk, when known: the import began on a desk with none, and
        #: since then only its own set-based batches wrote them (None: look them up in the desk).
        self.messages: set[Key] | None = None
        #: A superset of the keys of the threads (tickets) in the desk, when known, as for messages: the
        #: intake's writer adds the tickets it inserts (``Threads.stored``), whether their batch commits or not.
        self.threads: set[Key] | None = None
        self._version: int | None = None

    def check(self) -> None:
        """Forget everything if another connection has committed since the last check (call inside the
        batch's transaction: no one else commits until it ends)."""
        version = self.db.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            first = self._version is None
            self._version = version
            for ids in self.ids.values():
                ids.clear()
            conn = self.db.conn
            empty = first and conn.execute("SELECT 1 FROM messages LIMIT 1").fetchone() is None
            self.messages = set() if empty else None
            empty = first and conn.execute("SELECT 1 FROM tickets LIMIT 1").fetchone() is None
            self.threads = set() if empty else None
        elif self.threads is not None and len(self.threads) > KNOWN_MAX * 5:
            self.threads = None

    def add_messages(self, keys: list[Key]) -> None:
        """Messages a set-based batch wrote (its commit seen)."""
        if self.messages is not None:
            self.messages.update(keys)
            if len(self.messages) > KNOWN_MAX * 5:
                self.messages = None

    def add(self, kind: str, found: dict[Key, int]) -> None:
        ids = self.ids[kind]
        if len(ids) + len(found) > KNOWN_MAX:
            ids.clear()
        ids.update(found)


class References:
    """Customer and order references of a batch: written by this batch on an earlier line, or in the
    desk already (known from an earlier batch, else one indexed lookup per shop for the whole batch, on
    first need)."""

    def __init__(self, desk: Desk, customers: dict[Key, tuple[int, int]], known: Known | None = None) -> None:
        self.desk = desk
        self.customers = customers
        self.orders: dict[Key, tuple[int, int]] = {}
        self.known = known
        self._stored: dict[str, dict[Key, int]] = {}

    def preload(self, kind: str, keys: Iterable[Key]) -> None:
        stored = self._stored.setdefault(kind, {})
        known = self.known.ids[kind] if self.known is not None else {}
        rest = []
        for key in keys:
            id_ = known.get(key)
            if id_ is None:
                rest.append(key)
            else:
                stored[key] = id_
        table, column = ("customer_identities", "customer_id") if kind == "customer" else ("orders", "id")
        found = {k: v[0] for k, v in by_platform_key(self.desk.store, table, column, rest).items()}
        stored.update(found)
        if self.known is not None:
            self.known.add(kind, found)  # in the desk before this batch: they stand whatever it does

    def customer(self, row: dict, line: int) -> int | None:
        return self._find("customer", self.customers, row, row.pop("customer", ""), line)

    def order(self, row: dict, line: int) -> int | None:
        return self._find("order", self.orders, row, row.pop("order", ""), line)

    def _find(self, kind: str, batch: dict, row: dict, ext: str, line: int) -> int | None:
        if not ext:
            return None
        key = (row["platform"], row["shop_id"], ext)
        mine = batch.get(key)
        found = (
            self._stored.setdefault(kind, {}).get(key)
            if mine is None
            else (mine[0] if mine[1] < line else None)
        )
        if found is None:
            article = "an" if kind == "order" else "a"
            raise RecordError(
                f"unknown {kind} {ext!r} on this shop ({article} {kind} record must come first)"
            )
        return found

    def preload_refs(self, rows: Iterable[dict], kinds: tuple[str, ...]) -> None:
        """One lookup per shop for every reference of ``rows`` not written by this batch."""
        for kind in kinds:
            mine = self.customers if kind == "customer" else self.orders
            keys = {(r["platform"], r["shop_id"], r[kind]) for r in rows if r.get(kind)}
            self.preload(kind, [k for k in keys if k not in mine])


__all__ = ["BatchImporter", "Known", "References"]
