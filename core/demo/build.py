"""Building a demo desk: shops, teams and agents through the services, then tickets in bulk.

The few configuration rows (shops, teams, agents, the demo marker) go through the :class:`Desk` service
calls like any admin's. The bulk (buyers, orders, tickets, messages) bypasses the per-call services, which
cost a transaction and several lookups per row: chunks of tickets are generated (in worker processes when
the desk is large) into in-memory SQLite databases whose images are handed to the writer, which
deserializes each and merges it into the desk with ``INSERT ... SELECT`` in one transaction per chunk, so
the single writer runs SQLite's C code rather than Python per value, and nothing goes through a scratch
file. The rows are the ones the services would write (same columns, uniqueness keys, JSON conventions,
outbox rows for sent replies, full-text entries) plus one audit row for the whole build.
While loading, the secondary indexes and the full-text trigger are dropped (the writer indexes each
chunk's text itself), the full-text buffer is enlarged and ``synchronous`` is off; indexes, trigger and
settings are restored at the end. Memory stays bounded by a few chunks whatever the size.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from crossdesk.api import Desk, DeskError
from crossdesk.demo import segments
from crossdesk.demo.ai import configure_ai
from crossdesk.demo.binding import bind_shops
from crossdesk.demo.configure import SETTING, configure
from crossdesk.demo.context import Context, phone_schemes
from crossdesk.demo.generate import COLUMNS, REFS, generate_chunk
from crossdesk.demo.mail import MAIL_FROM, MAIL_THREADS, add_mail_threads
from crossdesk.demo.reviews import add_reviews
from crossdesk.demo.shifts import add_team
from crossdesk.demo.tracking import add_parcels
from crossdesk.models import Actor, TicketStatus

DEFAULT_SIZE = 1_000
MAX_SIZE = 1_000_000
CHUNK = 10_000
#: Below this many tickets, generating in-process is faster than starting workers.
_PARALLEL_FROM = 40_000
#: FTS5's default in-memory term buffer, and the one used while loading.
_FTS_HASHSIZE = 1024 * 1024
_FTS_BULK_HASHSIZE = 64 * 1024 * 1024

#: Called as ``progress(phase, done, total)``; phases are "tickets" and "indexes".
Progress = Callable[[str, int, int], None]

#: Indexes kept while loading: their keys arrive in order, or in a handful of runs that each grow in
#: order (messages by ticket and time, rows by buyer, tickets by status with the still-empty intent,
#: priority and SLA columns), so each insert appends to a cached page. That costs the writer a little
#: while the generators still work, instead of a sort after the load when nothing else runs; the two
#: messages indexes would otherwise each scan the largest table (all its text) at the end.
#: (1M tickets: the work after the load went from 18.4 s to 5.8 s; the writer spends about 3 s more.)
_LIVE_INDEXES = frozenset(
    {
        "messages_ticket",
        "messages_incoming",
        "tickets_customer",
        "orders_customer",
        "customer_identities_customer",
        "ticket_tags_tag",
        "tickets_queue",
        "tickets_intent",
        "tickets_sla",
        "tickets_assignee",
        "tickets_platform",
        "tickets_language",
        "order_lines_sku",
    }
)

_BULK_TABLES = (
    "customers",
    "customer_identities",
    "orders",
    "order_lines",
    "tickets",
    "ticket_tags",
    "messages",
    "outbox",
)


@dataclass
class DemoSummary:
    """What a demo build made, counted from the desk afterwards."""

    path: str
    size: int
    seed: int
    seconds: float
    shops: int
    customers: int
    cross_platform_customers: int
    orders: int
    order_lines: int
    tickets: int
    messages: int
    agents: int
    teams: int
    by_platform: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_country: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


# ---- bulk loading -------------------------------------------------------------------------------------


class _BulkLoad:
    """Drop what slows a bulk insert down, and put it all back afterwards (also after a failure)."""

    def __init__(self, desk: Desk) -> None:
        self.db = desk.db
        self.indexes: list[tuple[str, str]] = []
        self.triggers: list[tuple[str, str]] = []

    def __enter__(self) -> _BulkLoad:
        conn = self.db.conn
        marks = ",".join("?" * len(_BULK_TABLES))
        self.indexes = conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            _BULK_TABLES,
        ).fetchall()
        self.triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name = 'messages_ai'"
        ).fetchall()
        self.pragmas = {
            name: conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("synchronous", "foreign_keys", "cache_size", "threads")
        }
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")  # 256 MB while loading: the unique indexes stay hot
        conn.execute("PRAGMA threads = 2")  # CREATE INDEX may sort with a helper thread
        # FTS5 flushes its in-memory terms into a new segment whenever they pass ``hashsize`` (1 MB by
        # default) and at each commit; a larger buffer makes fewer, larger segments and less merging.
        conn.execute(
            f"INSERT INTO messages_fts(messages_fts, rank) VALUES ('hashsize', {_FTS_BULK_HASHSIZE})"
        )
        self.indexes = [(name, sql) for name, sql in self.indexes if name not in _LIVE_INDEXES]
        for name, _ in self.indexes:
            conn.execute(f'DROP INDEX "{name}"')
        for name, _ in self.triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        return self

    def finish(self, progress: Progress | None) -> None:
        conn = self.db.conn
        for i, (_, sql) in enumerate(self.indexes):
            conn.execute(sql)
            if progress:
                progress("indexes", i + 1, len(self.indexes))
        self.indexes = []
        # The writer indexed each chunk's text as it merged it (what the trigger would have done, while
        # the generators were still busy); only the trigger itself comes back.
        for _, sql in self.triggers:
            conn.execute(sql)
        self.triggers = []

    def __exit__(self, *exc: object) -> None:
        conn = self.db.conn
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        # After a failure, put the schema back so the desk stays usable (and consistent) anyway.
        for _, sql in self.indexes:
            conn.execute(sql)
        for _, sql in self.triggers:
            conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
            conn.execute(sql)
        conn.execute(f"INSERT INTO messages_fts(messages_fts, rank) VALUES ('hashsize', {_FTS_HASHSIZE})")
        conn.execute(f"PRAGMA cache_size = {int(self.pragmas['cache_size'])}")
        conn.execute(f"PRAGMA threads = {int(self.pragmas['threads'])}")
        conn.execute(f"PRAGMA synchronous = {int(self.pragmas['synchronous'])}")
        conn.execute(f"PRAGMA foreign_keys = {int(self.pragmas['foreign_keys'])}")


class _Writer:
    """Merges chunk shards in order, turning chunk-local ids into desk ids as SQLite copies the rows."""

    def __init__(self, desk: Desk) -> None:
        self.conn = desk.db.conn
        self.next_id = {
            kind: (self.conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0] + 1)
            for kind, table in (
                ("customer", "customers"),
                ("order", "orders"),
                ("ticket", "tickets"),
                ("message", "messages"),
            )
        }
        self.counts: Counter[str] = Counter()

    def merge(self, image: bytes, counts: dict[str, int]) -> None:
        # Local ids are 0-based per chunk; the desk's ids continue from the last chunk's.
        base = {kind: next_id for kind, next_id in self.next_id.items()}
        conn = self.conn
        conn.execute("ATTACH DATABASE ':memory:' AS shard")
        try:
            conn.deserialize(image, name="shard")
            conn.execute("BEGIN")
            for table in (
                "customers",
                "customer_identities",
                "orders",
                "order_lines",
                "tickets",
                "messages",
                "ticket_tags",
            ):
                cols = COLUMNS[table]
                refs = REFS.get(table, {})
                exprs = [f"{col} + {base[refs[col]]}" if col in refs else col for col in cols]
                if table == "messages":
                    # Our own messages are known by our id until the platform assigns one (as Desk.reply).
                    i = cols.index("external_id")
                    exprs[i] = f"coalesce(external_id, 'crossdesk:' || (id + {base['message']}))"
                conn.execute(
                    f"INSERT INTO main.{table} ({', '.join(cols)}) "
                    f"SELECT {', '.join(exprs)} FROM shard.{table} ORDER BY rowid"
                )
                self.counts[table] += counts[table]
            # Sent replies leave the outbox row Desk.reply would have queued, already sent; the payload is
            # the same JSON the service layer writes (crossdesk.platforms.to_json of a MessageOut: every
            # field, keys sorted, compact), so json_object lists the fields in sorted order.
            m, t = base["message"], base["ticket"]
            conn.execute(
                "INSERT INTO main.outbox (kind, platform, shop_id, ticket_id, payload, idempotency_key, status, "
                "attempts, created_at, next_attempt_at, sent_at) "
                f"SELECT 'message', platform, shop_id, ticket_id + {t}, json_object('attachments', json('[]'), "
                "'body', body, 'buyer_external_id', buyer_external_id, 'created_at', created_at, "
                f"'idempotency_key', 'message:' || (message_id + {m}), 'message_id', message_id + {m}, "
                "'message_type', '', 'order_external_id', order_external_id, 'platform', platform, "
                "'shop_external_id', shop_external_id, 'template', NULL, 'thread_id', thread_id), "
                f"'message:' || (message_id + {m}), 'sent', 1, created_at, created_at, created_at "
                "FROM shard.replies ORDER BY rowid"
            )
            self.counts["outbox"] += counts["replies"]
            # What the messages_ai trigger does, for the whole chunk at once.
            conn.execute(
                "INSERT INTO main.messages_fts (rowid, body, translation) "
                f"SELECT id + {m}, body, translation FROM shard.messages ORDER BY rowid"
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.execute("DETACH DATABASE shard")
        for kind, table in (
            ("customer", "customers"),
            ("order", "orders"),
            ("ticket", "tickets"),
            ("message", "messages"),
        ):
            self.next_id[kind] += counts[table]


# ---- chunk production -----------------------------------------------------------------------------------

_CTX: Context | None = None


def _init_worker(ctx: Context) -> None:
    global _CTX
    _CTX = ctx
    ctx.tables  # build the lookups once per worker  # noqa: B018


def _make_shard(task: tuple[int, int]) -> tuple[int, bytes, dict[str, int]]:
    index, n_tickets = task
    assert _CTX is not None
    image, counts = generate_chunk(_CTX, index, n_tickets).image()
    return n_tickets, image, counts


def _shards(ctx: Context, size: int, workers: int) -> Iterator[tuple[int, bytes, dict[str, int]]]:
    """Chunk shards in chunk order, as ``(tickets, shard database image, row counts)``."""
    n_chunks = (size + ctx.chunk_size - 1) // ctx.chunk_size
    tasks = [(i, min(ctx.chunk_size, size - i * ctx.chunk_size)) for i in range(n_chunks)]
    if workers <= 1 or size < _PARALLEL_FROM:
        _init_worker(ctx)
        for task in tasks:
            yield _make_shard(task)
        return
    # fork is cheapest, but not once threads run (the rich progress bar has one): a forked child could
    # inherit a lock held by another thread.
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    mp = multiprocessing.get_context("fork" if forkable else "spawn")
    with mp.Pool(workers, initializer=_init_worker, initargs=(ctx,)) as pool:
        # A bounded window of chunks in flight: memory stays at a few shards whatever the size.
        window: deque = deque()
        pending = iter(tasks)
        for task in pending:
            window.append(pool.apply_async(_make_shard, (task,)))
            if len(window) >= 2 * workers:
                break
        while window:
            result = window.popleft().get()
            task = next(pending, None)
            if task is not None:
                window.append(pool.apply_async(_make_shard, (task,)))
            yield result


def _workers() -> int:
    env = os.environ.get("CROSSDESK_DEMO_WORKERS")
    if env:
        return max(1, int(env))
    return max(1, min(4, (os.cpu_count() or 1)))


# ---- the entry point ------------------------------------------------------------------------------------


def build_demo(
    path_or_desk: str | Path | Desk,
    size: int = DEFAULT_SIZE,
    seed: int = 7,
    progress: Progress | bool | None = None,
    *,
    now: int | None = None,
    actor: Actor | None = None,
) -> DemoSummary:
    """Build a demo desk of ``size`` tickets and return what it holds.

    ``path_or_desk`` is a desk file (created; an earlier demo desk there is replaced, any other desk is
    refused) or an open, empty :class:`Desk`. Times are anchored at ``now`` (default: the current time)
    so ages and deadlines look live. ``progress`` is a callable ``(phase, done, total)``, or True for a
    rich progress bar on stderr.
    """
    if not 1 <= int(size) <= MAX_SIZE:
        raise DeskError(f"demo size must be between 1 and {MAX_SIZE:,} tickets, not {size}")
    size, seed = int(size), int(seed)
    now = int(time.time()) if now is None else int(now)
    actor = actor or Actor.system("demo")
    if progress is True:
        with _rich_progress() as report:
            return build_demo(path_or_desk, size, seed, report, now=now, actor=actor)
    report = progress or None
    if isinstance(path_or_desk, Desk):
        return _build(path_or_desk, size, seed, report, now, actor)
    path = Path(path_or_desk)
    _check_replaceable(path)
    building = path.with_name(path.name + ".building")
    _remove(building)
    desk = Desk.open(building)
    try:
        # The file is ours alone until it is renamed into place, and a failed build is thrown away: no
        # journal while loading (with WAL every page would be written twice), WAL again for the desk.
        desk.db.execute("PRAGMA journal_mode = OFF")
        summary = _build(desk, size, seed, report, now, actor)
        desk.db.execute("PRAGMA journal_mode = WAL")
    except BaseException:
        desk.close()
        _remove(building)
        raise
    desk.close()
    _remove(path)
    os.replace(building, path)
    _move_files(building, path)
    summary.path = str(path)
    return summary


def _build(
    desk: Desk, size: int, seed: int, progress: Progress | None, now: int, actor: Actor
) -> DemoSummary:
    started = time.perf_counter()
    db = desk.db
    for table in ("tickets", "customers", "orders", "messages"):
        if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            raise DeskError(f"a demo desk must be built into an empty desk; this one already has {table}")
    shops, agents = configure(desk, actor, seed, size, now)
    bind_shops(desk, actor)  # each shop through its consent flow against the fakes: crossdesk.demo.binding
    configure_ai(desk, actor)
    mail = MAIL_THREADS if size >= MAIL_FROM else 0
    ctx = Context(
        seed=seed, now=now, chunk_size=CHUNK, shops=shops, agents=agents, phone_schemes=phone_schemes()
    )
    writer = _Writer(desk)
    done = 0
    if progress:
        progress("tickets", 0, size)
    with _BulkLoad(desk) as bulk:
        for n, image, counts in _shards(ctx, size - mail, _workers()):
            writer.merge(image, counts)
            done += n
            if progress:
                progress("tickets", done, size)
        bulk.finish(progress)
    if mail:  # the last tickets of the size arrived by e-mail
        writer.counts["messages"] += add_mail_threads(desk, now)
        writer.counts["tickets"] += mail
        if progress:
            progress("tickets", size, size)
    segments.segment(desk, actor, now)  # tiers from the orders, never made up
    add_parcels(desk, seed, now)  # tracked parcels with their scans (docs/tracking.md)
    add_team(desk, actor, now)  # shifts, leave, approval queue: crossdesk.demo.shifts
    add_reviews(desk, actor, seed, now)  # feedback and reviews, the negative ones on tickets: demo.reviews
    with desk.tx():
        desk.audit(actor, "demo.build", "desk", None, None, {"size": size, "seed": seed, **writer.counts})
        desk.store.put_setting("analytics_facts_stale", True)  # bulk rows bypassed the pipeline
    db.execute("PRAGMA optimize")
    summary = summarize(desk, size=size, seed=seed)
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def summarize(desk: Desk, *, size: int = 0, seed: int = 0) -> DemoSummary:
    """Count what the desk holds, per platform, language, status and buyer country."""
    db = desk.db

    def one(sql: str) -> int:
        return int(db.execute(sql).fetchone()[0])

    def grouped(sql: str) -> dict:
        return {row[0]: row[1] for row in db.execute(sql)}

    statuses = grouped("SELECT status, count(*) FROM tickets GROUP BY status ORDER BY status")
    return DemoSummary(
        path=str(desk.path or ""),
        size=size,
        seed=seed,
        seconds=0.0,
        shops=one("SELECT count(*) FROM shops"),
        customers=one("SELECT count(*) FROM customers WHERE merged_into IS NULL"),
        cross_platform_customers=one(
            "SELECT count(*) FROM (SELECT customer_id FROM customer_identities GROUP BY customer_id "
            "HAVING count(DISTINCT platform) > 1)"
        ),
        orders=one("SELECT count(*) FROM orders"),
        order_lines=one("SELECT count(*) FROM order_lines"),
        tickets=one("SELECT count(*) FROM tickets"),
        messages=one("SELECT count(*) FROM messages"),
        agents=one("SELECT count(*) FROM agents"),
        teams=one("SELECT count(*) FROM teams"),
        by_platform=grouped(
            "SELECT platform, count(*) FROM tickets GROUP BY platform ORDER BY count(*) DESC"
        ),
        by_language=grouped(
            "SELECT language, count(*) FROM tickets GROUP BY language ORDER BY count(*) DESC"
        ),
        by_status={TicketStatus(k).label: v for k, v in statuses.items()},
        by_country=grouped("SELECT country, count(*) FROM customers GROUP BY country ORDER BY count(*) DESC"),
    )


def _move_files(building: Path, path: Path) -> None:
    """The files kept beside the desk (mail originals, attachments) follow it to its final name."""
    files = building.with_name(building.name + ".files")
    if files.exists():
        target = path.with_name(path.name + ".files")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(files, target)


def _check_replaceable(path: Path) -> None:
    """Only an earlier demo desk (or an empty file) may be replaced: never a real desk."""
    if not path.exists():
        return
    if path.is_dir():
        raise DeskError(f"{path} is a directory")
    if path.stat().st_size == 0:
        return
    desk = Desk.open(path)
    try:
        is_demo = desk.get_setting(SETTING) is not None
        empty = (
            not desk.db.execute("SELECT 1 FROM tickets LIMIT 1").fetchone()
            and not desk.db.execute("SELECT 1 FROM shops LIMIT 1").fetchone()
        )
    finally:
        desk.close()
    if not (is_demo or empty):
        raise DeskError(f"{path} holds a desk that is not a demo; choose another path with --db")


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with suppress(FileNotFoundError):
            p.unlink()


class _rich_progress:
    """A rich progress bar on stderr, fed by the ``(phase, done, total)`` callbacks."""

    LABELS: ClassVar[dict[str, str]] = {"tickets": "tickets", "indexes": "indexes"}

    def __enter__(self) -> Progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("[bold]{task.description:<13}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.tasks: dict[str, Any] = {}
        self.bar.start()

        def report(phase: str, done: int, total: int) -> None:
            if phase not in self.tasks:
                self.tasks[phase] = self.bar.add_task(self.LABELS.get(phase, phase), total=total)
            self.bar.update(self.tasks[phase], completed=done, total=total)

        return report

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()
