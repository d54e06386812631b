"""Day rollups of the ticket facts: every ticket of a day as packed columns (docs/analytics.md, "Rollups").

A report over a long period reads one row per day (``analytics_days``) instead of one per ticket. Each
row holds the exact per-ticket values a report summarises (so medians and percentiles stay exact), the
flags its rates count, the raw deadlines whose "came due" depends on the report's now, and the ticket's
dimensions as integer codes (``analytics_codes``). The facts step of the event pipeline marks the day of
every ticket it touches (``analytics_dirty``); :meth:`Rollups.refresh` rebuilds those days before a
report; :meth:`Rollups.rebuild` rebuilds every day. A day row is built by one query over the tickets of
that day, the same for the incremental and the full path, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from crossdesk.analytics import dimensions as dims
from crossdesk.models import Actor
from crossdesk.store import Store

DAY = 86_400
_SOLVED = "(t.status IN (4, 5) AND t.solved_at IS NOT NULL)"
#: float64 columns (NaN: none). ``*_at`` are deadlines compared with the report's now: -1 means "came due
#: whatever now is".
NUMS = {
    "id": "t.id",
    "created": "t.created_at",
    "fr": "f.first_human_at - f.first_in_at",
    "bh": "f.first_reply_bh",
    "ar": "f.first_auto_at - f.first_in_at",
    "res": f"CASE WHEN {_SOLVED} THEN t.solved_at - t.created_at END",
    "f_due_at": (
        "CASE WHEN f.first_reply_due IS NULL THEN NULL WHEN t.first_replied_at IS NOT NULL THEN -1 "
        "ELSE f.first_reply_due END"
    ),
    "n_live_at": "t.next_reply_due",
    "r_due_at": (
        f"CASE WHEN {_SOLVED} THEN (CASE WHEN f.resolution_due IS NOT NULL THEN -1 END) "
        "ELSE t.resolution_due END"
    ),
}
#: int32 columns: flags and counts (0 when the ticket has no facts row) ...
FLAGS = {
    "facts": "f.ticket_id IS NOT NULL",
    "solved": _SOLVED,
    "reopened": "IFNULL(f.reopens > 0, 0)",
    "fcr": f"IFNULL({_SOLVED} AND f.human_replies = 1 AND f.reopens = 0, 0)",
    "f_met": "IFNULL(t.first_replied_at IS NOT NULL AND t.first_replied_at <= f.first_reply_due, 0)",
    "n_due": "IFNULL(f.next_due, 0)",
    "n_met": "IFNULL(f.next_met, 0)",
    "r_met": f"IFNULL({_SOLVED} AND t.solved_at <= f.resolution_due, 0)",
    "open": "t.status < 4",
}
#: ... then one code per plain dimension (the SKU, several per ticket, is kept as pairs).
DIMS = tuple(d for d in dims.SQL if d != "sku")
_NULL = -1.0e300


@dataclass
class Columns:
    """Tickets as columns: ``nums`` (rows x NUMS), ``ints`` (rows x FLAGS + DIMS), ``skus`` (pairs of row,
    SKU code)."""

    nums: np.ndarray
    ints: np.ndarray
    skus: np.ndarray

    def num(self, name: str) -> np.ndarray:
        return self.nums[:, list(NUMS).index(name)]

    def flag(self, name: str) -> np.ndarray:
        return self.ints[:, list(FLAGS).index(name)]

    def dim(self, name: str) -> np.ndarray:
        return self.ints[:, len(FLAGS) + DIMS.index(name)]

    def __len__(self) -> int:
        return len(self.nums)


def _empty() -> Columns:
    return Columns(
        np.empty((0, len(NUMS)), dtype=np.float64),
        np.empty((0, len(FLAGS) + len(DIMS)), dtype=np.int32),
        np.empty((0, 2), dtype=np.int32),
    )


class Rollups:
    """``desk.analytics.rollups``: the day rows, their refresh and their rebuild."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._codes: dict[tuple[str, str], int] | None = None
        self._all: tuple[tuple[int, int], Columns] | None = None

    # -- codes -------------------------------------------------------------------------------------------
    def codes(self) -> dict[tuple[str, str], int]:
        if self._codes is None:
            self._codes = {
                (d, v): c for c, d, v in self.store.db.execute("SELECT code, dim, value FROM analytics_codes")
            }
        return self._codes

    def values(self) -> dict[int, str]:
        """code -> value text ('' is "none"), read afresh (another process may have added codes)."""
        return {c: v for c, v in self.store.db.execute("SELECT code, value FROM analytics_codes")}

    def _code(self, dim: str, value: Any) -> int:
        codes = self.codes()
        key = (dim, "" if value is None else str(value))
        code = codes.get(key)
        if code is None:
            code = self.store.db.execute(
                "INSERT INTO analytics_codes (dim, value) VALUES (?, ?)", [key[0], key[1]]
            ).lastrowid
            codes[key] = int(code)
        return int(code)

    # -- building ----------------------------------------------------------------------------------------
    def _select(self) -> str:
        columns = {r[1] for r in self.store.db.execute("PRAGMA table_info(customers)")}
        parts = [f"IFNULL({sql}, {_NULL})" for sql in NUMS.values()]
        parts += list(FLAGS.values())
        parts += [dims.sql_for(d, columns) for d in DIMS]
        return (
            f"SELECT {', '.join(parts)} FROM tickets t LEFT JOIN ticket_facts f ON f.ticket_id = t.id "
            "WHERE t.created_at >= ? AND t.created_at < ? ORDER BY t.id"
        )

    def build_day(self, day: int, select: str | None = None) -> int:
        """(Re)build the row of one day from the tickets created that day; returns its ticket count."""
        db = self.store.db
        start, end = day * DAY, (day + 1) * DAY
        rows = db.execute(select or self._select(), [start, end]).fetchall()
        if not rows:
            db.execute("DELETE FROM analytics_days WHERE day = ?", [day])
            return 0
        width = len(NUMS)
        nums = np.array([r[:width] for r in rows], dtype=np.float64)
        nums[nums == _NULL] = np.nan
        nflags = len(FLAGS)
        ints = np.empty((len(rows), nflags + len(DIMS)), dtype=np.int32)
        ints[:, :nflags] = np.array([r[width : width + nflags] for r in rows], dtype=np.int32)
        for j, d in enumerate(DIMS):
            ints[:, nflags + j] = [self._code(d, r[width + nflags + j]) for r in rows]
        row_of = {int(tid): i for i, tid in enumerate(nums[:, 0])}
        pairs = [
            (row_of[tid], self._code("sku", sku))
            for tid, sku in db.execute(
                "SELECT DISTINCT t.id, l.sku FROM tickets t JOIN order_lines l ON l.order_id = t.order_id "
                "WHERE t.created_at >= ? AND t.created_at < ? ORDER BY t.id, l.sku",
                [start, end],
            )
        ]
        skus = np.array(pairs, dtype=np.int32).reshape(-1, 2)
        db.execute(
            "INSERT OR REPLACE INTO analytics_days (day, tickets, nums, ints, skus, built_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [day, len(rows), nums.tobytes(), ints.tobytes(), skus.tobytes(), self.store.now()],
        )
        return len(rows)

    def dirty(self, limit: int | None = None) -> list[int]:
        """The days marked for a rebuild, oldest first (the first ``limit`` of them)."""
        sql = "SELECT day FROM analytics_dirty ORDER BY day" + ("" if limit is None else " LIMIT ?")
        return [r[0] for r in self.store.db.execute(sql, [] if limit is None else [int(limit)])]

    def pending(self) -> int:
        """How many days wait for a rebuild."""
        return int(self.store.db.execute("SELECT COUNT(*) FROM analytics_dirty").fetchone()[0])

    def refresh(self, progress: Callable[[int, int], None] | None = None, *, limit: int | None = None) -> int:
        """Rebuild the days the pipeline marked since the last refresh (the oldest ``limit`` of them, in
        one transaction: ``crossdesk automate`` builds a large desk's rollups over several runs this way);
        returns how many."""
        days = self.dirty(limit)
        if not days:
            return 0
        select = self._select()
        self._codes = None  # read afresh: another process may have added codes
        try:
            with self.store.tx():
                for i, day in enumerate(days):
                    self.build_day(day, select)
                    self.store.db.execute("DELETE FROM analytics_dirty WHERE day = ?", [day])
                    if progress and i % 20 == 0:
                        progress(i, len(days))
        except BaseException:
            self._codes = None  # codes added in the rolled-back transaction are gone
            raise
        return len(days)

    def mark_all(self) -> None:
        """Mark every day holding tickets (or a row) dirty: the next refresh rebuilds them all."""
        db = self.store.db
        db.execute(
            "INSERT OR IGNORE INTO analytics_dirty (day) SELECT DISTINCT created_at / 86400 FROM tickets"
        )
        db.execute("INSERT OR IGNORE INTO analytics_dirty (day) SELECT day FROM analytics_days")

    def rebuild(self, actor: Actor, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild every day row (``crossdesk report --rebuild``); returns the number of days."""
        self.store.require(actor, "manage_settings")
        with self.store.tx():
            self.mark_all()
            self.store.audit(actor, "analytics.rollups_rebuild", "desk", None, None, {})
        return self.refresh(progress)

    # -- reading -----------------------------------------------------------------------------------------
    def load(self, first_day: int | None = None, last_day: int | None = None) -> Columns:
        """The tickets of the days [first_day, last_day] (all days when None), as one set of columns. The
        last load of every day is kept while the desk is unchanged (the HTML report and the dashboard
        make several reports in a row), and then serves any range: callers cut rows by time themselves."""
        db = self.store.db
        version = (db.conn.total_changes, db.execute("PRAGMA data_version").fetchone()[0])
        if self._all is not None and self._all[0] == version:
            return self._all[1]
        cols = self._read(first_day, last_day)
        if first_day is None:
            self._all = (version, cols)
        return cols

    def _read(self, first_day: int | None, last_day: int | None) -> Columns:
        where, args = "", []
        if first_day is not None and last_day is not None:
            where, args = "WHERE day >= ? AND day <= ?", [first_day, last_day]
        nums, ints, skus = [], [], []
        offset = 0
        width, iwidth = len(NUMS), len(FLAGS) + len(DIMS)
        for n, nb, ib, sb in self.store.db.execute(
            f"SELECT tickets, nums, ints, skus FROM analytics_days {where} ORDER BY day", args
        ):
            nums.append(np.frombuffer(nb, dtype=np.float64).reshape(n, width))
            ints.append(np.frombuffer(ib, dtype=np.int32).reshape(n, iwidth))
            pairs = np.frombuffer(sb, dtype=np.int32).reshape(-1, 2).copy()
            pairs[:, 0] += offset
            skus.append(pairs)
            offset += n
        if not nums:
            return _empty()
        return Columns(np.concatenate(nums), np.concatenate(ints), np.concatenate(skus))
