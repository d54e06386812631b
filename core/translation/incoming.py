"""Translating the buyer messages that arrived (``TranslationService.translate_incoming``): batch by batch,
cache-backed, queuing for a retry what no provider could translate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from crossdesk.models import Actor
from crossdesk.store import transaction
from crossdesk.translation.results import IncomingReport, RunStats, Translation

if TYPE_CHECKING:
    from crossdesk.store import Store
    from crossdesk.translation.config import TranslationConfig

MAX_BACKOFF = 24 * 3600  # longest wait before a queued message is tried again


class IncomingMixin:
    """The incoming-messages half of :class:`~crossdesk.translation.TranslationService`."""

    store: Store
    config: TranslationConfig
    stats: RunStats


    def translate_incoming(
        self,
        actor: Actor | None = None,
        *,
        target: str | None = None,
        limit: int | None = None,
        batch_size: int | None = None,
        ticket_ids: Sequence[int] | None = None,
        force: bool = False,
        after_message: int | None = None,
    ) -> IncomingReport:
        """Translate buyer messages not yet in ``target`` (default: the acting agent's first language, else
        the configured agent language), batch by batch.

        Idempotent and cache-backed: run it as often as you like (the TUI runs it in a worker, ``crossdesk
        translate-incoming`` and automation run it too). The original text is never touched: the
        translation goes into ``messages.translation`` with ``translated_to``. A message in the target
        language already is marked done without a translation. Messages no provider could translate
        are queued and tried again after a growing delay. ``force`` goes over every buyer message again
        (answered from the cache: nothing already translated is sent again). ``after_message``: only
        messages with a greater id (what a sync just brought in; see :meth:`newest_message`).
        """
        if actor is not None:
            self.store.require(actor, "view")
        target = (target or self.agent_language(actor)).lower()
        size = batch_size or self.config.batch_size
        report = IncomingReport()
        report.warning = self.no_real_translator(target)
        stats = report.stats
        after = 0  # with force, walk by id instead of by "not yet translated"
        while limit is None or report.messages < limit:
            take = size if limit is None else min(size, limit - report.messages)
            rows = self._untranslated(target, take, ticket_ids, after if force else None, after_message)
            if not rows:
                break
            report.messages += len(rows)
            after = rows[-1][0]
            self._translate_rows(rows, target, report, stats)
        self.stats = stats
        return report

    def newest_message(self) -> int:
        """The id of the newest message on the desk (0 when none): a mark to translate only what came after."""
        return int(self.store.db.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0])

    def _untranslated(
        self,
        target: str,
        limit: int,
        ticket_ids: Sequence[int] | None,
        after: int | None = None,
        floor: int | None = None,
    ) -> list[tuple]:
        if after is None:
            # Not yet in the target language, or queued (untranslated, or partly translated while a
            # better provider was out) and due for another try.
            sql = (
                "SELECT m.id, m.ticket_id, m.shop_id, m.body, m.language FROM messages m "
                "LEFT JOIN translation_queue q ON q.message_id = m.id "
                "WHERE m.direction = 'in' AND ((m.translated_to <> ? AND q.message_id IS NULL) "
                "OR q.next_attempt_at <= ?)"
            )
            args: list[Any] = [target, self.store.now()]
        else:
            sql = "SELECT m.id, m.ticket_id, m.shop_id, m.body, m.language FROM messages m WHERE m.direction = 'in' AND m.id > ?"
            args = [after]
        if floor is not None:
            sql += " AND m.id > ?"
            args.append(floor)
        if ticket_ids is not None:
            ids = [int(i) for i in ticket_ids]
            if not ids:
                return []
            sql += f" AND m.ticket_id IN ({','.join('?' * len(ids))})"
            args.extend(ids)
        sql += " ORDER BY m.id LIMIT ?"
        args.append(limit)
        return self.store.db.execute(sql, args).fetchall()

    def _translate_rows(
        self, rows: list[tuple], target: str, report: IncomingReport, stats: RunStats
    ) -> None:
        detected: dict[int, str] = {}
        by_shop: dict[int, list[tuple]] = {}
        for row in rows:
            mid, _, shop_id, body, language = row
            if not language:
                lang, _ = self.detect(body)
                language = "" if lang == "und" else lang
                detected[mid] = language
            by_shop.setdefault(shop_id, []).append((mid, body, language))
        results: dict[int, Translation] = {}
        for shop_id, items in by_shop.items():
            outs = self.translate(
                [b for _, b, _ in items],
                target,
                sources=[lang or None for _, _, lang in items],
                shop_id=shop_id,
                stats=stats,
            )
            for (mid, _, _), t in zip(items, outs, strict=True):
                results[mid] = t
        now = self.store.now()
        tickets = {row[0]: row[1] for row in rows}
        with transaction(self.store.db):
            db = self.store.db
            for mid, lang in detected.items():
                if lang:
                    db.execute("UPDATE messages SET language = ? WHERE id = ?", [lang, mid])
                    db.execute(
                        "UPDATE tickets SET language = ? WHERE id = ? AND language = ''", [lang, tickets[mid]]
                    )
            for mid, t in results.items():
                if t.ok and t.provider == "":
                    report.same_language += 1
                    db.execute(
                        "UPDATE messages SET translation = '', translated_to = ? WHERE id = ?", [target, mid]
                    )
                    db.execute("DELETE FROM translation_queue WHERE message_id = ?", [mid])
                elif t.ok:
                    report.translated += 1
                    report.count(t)
                    db.execute(
                        "UPDATE messages SET translation = ?, translated_to = ?, translated_by = ?, "
                        "translation_coverage = ? WHERE id = ?",
                        [t.text, target, t.provider, t.coverage, mid],
                    )
                    if not t.upgradable:
                        db.execute("DELETE FROM translation_queue WHERE message_id = ?", [mid])
                if not t.ok or t.upgradable:
                    report.queued += 1
                    prev = db.execute(
                        "SELECT attempts FROM translation_queue WHERE message_id = ?", [mid]
                    ).fetchone()
                    attempts = (prev[0] if prev else 0) + 1
                    delay = min(self.config.retry_after * 2 ** (attempts - 1), MAX_BACKOFF)
                    db.execute(
                        "INSERT INTO translation_queue (message_id, target, attempts, next_attempt_at, last_error, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(message_id) DO UPDATE SET "
                        "target = excluded.target, attempts = excluded.attempts, "
                        "next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error, "
                        "updated_at = excluded.updated_at",
                        [mid, target, attempts, now + delay, t.error[:500], now],
                    )

    def queued(self) -> list[dict]:
        """Messages waiting for a retry: id, target, attempts, next attempt, last error."""
        return [
            dict(r)
            for r in self.store.db.query(
                "SELECT message_id, target, attempts, next_attempt_at, last_error FROM translation_queue "
                "ORDER BY next_attempt_at"
            )
        ]
