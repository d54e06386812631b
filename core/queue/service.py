"""The live queue: which open ticket to answer first, ranked by the native score now."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from crossdesk import native
from crossdesk.models import INTENT_CODES, Actor, TicketStatus
from crossdesk.queue.columns import DTYPES, OPEN, SELECT, Codes, Columns, concat, platform_codes, to_columns
from crossdesk.queue.rescore import RescoreReport, rescore
from crossdesk.store import Store

#: A full re-score of the snapshot happens when the clock has moved this far since the last one: scores
#: drift with time (deadlines approach, waits grow), slowly enough that a minute is invisible.
DRIFT_SECONDS = 60


@dataclass(frozen=True)
class QueueEntry:
    ticket_id: int
    priority: float


class QueueService:
    """The live queue of one desk (``desk.queue``)."""

    def __init__(self, store: Store, weights: native.ScoreWeights | None = None) -> None:
        self.store = store
        self.weights = weights
        self._intents = Codes(dict(INTENT_CODES))
        self._platforms = platform_codes()
        self._languages = Codes({"": 0})
        self._cols: Columns | None = None
        self._scores = np.empty(0, dtype=np.float32)
        self._row: dict[int, int] = {}
        self._watermark = 0
        self._scored_at = 0

    # ---- the snapshot ------------------------------------------------------------------------------

    def _read(self, where: str = "", params: Sequence[Any] = ()) -> Columns:
        rows = self.store.db.execute(f"{SELECT} {where}", list(params)).fetchall()
        return to_columns(rows, self._intents, self._platforms, self._languages)

    def refresh(self) -> int:
        """Rebuild the snapshot from the database; returns the number of open tickets."""
        now = self.store.now()
        self._watermark = now
        self._cols = self._read("WHERE status < ?", [OPEN])
        self._row = {tid: i for i, tid in enumerate(self._cols.id.tolist())}
        self._rescore_all(now)
        return len(self._cols)

    def _rescore_all(self, now: int) -> None:
        assert self._cols is not None
        self._scores = native.score(self._cols.score_cols(), self.weights, now)
        self._scored_at = now

    def changed(self, ticket_ids: Iterable[int]) -> None:
        """Re-read and re-score these tickets (new, changed, solved or closed ones alike)."""
        if self._cols is None:
            self.refresh()
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
        if self._cols is None:
            return self.refresh()
        now = self.store.now()
        ids = [
            r[0]
            for r in self.store.db.execute("SELECT id FROM tickets WHERE updated_at >= ?", [self._watermark])
        ]
        self._watermark = now
        self.changed(ids)
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
