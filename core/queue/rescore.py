"""The operator's batch re-score (``crossdesk rescore``): every ticket of the desk scored from the database
and ``tickets.priority`` written back in chunks, each chunk and the run's cursor in one transaction, so an
interrupted run resumes where it stopped with the same clock and ends with the same priorities as an
uninterrupted one."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from crossdesk import native
from crossdesk.models import Actor
from crossdesk.native import INT64_MAX
from crossdesk.queue.columns import BY_NAME, OPEN, SCORE, batch_select, to_array
from crossdesk.store import Store

RESCORE_KEY = "queue.rescore"  # settings row of a rescore run in progress


@dataclass(frozen=True)
class RescoreReport:
    tickets: int  # open tickets scored by this call (solved and closed ones are set to -inf in one go)
    written: int  # rows whose priority changed
    resumed: bool  # this call finished a run an earlier call had started
    now: int  # the clock every score of the run used
    seconds: float

    def __str__(self) -> str:
        again = " (resumed)" if self.resumed else ""
        return f"{self.tickets:,} open tickets scored, {self.written:,} priorities changed{again} in {self.seconds:.1f} s"


#: The chunk: the id and the score columns of the schema (names coded inside SQLite, so the rows carry
#: small ints instead of strings), and the stored priority to skip unchanged rows. Infinities have no
#: JSON form; the stored priority is only compared with the new score, and any float32 beyond +-3.4e38 is
#: infinite anyway.
_RESCORE_SELECT = batch_select(
    (BY_NAME["id"], *SCORE),
    extra=("min(max(priority, -3.4e38), 3.4e38)",),
    where=f"WHERE id > ? AND status < {OPEN}",
    tail="ORDER BY id LIMIT ?",
)
#: Solved and closed tickets score -inf whatever their columns say: each chunk's transaction sets those
#: among its ids (pages the chunk rewrites anyway, so each page goes to the WAL once), the last one those
#: after the last open ticket. The chunks read only the open ones (on a real desk, most are closed).
_CLOSE_SQL = f"UPDATE tickets SET priority = -1e999 WHERE id > ? AND id <= ? AND status >= {OPEN} AND priority > -1e999"
#: Above this many tickets the batch drops the indexes that contain ``priority`` while it writes and
#: builds them again at the end: one sorted build is several times cheaper than a million random index
#: updates (two such indexes exist: the queue's and the inbox's).
REBUILD_INDEXES_ABOVE = 200_000


def _priority_indexes(db: Any) -> list[tuple[str, str]]:
    return [
        (name, sql)
        for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets' "
            "AND sql IS NOT NULL AND sql LIKE '%priority%'"
        ).fetchall()
    ]


def _restore_indexes(store: Store, state: dict) -> None:
    dropped = state.get("dropped_indexes") or []
    if not dropped:
        return
    with store.tx():
        for _name, sql in dropped:
            store.db.execute(sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        state["dropped_indexes"] = []
        _save_state(store, state)


def rescore(
    store: Store,
    actor: Actor,
    *,
    chunk: int = 50_000,
    progress: Callable[[str, int, int], None] | None = None,
    weights: native.ScoreWeights | None = None,
    stop_after: int | None = None,
    rebuild_indexes: bool | None = None,
    map_scores: Callable[..., Any] | None = None,
) -> RescoreReport:
    """Re-score every ticket of the desk and write ``tickets.priority``; needs the "bulk" permission.

    Streams the tickets in id order, ``chunk`` at a time; each chunk's priorities and the run's cursor
    are committed together, so a run stopped at any point (Ctrl-C, a crash, ``stop_after`` chunks in
    tests) resumes from its cursor on the next call, with the clock of the run it resumes, and ends with
    the priorities an uninterrupted run would have written. ``progress`` is called as
    ``progress("rescore", done, total)`` after each chunk. Large desks (``rebuild_indexes`` None: more
    than ``REBUILD_INDEXES_ABOVE`` tickets) have their priority indexes dropped for the run and built
    again at its end; the run's state remembers them, so an interrupted run rebuilds them when it
    resumes, and a Ctrl-C rebuilds them on the way out. ``map_scores(fn, partitions)`` (an executor's
    ``map_ordered``, :mod:`crossdesk.scale`) scores the chunks elsewhere (a Dask cluster) and yields
    them back in order; the chunks are still read and written here.
    """
    store.require(actor, "bulk")
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    started = time.perf_counter()
    state = store.get_setting(RESCORE_KEY, None)
    resumed = bool(state)
    if not state:
        total = store.db.execute(f"SELECT count(*) FROM tickets WHERE status < {OPEN}").fetchone()[0]
        state = {
            "now": store.now(),
            "cursor": 0,
            "done": 0,
            "total": total,
            "written": 0,
            "dropped_indexes": [],
        }
        if rebuild_indexes is None:
            rebuild_indexes = total > REBUILD_INDEXES_ABOVE
        with store.tx():
            if rebuild_indexes:
                state["dropped_indexes"] = _priority_indexes(store.db)
                for name, _sql in state["dropped_indexes"]:
                    store.db.execute(f'DROP INDEX IF EXISTS "{name}"')
            _save_state(store, state)
    conn = store.db.conn
    pragmas = {
        name: conn.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("cache_size", "temp_store", "threads", "wal_autocheckpoint")
    }
    # No checkpoint after every chunk's commit (each would copy the chunk's pages into the database file
    # and sync it); one checkpoint at the end of the run instead.
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    # A large page cache and in-memory temp storage for the run: the index builds sort a million keys,
    # and the sorter may use a helper thread.
    conn.execute("PRAGMA cache_size = -262144")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA threads = 2")
    try:
        return _run(store, actor, state, chunk, progress, weights, stop_after, resumed, started, map_scores)
    except BaseException:
        # Interrupted: keep the cursor (the next call resumes), but never leave the desk without its
        # indexes longer than necessary. A kill -9 skips this; the resuming run rebuilds them instead.
        if stop_after is None:
            _restore_indexes(store, state)
        raise
    finally:
        for name, value in pragmas.items():
            conn.execute(f"PRAGMA {name} = {int(value)}")
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")


class _ChunkReader:
    """Reads the next chunk of open tickets and converts it to score columns.

    On the same connection as the writes: a reader thread on a second connection was tried and was
    slower, because converting rows and binding the writes both need the GIL and ping-pong it per row.
    With the chunk read as JSON arrays (one ``sqlite3_step`` without the GIL) a reader one chunk ahead
    was tried again: no faster on 2 shared cores (9.0-9.5 s vs 8.3-8.8 s on 1M tickets).
    """

    def __init__(self, db: Any, chunk: int) -> None:
        self.chunk = chunk
        self.conn = db.conn

    def read(self, cursor: int) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray] | None:
        row = self.conn.execute(_RESCORE_SELECT, [cursor, self.chunk]).fetchone()
        c = [orjson.loads(text) for text in row]
        if not c[0]:
            return None
        ids = np.array(c[0], dtype=np.int64)
        # Each column coded as the schema says (clipped, flagged, rounded to float32 ...).
        cols = {col.name: to_array(col, values) for col, values in zip(SCORE, c[1:-1], strict=True)}
        old = np.array(c[-1], dtype=np.float64).astype(np.float32)
        return ids, cols, old


def _write_chunk(
    store: Store,
    conn: Any,
    state: dict,
    ids: np.ndarray,
    cols: dict[str, np.ndarray],
    old: np.ndarray,
    weights: native.ScoreWeights | None,
    now: int,
    done: int,
    scored: int,
    written_total: int,
    scores: np.ndarray | None = None,
) -> tuple[int, int, int, int]:
    if scores is None:
        scores = native.score(cols, weights, now)
    # Rows whose priority is already right (a resumed or repeated run, solved tickets at -inf) are not
    # written again.
    changed = np.flatnonzero(old != scores)
    first = state["cursor"]
    cursor = int(ids[-1])
    done += len(ids)
    scored += len(ids)
    written_total += len(changed)
    with store.tx():
        written_total += conn.execute(_CLOSE_SQL, [first, cursor]).rowcount
        state.update(cursor=cursor, done=done, written=written_total)
        if len(changed):
            conn.executemany(
                "UPDATE tickets SET priority = ? WHERE id = ?",
                zip(scores[changed].astype(np.float64).tolist(), ids[changed].tolist(), strict=True),
            )
        _save_state(store, state)
    return cursor, done, scored, written_total


def _run(
    store: Store,
    actor: Actor,
    state: dict,
    chunk: int,
    progress: Callable[[str, int, int], None] | None,
    weights: native.ScoreWeights | None,
    stop_after: int | None,
    resumed: bool,
    started: float,
    map_scores: Callable[..., Any] | None = None,
) -> RescoreReport:
    now = int(state["now"])
    cursor = int(state["cursor"])
    done = int(state["done"])
    total = int(state["total"])
    written_total = int(state.get("written", 0))
    scored = 0
    conn = store.db.conn
    if progress is not None:
        progress("rescore", done, total)
    reader = _ChunkReader(store.db, chunk)
    chunks = _scored_chunks(reader, cursor, weights, now, map_scores)
    for n, (ids, cols, old, scores) in enumerate(chunks, 1):
        cursor, done, scored, written_total = _write_chunk(
            store, conn, state, ids, cols, old, weights, now, done, scored, written_total, scores
        )
        if progress is not None:
            progress("rescore", done, total)
        if stop_after is not None and n >= stop_after:
            return RescoreReport(scored, written_total, resumed, now, time.perf_counter() - started)
    # Solved and closed tickets after the last open one.
    with store.tx():
        written_total += conn.execute(_CLOSE_SQL, [cursor, INT64_MAX]).rowcount
        state.update(written=written_total)
        _save_state(store, state)
    if progress is not None and state.get("dropped_indexes"):
        progress("indexes", 0, 1)
    _restore_indexes(store, state)
    with store.tx():
        store.db.execute("DELETE FROM settings WHERE key = ?", [RESCORE_KEY])
        store.audit(
            actor,
            "queue.rescore",
            "desk",
            None,
            None,
            {"tickets": done, "written": written_total, "now": now},
        )
    return RescoreReport(scored, written_total, resumed, now, time.perf_counter() - started)


def _scored_chunks(
    reader: _ChunkReader,
    cursor: int,
    weights: native.ScoreWeights | None,
    now: int,
    map_scores: Callable[..., Any] | None,
) -> Any:
    """``(ids, cols, old, scores)`` per chunk in id order; scores None when the writer scores here."""

    def chunks() -> Any:
        nonlocal cursor
        while (got := reader.read(cursor)) is not None:
            cursor = int(got[0][-1])
            yield got

    if map_scores is None:
        for ids, cols, old in chunks():
            yield ids, cols, old, None
        return
    read: list[tuple] = []

    def outgoing() -> Any:
        for got in chunks():
            read.append(got)
            yield (got[1], weights, now)

    for scores in map_scores(native.score, outgoing()):
        ids, cols, old = read.pop(0)
        yield ids, cols, old, scores


def _save_state(store: Store, state: dict) -> None:
    # Not through set_setting: one settings row per chunk must not add an audit row per chunk (the run is
    # audited once, at the end).
    store.put_setting(RESCORE_KEY, state)
