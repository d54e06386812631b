"""The store session: one desk database and what every service needs around it.

A :class:`Store` holds the connection, the clock and the plugin manager, and gives the services their
four shared disciplines: transactions (nested ones are savepoints), permission checks (before anything is
written), audit rows (in the transaction of the change they record) and domain events (the pipeline steps
run inside the transaction; plugin observers hear of an event only after commit). Settings live here too.

The store knows nothing of the services above it: the event pipeline is a list of callables that the
:class:`~crossdesk.api.Desk` facade wires in (:attr:`Store.steps`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import sqlite_utils

try:  # pluggy's own call loop: see _plain_calls
    from pluggy._callers import _multicall
except ImportError:  # another layout of pluggy: it makes every call itself
    _multicall = None

from crossdesk.errors import DeskError, NotFound, PermissionDenied
from crossdesk.models import Actor, Event, Role
from crossdesk.store import db as storage
from crossdesk.store.behind import WriteBehind, catch_up
from crossdesk.store.permissions import PERMISSIONS, REFUND_LIMITS_USD_MINOR, check, permitted

if TYPE_CHECKING:
    import pluggy

#: A pipeline step: called with the acting actor and the event, inside the transaction that raised it.
Step = Callable[[Actor, Event], None]


#: The options of the JSON text the desk stores.
JSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def to_json(value: Any) -> str:
    """The JSON text the desk stores: sorted keys, so equal values are equal text."""
    return orjson.dumps(value, option=JSON_OPTIONS).decode()


class Store:
    """One desk database session shared by every service of a desk.

    ``pm`` is the plugin manager; when it is None, ``pm_factory`` builds one on first use, so opening a desk
    stays cheap for commands that never call a plugin.
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        pm: pluggy.PluginManager | None = None,
        *,
        pm_factory: Callable[[], pluggy.PluginManager] | None = None,
        clock: Callable[[], float] = time.time,
        path: str | Path | None = None,
    ) -> None:
        self.db = db
        self._pm = pm
        self._pm_factory = pm_factory
        self.clock = clock
        self.path = path
        #: The event pipeline, in data-flow order (wired by the facade).
        self.steps: list[Step] = []
        self._pending_events: list[Event] = []
        #: Held by whoever uses this session's connection from more than one thread (the TUI's gateway
        #: around every call; the queue's snapshot reader in memory, where it shares this connection).
        #: Reentrant, so a call made under it may call on.
        self.lock: threading.RLock = threading.RLock()

    @classmethod
    def open(cls, path: str | Path | None = None, **kw: Any) -> Store:
        """Open the desk database at ``path`` (default: ``CROSSDESK_DB`` or the user data dir), migrating it."""
        resolved = storage.default_path() if path is None else path
        return cls(storage.connect(resolved), path=resolved, **kw)

    def close(self) -> None:
        self.db.conn.close()

    @property
    def in_memory(self) -> bool:
        """Whether the database lives only in this session's connection (no second connection can see it)."""
        return self.path is None or str(self.path) == ":memory:"

    def reader(self) -> Store:
        """A session for long reads beside this one, e.g. building a snapshot in a worker thread while this
        session keeps serving: on a desk file, a second, read-only connection to the same file (WAL lets
        it read while this one writes), with a lock of its own; the caller closes it. In memory, where
        nothing else can see the database, this session itself (same connection, same :attr:`lock`)."""
        if self.in_memory:
            return self
        db = storage.connect(self.path, migrate=False)
        db.execute("PRAGMA query_only = 1")
        return Store(db, self._pm, pm_factory=self._pm_factory, clock=self.clock, path=self.path)

    @property
    def pm(self) -> pluggy.PluginManager:
        if self._pm is None:
            if self._pm_factory is None:
                raise DeskError("this desk has no plugin manager")
            self._pm = self._pm_factory()
        return self._pm

    def now(self) -> int:
        return int(self.clock())

    # ---- rows --------------------------------------------------------------------------------------
    # Plain SQL for single-row writes: sqlite-utils' table objects introspect the schema on every call,
    # which dominated the cost of message intake and import.

    def insert(self, table: str, row: Mapping[str, Any]) -> int:
        """Insert one row; return its rowid."""
        columns = ", ".join(row)
        marks = ", ".join("?" * len(row))
        return self.db.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())
        ).lastrowid

    def update(self, table: str, pk: int, patch: Mapping[str, Any]) -> None:
        """Update columns of the row with id ``pk``."""
        if patch:
            sets = ", ".join(f"{column} = ?" for column in patch)
            self.db.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*patch.values(), pk])

    def get(self, table: str, pk: int) -> dict:
        """The row with id ``pk`` as a dict; :class:`NotFound` when there is none."""
        found = self.row(f"SELECT * FROM {table} WHERE id = ?", [pk])
        if found is None:
            raise NotFound(f"no {table.removesuffix('s')} #{pk}")
        return found

    def row(self, sql: str, params: Sequence[Any] = ()) -> dict | None:
        """The first row of ``sql`` as a dict, or None."""
        cursor = self.db.execute(sql, list(params))
        values = cursor.fetchone()
        if values is None:
            return None
        return dict(zip([d[0] for d in cursor.description], values, strict=True))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict]:
        """Every row of ``sql`` as dicts."""
        return [dict(r) for r in self.db.query(sql, list(params))]

    # ---- transactions, permissions, audit, events -------------------------------------------------

    @contextmanager
    def tx(self) -> Iterator[sqlite_utils.Database]:
        """One atomic unit of work; nested calls are savepoints. Events raised inside are delivered to
        ``crossdesk_event`` observers only after the outermost transaction commits."""
        outermost = not self.db.conn.in_transaction
        try:
            with storage.transaction(self.db):
                yield self.db
        except BaseException:
            if outermost:
                self._pending_events.clear()
            raise
        if outermost:
            self._deliver()

    @contextmanager
    def tx_behind(self, behind: WriteBehind) -> Iterator[sqlite_utils.Database]:
        """:meth:`tx` committed behind (:mod:`crossdesk.store.behind`): when the block ends, its deferred
        statements and COMMIT run on ``behind``'s thread and this returns at once. The events raised inside
        reach observers when ``behind.wait()`` has seen the transaction commit, never if it was rolled
        back."""
        try:
            with behind.transaction():
                yield self.db
                events, self._pending_events = self._pending_events, []
                behind.on_commit(lambda: self.defer(events))
        except BaseException:
            self._pending_events.clear()
            raise

    def _deliver(self) -> None:
        events, self._pending_events = self._pending_events, []
        if not events:
            return
        hook = self.pm.hook.crossdesk_event
        impls: list = []
        calls: list[Callable[[Event], object]] | None = None
        for event in events:
            # A batch delivers tens of thousands of events (an import), and pluggy's bookkeeping per call
            # costs more than the observers: plain observers are called here directly, as pluggy would
            # call them. Looked at again per event: an observer may register another.
            now = hook.get_hookimpls()
            if now != impls:
                impls, calls = now, _plain_calls(self.pm, now)
            if calls is None:
                hook(event=event)
            else:
                for call in calls:
                    call(event)

    def refund_limits(self) -> dict[Role, int | None]:
        custom = self.get_setting("refund_limits", None)
        if not custom:
            return dict(REFUND_LIMITS_USD_MINOR)
        return {Role(k): (None if v is None else int(v)) for k, v in custom.items()}

    def require(self, actor: Actor, permission: str, *, amount_usd_minor: int | None = None) -> None:
        """Raise :class:`PermissionDenied` unless ``actor`` may do ``permission``."""
        if not isinstance(actor, Actor):
            raise TypeError("every service call needs an Actor as its first argument")
        if actor.permissions is not None:  # a custom role: its own refund limit (the roles setting)
            role = (self.get_setting("roles", None) or {}).get(actor.custom_role) or {}
            limit = role.get("refund_limit_usd_minor", 0)
            check(actor, permission, amount_usd_minor=amount_usd_minor, custom_limit=limit)
            return
        check(actor, permission, amount_usd_minor=amount_usd_minor, limits=self.refund_limits())

    def permissions(self, actor: Actor) -> frozenset[str]:
        """The permissions ``actor`` holds, as :meth:`require` judges them (a custom role's own set, else
        the role's row of the matrix)."""
        if not isinstance(actor, Actor):
            raise TypeError("permissions are asked for an Actor")
        return frozenset(p for p in PERMISSIONS if permitted(actor, p))

    def audit(
        self,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: int | None,
        before: Any = None,
        after: Any = None,
    ) -> int:
        """Write one audit row. Call inside the transaction of the change it records."""
        catch_up(self.db)  # after the audit rows the transaction deferred, if any
        return self.insert(
            "audit",
            {
                "at": self.now(),
                "actor": actor.name,
                "role": actor.role_name,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "before": None if before is None else to_json(before),
                "after": None if after is None else to_json(after),
            },
        )

    def emit(self, actor: Actor, name: str, object_type: str, object_id: int | None, **data: Any) -> Event:
        """Raise a domain event: the pipeline steps (language, classification, rules, SLA) run now, inside
        the current transaction; plugin observers hear of it after commit."""
        event = Event(
            name=name,
            object_type=object_type,
            object_id=object_id,
            actor=actor.name,
            at=self.now(),
            data=data,
        )
        for step in self.steps:
            step(actor, event)
        self._pending_events.append(event)
        if not self.db.conn.in_transaction:
            self._deliver()
        return event

    def defer(self, events: Sequence[Event]) -> None:
        """Events whose pipeline steps the caller ran itself, over a batch (``crossdesk.intake``): plugin
        observers hear of them after the outermost transaction commits, like those of :meth:`emit`."""
        self._pending_events.extend(events)
        if not self.db.conn.in_transaction:
            self._deliver()

    def audit_trail(
        self, actor: Actor, object_type: str | None = None, object_id: int | None = None, limit: int = 200
    ) -> list[dict]:
        """The newest audit rows, optionally of one object, with ``before`` and ``after`` parsed."""
        self.require(actor, "view")
        where, args = [], []
        if object_type is not None:
            where.append("object_type = ?")
            args.append(object_type)
        if object_id is not None:
            where.append("object_id = ?")
            args.append(object_id)
        sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY id DESC LIMIT ?"
        rows = self.rows(sql, [*args, limit])
        for row in rows:
            for key in ("before", "after"):
                if row[key] is not None:
                    row[key] = orjson.loads(row[key])
        return rows

    # ---- many items, each on its own -----------------------------------------------------------------

    def each(self, items: Sequence[int], fn: Callable[[int], str]) -> dict[int, str]:
        """Run ``fn`` per item, each in its own savepoint: a failure leaves that item untouched and is
        reported as ``"error: ..."``; the others go on. Returns a result per item."""
        results: dict[int, str] = {}
        for item in items:
            try:
                with self.tx():
                    results[item] = fn(item)
            except (DeskError, PermissionDenied) as exc:
                results[item] = f"error: {exc}"
        return results

    # ---- settings ----------------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return default if row is None else orjson.loads(row[0])

    def set_setting(self, actor: Actor, key: str, value: Any) -> None:
        self.require(actor, "manage_settings")
        with self.tx():
            before = self.get_setting(key)
            self.put_setting(key, value)
            self.audit(actor, "setting.set", "setting", None, {key: before}, {key: value})

    def put_setting(self, key: str, value: Any) -> None:
        """Write a setting without a permission check or audit row: for a service's own bookkeeping
        (cursors of a batch run), which it audits once itself."""
        self.db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, to_json(value)],
        )


def _plain_calls(pm: pluggy.PluginManager, impls: Sequence[Any]) -> list[Callable[[Event], object]] | None:
    """The ``crossdesk_event`` observers as pluggy calls them (the last registered first, with the event if
    they take it), or None when pluggy must make the calls: an observer that wraps the others, takes
    arguments by keyword, or a hook-call monitor (tracing) on the manager."""
    if _multicall is None or getattr(pm, "_inner_hookexec", None) is not _multicall:
        return None
    calls: list[Callable[[Event], object]] = []
    for impl in reversed(impls):
        if impl.hookwrapper or getattr(impl, "wrapper", False) or impl.kwargnames:
            return None
        if tuple(impl.argnames) == ("event",):
            calls.append(impl.function)
        elif not impl.argnames:
            calls.append(lambda event, function=impl.function: function())
        else:
            return None
    return calls
