"""Building a demo desk: shops, teams and agents through the services, then tickets in bulk.

The few configuration rows (shops, teams, agents, the demo marker) go through the :class:`Desk` service
calls like any admin's. The bulk (buyers, orders, tickets, messages) bypasses the per-call services,
which cost a transaction and several lookups per row, and is written with ``executemany`` in chunks, one
transaction per chunk; it produces the rows the services would (same columns, uniqueness keys, JSON
conventions, outbox rows for sent replies) and one audit row for the whole build. While loading, the
secondary indexes and the full-text trigger are dropped and ``synchronous`` is off; they are rebuilt
and restored at the end. Chunks are generated in worker processes when the desk is large, and written in
order, so memory stays bounded by a few chunks whatever the size.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import orjson

from crossdesk.api import Desk, DeskError
from crossdesk.demo import world
from crossdesk.demo.generate import COLUMNS, REFS, AgentRow, Context, ShopRow, generate_chunk, phone_schemes
from crossdesk.models import Actor, Role, TicketStatus

DEFAULT_SIZE = 1_000
MAX_SIZE = 1_000_000
CHUNK = 10_000
#: Below this many tickets, generating in-process is faster than starting workers.
_PARALLEL_FROM = 40_000
SETTING = "demo"

#: Called as ``progress(phase, done, total)``; phases are "tickets", "indexes" and "search".
Progress = Callable[[str, int, int], None]

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


# ---- the demo team ------------------------------------------------------------------------------------

TEAMS = (
    (
        "EU Marketplaces",
        ("de", "en", "fr", "it", "es", "nl", "pl"),
        ("amazon", "ebay", "shopify", "returns"),
        "Europe/Berlin",
        "DE",
    ),
    ("Americas & UK", ("en", "es", "pt"), ("amazon", "ebay", "shopify", "returns"), "America/New_York", "US"),
    ("Japan", ("ja", "en"), ("amazon",), "Asia/Tokyo", "JP"),
    ("APAC Shopee", ("zh", "en", "ko"), ("shopee", "shopify"), "Asia/Taipei", "TW"),
    ("MENA & Türkiye", ("ar", "tr", "en"), ("amazon",), "Asia/Dubai", "AE"),
    (
        "Escalations",
        ("en", "de", "fr"),
        ("chargebacks", "complaints", "refunds", "amazon", "ebay", "shopify"),
        "Europe/Berlin",
        "DE",
    ),
)

#: (name, role, team, languages, extra skills)
AGENTS = (
    ("Anna Becker", "admin", "EU Marketplaces", ("de", "en"), ("refunds",)),
    ("Jonas Weber", "agent", "EU Marketplaces", ("de", "en", "pl"), ()),
    ("Claire Dubois", "agent", "EU Marketplaces", ("fr", "en", "nl"), ()),
    ("Giulia Romano", "agent", "EU Marketplaces", ("it", "en", "es"), ()),
    ("Javier Ortega", "agent", "EU Marketplaces", ("es", "en", "pt"), ()),
    ("Sanne de Vries", "agent", "EU Marketplaces", ("nl", "en", "de"), ()),
    ("Marta Kowalska", "agent", "EU Marketplaces", ("pl", "en"), ()),
    ("Emily Carter", "supervisor", "Americas & UK", ("en",), ("refunds", "chargebacks")),
    ("Daniel Brooks", "agent", "Americas & UK", ("en",), ()),
    ("Lucia Fernandes", "agent", "Americas & UK", ("pt", "es", "en"), ()),
    ("Yuki Tanaka", "agent", "Japan", ("ja", "en"), ()),
    ("Kenji Watanabe", "agent", "Japan", ("ja",), ()),
    ("Chen Yi-Ting", "agent", "APAC Shopee", ("zh", "en"), ()),
    ("Lim Wei Jie", "agent", "APAC Shopee", ("zh", "en"), ()),
    ("Park Ji-woo", "agent", "APAC Shopee", ("ko", "en"), ()),
    ("Omar Haddad", "agent", "MENA & Türkiye", ("ar", "en"), ()),
    ("Elif Yıldız", "agent", "MENA & Türkiye", ("tr", "en", "de"), ()),
    ("Sophie Laurent", "supervisor", "Escalations", ("fr", "en", "de"), ("chargebacks", "complaints")),
)


def _configure(
    desk: Desk, actor: Actor, seed: int, size: int, now: int
) -> tuple[list[ShopRow], list[AgentRow]]:
    rates = {
        r[0]: (r[1], r[2]) for r in desk.db.execute("SELECT currency, usd_per_unit, minor_digits FROM rates")
    }
    shops = []
    for spec in world.SHOPS:
        shop_id = desk.upsert_shop(
            actor,
            platform=spec.platform,
            external_id=spec.external_id,
            name=spec.name,
            country=spec.country,
            currency=spec.currency,
            marketplace=spec.marketplace,
            config=spec.config,
        )
        rate, digits = rates[spec.currency]
        shops.append(
            ShopRow(
                shop_id,
                spec.platform,
                spec.external_id,
                spec.country,
                spec.currency,
                digits,
                rate,
                spec.config.get("domain", ""),
            )
        )
    team_ids = {}
    for name, languages, skills, tz, holidays in TEAMS:
        team_ids[name] = desk.create_team(
            actor,
            name,
            languages=languages,
            skills=skills,
            timezone=tz,
            calendar={"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00", "holidays": holidays},
        )
    agents = []
    for name, role, team, languages, extra in AGENTS:
        team_skills = next(t[2] for t in TEAMS if t[0] == team)
        email = name.lower().replace(" ", ".").replace("ı", "i") + "@nordlicht-home.com"
        agent_id = desk.create_agent(
            actor,
            name,
            Role(role),
            email=email,
            languages=languages,
            skills=sorted(set(team_skills) | set(extra)),
            capacity=25 if role == "agent" else 10,
            team_id=team_ids[team],
            timezone=next(t[3] for t in TEAMS if t[0] == team),
        )
        if role == "agent" or role == "supervisor":
            agents.append(
                AgentRow(
                    agent_id,
                    name,
                    team_ids[team],
                    tuple(languages),
                    tuple(sorted(set(team_skills) | set(extra))),
                )
            )
    desk.set_setting(actor, SETTING, {"seed": seed, "size": size, "built_at": now})
    return shops, agents


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
            for name in ("synchronous", "foreign_keys", "cache_size")
        }
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -131072")  # 128 MB while loading
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
        if self.triggers:
            if progress:
                progress("search", 0, 1)
            conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
            for _, sql in self.triggers:
                conn.execute(sql)
            self.triggers = []
            if progress:
                progress("search", 1, 1)

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
        conn.execute(f"PRAGMA cache_size = {int(self.pragmas['cache_size'])}")
        conn.execute(f"PRAGMA synchronous = {int(self.pragmas['synchronous'])}")
        conn.execute(f"PRAGMA foreign_keys = {int(self.pragmas['foreign_keys'])}")


class _Writer:
    """Inserts chunks in order, turning chunk-local ids into desk ids."""

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
        self.sql = {
            table: f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            for table, cols in COLUMNS.items()
            if table != "replies"
        }
        self.outbox_sql = (
            "INSERT INTO outbox (kind, platform, shop_id, ticket_id, payload, idempotency_key, status, attempts, "
            "created_at, next_attempt_at, sent_at) VALUES ('message', ?, ?, ?, ?, ?, 'sent', 1, ?, ?, ?)"
        )
        self.counts: Counter[str] = Counter()

    def write(self, columns: dict[str, list[tuple]]) -> None:
        base = dict(self.next_id)
        shifted: dict[str, list] = {}
        for table, cols in columns.items():
            if not cols:
                shifted[table] = []
                continue
            names = COLUMNS[table]
            cols = list(cols)
            for col, kind in REFS.get(table, {}).items():
                i = names.index(col)
                b = base[kind]
                cols[i] = [None if v is None else v + b for v in cols[i]]
            shifted[table] = cols
        msgs = shifted["messages"]
        if msgs:
            ids, ext = msgs[0], msgs[COLUMNS["messages"].index("external_id")]
            # Our own messages are known by our id until the platform assigns one (as Desk.reply does).
            msgs[COLUMNS["messages"].index("external_id")] = [
                e if e is not None else f"crossdesk:{i}" for i, e in zip(ids, ext, strict=True)
            ]
        conn = self.conn
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
            cols = shifted[table]
            if cols:
                conn.executemany(self.sql[table], zip(*cols, strict=True))
                self.counts[table] += len(cols[0])
        if shifted["replies"]:
            conn.executemany(self.outbox_sql, self._outbox(shifted["replies"]))
        conn.execute("COMMIT")
        for kind, table in (
            ("customer", "customers"),
            ("order", "orders"),
            ("ticket", "tickets"),
            ("message", "messages"),
        ):
            if columns[table]:
                self.next_id[kind] += len(columns[table][0])

    @staticmethod
    def _outbox(cols: list) -> Iterator[tuple]:
        dumps = orjson.dumps
        for mid, tid, platform, shop_id, thread, body, at in zip(*cols, strict=True):
            payload = dumps(
                {"body": body, "message_id": mid, "template": None, "thread_id": thread},
                option=orjson.OPT_SORT_KEYS,
            ).decode()
            yield platform, shop_id, tid, payload, f"message:{mid}", at, at, at


# ---- chunk production -----------------------------------------------------------------------------------

_CTX: Context | None = None


def _init_worker(ctx: Context) -> None:
    global _CTX
    _CTX = ctx
    ctx.tables  # build lookups once per worker  # noqa: B018


def _work(task: tuple[int, int]) -> dict[str, list[tuple]]:
    assert _CTX is not None
    return generate_chunk(_CTX, *task).columns()


def _chunks(ctx: Context, size: int, workers: int) -> Iterator[tuple[int, dict[str, list[tuple]]]]:
    """Column-wise chunks in order, with the number of tickets in each."""
    tasks = [
        (i, min(ctx.chunk_size, size - i * ctx.chunk_size))
        for i in range((size + ctx.chunk_size - 1) // ctx.chunk_size)
    ]
    if workers <= 1 or size < _PARALLEL_FROM:
        for task in tasks:
            yield task[1], generate_chunk(ctx, *task).columns()
        return
    # fork is cheapest, but not once threads run (the rich progress bar has one): a forked child could
    # inherit a lock held by another thread.
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    method = "fork" if forkable else "spawn"
    mp = multiprocessing.get_context(method)
    with mp.Pool(workers, initializer=_init_worker, initargs=(ctx,)) as pool:
        # imap keeps order; chunksize 1 and the writer consuming as it goes keep few chunks in flight.
        for task, cols in zip(tasks, pool.imap(_work, tasks, chunksize=1), strict=True):
            yield task[1], cols


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
        summary = _build(desk, size, seed, report, now, actor)
    except BaseException:
        desk.close()
        _remove(building)
        raise
    desk.close()
    _remove(path)
    os.replace(building, path)
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
    shops, agents = _configure(desk, actor, seed, size, now)
    ctx = Context(
        seed=seed, now=now, chunk_size=CHUNK, shops=shops, agents=agents, phone_schemes=phone_schemes()
    )
    writer = _Writer(desk)
    done = 0
    if progress:
        progress("tickets", 0, size)
    with _BulkLoad(desk) as bulk:
        for n, cols in _chunks(ctx, size, _workers()):
            writer.write(cols)
            done += n
            if progress:
                progress("tickets", done, size)
        bulk.finish(progress)
    with desk.tx():
        desk.audit(actor, "demo.build", "desk", None, None, {"size": size, "seed": seed, **writer.counts})
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

    LABELS: ClassVar[dict[str, str]] = {"tickets": "tickets", "indexes": "indexes", "search": "search index"}

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
