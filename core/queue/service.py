"""The live queue: which open ticket to answer first, ranked by the native score now.

The column snapshot is built and kept in sync on a read session of its own (:meth:`Store.reader`: a
second connection on a desk file), guarded by the service's own lock, so a worker can build it (seconds
on a million tickets) while the desk's connection keeps serving pages of the stored ranking.
:meth:`QueueService.page` decides which ranking serves a page of the inbox.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from crossdesk import native
from crossdesk.models import INTENT_CODES, Actor, TicketStatus
from crossdesk.queue.columns import DTYPES, OPEN, SELECT, Codes, Columns, concat, platform_codes, to_columns
from crossdesk.queue.rescore import RescoreReport, rescore
from crossdesk.store import Store
from crossdesk.tickets import TicketService

#: A full re-score of the snapshot happens when the clock has moved this far since the last one: scores
#: drift with time (deadlines approach, waits grow), slowly enough that a minute is invisible.
DRIFT_SECONDS = 60


#: Inbox filters (:func:`crossdesk.tickets.ticket_filter`) and the :meth:`QueueService.top` argument each
#: becomes in the live ranking.
LIVE_ARGS = {
    "platform": "platform",
    "shop_id": "shop",
    "status": "status",
    "intent": "intent",
    "tier": "tier",
    "language": "language",
    "assignee_id": "assignee",
}
#: Inbox filters the snapshot cannot serve: it holds no message text, no tags and no deadlines window.
STORED_ONLY = ("search", "tag", "breaching_before", "order_status", "message_type")


@dataclass(frozen=True)
class QueueEntry:
    ticket_id: int
    priority: float


@dataclass(frozen=True)
class QueuePage:
    """A page of the inbox: ticket rows (with ``shop_name``, ``buyer``, ``assignee`` and the ``priority``
    shown), and whether the live ranking ordered them (else the stored score did)."""

    rows: list[dict]
    live: bool


def live_filters(filters: Mapping[str, Any]) -> dict[str, Any] | None:
    """The inbox filters as arguments of :meth:`QueueService.top`; None when one of them (full-text
    search, tag, breaching, a solved or closed status) is not something the live queue can serve."""
    if any(filters.get(k) is not None for k in STORED_ONLY):
        return None
    out: dict[str, Any] = {
        arg: filters[key] for key, arg in LIVE_ARGS.items() if filters.get(key) is not None
    }
    if filters.get("unassigned"):
        if "assignee" in out:
            return None
        out["assignee"] = 0
    if "status" in out and any(TicketStatus.parse(s) >= TicketStatus.SOLVED for s in _many(out["status"])):
        return None  # the live queue holds open tickets only
    return out


class QueueService:
    """The live queue of one desk (``desk.queue``): the ranking of the open tickets by their score now,
    and the inbox's pages (:meth:`page`) in that ranking or the stored one."""

    def __init__(
        self, store: Store, tickets: TicketService, weights: native.ScoreWeights | None = None
    ) -> None:
        self.store = store
        self.tickets = tickets
        self.weights = weights
        # The snapshot's own session and the lock that guards it and the arrays below. Opened on first use.
        self._reader: Store | None = None
        self._opening = threading.Lock()
        self._intents = Codes(dict(INTENT_CODES))
        self._platforms = platform_codes()
        self._languages = Codes({"": 0})
        self._cols: Columns | None = None
        self._scores = np.empty(0, dtype=np.float32)
        self._row: dict[int, int] = {}
        self._watermark = 0
        self._scored_at = 0

    # ---- the snapshot ------------------------------------------------------------------------------

    @contextmanager
    def _snapshot(self) -> Iterator[Store]:
        """The read session the snapshot lives on, held (its lock) for the caller's use."""
        with self._opening:
            if self._reader is None:
                self._reader = self.store.reader()
        with self._reader.lock:
            yield self._reader

    @property
    def ready(self) -> bool:
        """Whether the snapshot is built, so :meth:`page` can rank live without waiting for a build."""
        return self._cols is not None

    def prepare(self, actor: Actor) -> int:
        """Build the snapshot (or bring it up to date); returns the number of open tickets in it. Call it
        from a worker: it holds only the snapshot's own session and lock, never the desk's connection."""
        self.store.require(actor, "view")
        with self._snapshot():
            self.sync()
            assert self._cols is not None
            return int(np.count_nonzero(self._cols.status < OPEN))

    def close(self) -> None:
        """Close the snapshot's session (the desk closes it with its own)."""
        with self._opening:
            reader, self._reader = self._reader, None
        if reader is not None and reader is not self.store:
            with reader.lock:
                reader.close()

    def _read(self, where: str = "", params: Sequence[Any] = ()) -> Columns:
        assert self._reader is not None  # callers hold _snapshot()
        rows = self._reader.db.execute(f"{SELECT} {where}", list(params)).fetchall()
        return to_columns(rows, self._intents, self._platforms, self._languages)

    def refresh(self) -> int:
        """Rebuild the snapshot from the database; returns the number of open tickets."""
        with self._snapshot():
            return self._refresh()

    def _refresh(self) -> int:
        now = self.store.now()
        cols = self._read("WHERE status < ?", [OPEN])
        self._watermark = now
        self._row = {tid: i for i, tid in enumerate(cols.id.tolist())}
        self._scores = native.score(cols.score_cols(), self.weights, now)
        self._scored_at = now
        self._cols = cols  # last: from here on the snapshot is ready
        return len(cols)

    def _rescore_all(self, now: int) -> None:
        assert self._cols is not None
        self._scores = native.score(self._cols.score_cols(), self.weights, now)
        self._scored_at = now

    def changed(self, ticket_ids: Iterable[int]) -> None:
        """Re-read and re-score these tickets (new, changed, solved or closed ones alike)."""
        with self._snapshot():
            self._changed(ticket_ids)

    def _changed(self, ticket_ids: Iterable[int]) -> None:
        if self._cols is None:
            self._refresh()
            return
        ids = sorted({int(t) for t in ticket_ids})
        if not ids:
            return
        fresh: list[Columns] = []
        for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
            part = ids[start : start + 500]
            fresh.append(self._read(f"WHERE id IN ({','.join('?' * len(part))})", part))
        self._apply(concat(fresh))

    def _apply(self, new: Columns) -> None:
        assert self._cols is not None
        cols = self._cols
        now = self.store.now()
        scores = native.score(new.score_cols(), self.weights, self._scored_at or now)
        appended = []
        for j, tid in enumerate(new.id.tolist()):
            i = self._row.get(tid)
            if i is None:
                if new.status[j] < OPEN:
                    appended.append(j)
                continue
            for name in DTYPES:
                getattr(cols, name)[i] = getattr(new, name)[j]
            self._scores[i] = scores[j]
        if appended:
            take = np.array(appended, dtype=np.int64)
            base = len(cols)
            self._cols = Columns(
                **{n: np.concatenate([getattr(cols, n), getattr(new, n)[take]]) for n in DTYPES}
            )
            self._scores = np.concatenate([self._scores, scores[take]])
            for k, tid in enumerate(new.id[take].tolist()):
                self._row[tid] = base + k
        # Solved and closed rows stay in place with status >= OPEN (score -inf, never served) until the
        # next refresh compacts them; removing them one by one would move every later row.

    def sync(self) -> int:
        """Pick up every ticket changed since the last look; returns how many rows were re-read."""
        with self._snapshot() as reader:
            if self._cols is None:
                return self._refresh()
            now = self.store.now()
            ids = [
                r[0]
                for r in reader.db.execute("SELECT id FROM tickets WHERE updated_at >= ?", [self._watermark])
            ]
            self._watermark = now
            self._changed(ids)
            if now - self._scored_at >= DRIFT_SECONDS:
                self._rescore_all(now)
            return len(ids)

    # ---- serving -------------------------------------------------------------------------------------

    def top(
        self,
        actor: Actor,
        n: int = 50,
        *,
        platform: str | Sequence[str] | None = None,
        shop: int | Sequence[int] | None = None,
        status: str | int | Sequence[str | int] | None = None,
        intent: str | Sequence[str] | None = None,
        tier: int | Sequence[int] | None = None,
        language: str | Sequence[str] | None = None,
        assignee: int | Sequence[int] | None = None,
    ) -> list[QueueEntry]:
        """The ``n`` open tickets to answer first, best first, among those matching every filter given.
        Each filter takes one value or several; ``assignee=0`` means unassigned."""
        self.store.require(actor, "view")
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._snapshot():
            self.sync()
            assert self._cols is not None
            cols = self._cols
            mask = cols.status < OPEN
            if platform is not None:
                mask &= np.isin(cols.platform, [self._platforms(p) for p in _many(platform)])
            if shop is not None:
                mask &= np.isin(cols.shop_id, [int(s) for s in _many(shop)])
            if status is not None:
                mask &= np.isin(cols.status, [int(TicketStatus.parse(s)) for s in _many(status)])
            if intent is not None:
                mask &= np.isin(cols.intent, [self._intents(i) for i in _many(intent)])
            if tier is not None:
                mask &= np.isin(cols.tier, [int(t) for t in _many(tier)])
            if language is not None:
                mask &= np.isin(cols.language, [self._languages(lang) for lang in _many(language)])
            if assignee is not None:
                wanted = [-1 if int(a) == 0 else int(a) for a in _many(assignee)]
                mask &= np.isin(cols.assignee_id, wanted)
            rows = np.flatnonzero(mask)
            best = native.rank(self._scores[rows], n, cols.created_at[rows])
            picked = rows[best]
            return [
                QueueEntry(int(t), float(s))
                for t, s in zip(cols.id[picked].tolist(), self._scores[picked].tolist(), strict=True)
            ]

    # ---- the inbox ---------------------------------------------------------------------------------

    def page(self, actor: Actor, *, offset: int = 0, limit: int = 100, **filters: Any) -> QueuePage:
        """One page of the inbox for the inbox filters (those of :meth:`TicketService.list`).

        Ranked live (the native score now, from the snapshot) when the snapshot is built and every filter
        is one it can serve; otherwise by the stored score (``tickets.priority``), which the desk pages
        with an index walk. The page never waits for the snapshot to be built: :meth:`prepare` does that."""
        self.store.require(actor, "view")
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must be >= 0")
        top_filters = live_filters(filters)
        if top_filters is not None and self.ready:
            entries = self.top(actor, offset + limit, **top_filters)[offset:]
            rows = self.tickets.by_ids(actor, [e.ticket_id for e in entries])
            scores = {e.ticket_id: e.priority for e in entries}
            for row in rows:
                row["priority"] = scores[row["id"]]
            return QueuePage(rows, live=True)
        rows = self.tickets.list(actor, limit=limit, offset=offset, **filters)
        self.tickets.add_names(actor, rows)
        return QueuePage(rows, live=False)

    def count(self, actor: Actor, **filters: Any) -> int:
        """How many tickets the inbox pages through for these filters (either ranking: the same tickets)."""
        return self.tickets.count(actor, **filters)

    def rescore(
        self, actor: Actor, *, chunk: int = 50_000, progress: Callable[[str, int, int], None] | None = None
    ) -> RescoreReport:
        """The batch re-score of the whole desk (see :func:`rescore`), then a fresh snapshot."""
        report = rescore(self.store, actor, chunk=chunk, progress=progress, weights=self.weights)
        if self._cols is not None:
            self.refresh()
        return report


def _many(value: Any) -> list[Any]:
    if isinstance(value, (str, int)):
        return [value]
    return list(value)
