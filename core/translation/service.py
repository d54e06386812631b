"""The translation service (``desk.translation``): routing with fallbacks, cache, batching, glossary,
background translation of incoming messages, and the reply preview.

How a batch of texts is translated:

1. each text's source language is given or detected (``crossdesk.language.detect``);
2. texts already in the target language are returned as they are;
3. the cache (text hash, source, target, glossary key, provider) answers what was translated before, by
   any provider on the route: the same text is never sent twice;
4. the rest, deduplicated, goes to the route's providers in order (``TranslationConfig.route``), in
   requests within each provider's ``max_texts``/``max_chars``. A provider that is rate limited or down
   is skipped for the rest of the run and the next one takes over; one over its quota (or whose key is
   refused) is stopped and the run says so; a text a provider rejects or whose glossary terms it did not
   keep goes on to the next provider;
5. what nobody could translate comes back with ``text=None`` and an error, never as a guess.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from crossdesk.models import Actor
from crossdesk.store import Store, transaction
from crossdesk.tickets import TicketService
from crossdesk.translation.config import SECRET_FIELDS, TranslationConfig, load_config
from crossdesk.translation.errors import (
    AuthFailed,
    BadRequest,
    QuotaExceeded,
    TranslationError,
)
from crossdesk.translation.glossary import Glossary, GlossaryTerm, Span, honoured

UNTRANSLATED = re.compile(r"⟦(.*?)⟧", re.S)
QUOTA_PAUSE = 3600  # seconds a provider over quota is left alone when it does not say for how long
DOWN_PAUSE = 300  # seconds a provider that is down or rate limited is skipped (a TUI session runs for hours)
AUTH_PAUSE = 3600  # seconds a provider whose key was refused is skipped
MAX_BACKOFF = 24 * 3600


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def coverage_of(source: str, translated: str) -> tuple[float, list[str]]:
    """Share of ``source`` that ``translated`` actually translated, judged by its ``⟦ ⟧`` marks."""
    missed = UNTRANSLATED.findall(translated)
    if not missed:
        return 1.0, []
    total = sum(1 for ch in source if not ch.isspace()) or 1
    lost = sum(1 for piece in missed for ch in piece if not ch.isspace())
    return max(0.0, 1.0 - lost / total), missed


@dataclass
class Translation:
    """One text's translation. ``text`` is None when no provider could translate it (see ``error``)."""

    original: str
    text: str | None
    source: str
    target: str
    provider: str = ""  # "" when nothing needed translating (same language)
    cached: bool = False
    coverage: float = 1.0
    untranslated: list[str] = field(default_factory=list)
    error: str = ""
    # A partial translation made because a better provider on the route was down or over quota: worth
    # trying again later (translate_incoming queues the message while showing this one meanwhile).
    upgradable: bool = False

    @property
    def ok(self) -> bool:
        return self.text is not None

    @property
    def complete(self) -> bool:
        """Translated in full (the phrasebook marks what it could not translate)."""
        return self.text is not None and not self.untranslated


@dataclass
class RunStats:
    """What a run did: texts asked for, cache hits, texts and requests sent per provider, notes."""

    texts: int = 0
    same_language: int = 0
    cache_hits: int = 0
    sent_texts: Counter = field(default_factory=Counter)
    requests: Counter = field(default_factory=Counter)
    failed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(self.sent_texts.values())

    def note(self, line: str) -> None:
        if line not in self.notes:
            self.notes.append(line)


@dataclass
class IncomingReport:
    """Result of :meth:`TranslationService.translate_incoming`."""

    messages: int = 0
    translated: int = 0
    same_language: int = 0
    queued: int = 0  # nobody could translate them now: retried later
    stats: RunStats = field(default_factory=RunStats)


@dataclass
class ReplyPreview:
    """What the agent sees before sending: their text, and what the buyer would receive."""

    original: str
    text: str | None  # None: no provider could translate; the agent must write it themselves
    source: str
    target: str
    provider: str = ""  # "template" when a template variant in the buyer's language was used
    machine_translated: bool = False
    coverage: float = 1.0
    untranslated: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def complete(self) -> bool:
        return self.text is not None and not self.untranslated


@dataclass
class ProviderStatus:
    name: str
    ready: bool
    reason: str
    languages: tuple[str, ...]


class TranslationService:
    """``desk.translation``: translation for one desk, over its store; replies go out through ``tickets``."""

    def __init__(
        self,
        store: Store,
        tickets: TicketService,
        *,
        config: TranslationConfig | None = None,
        translators: Iterable[Any] | None = None,
    ) -> None:
        self.store = store
        self.tickets = tickets
        self._config = config
        self._given = list(translators) if translators is not None else None
        self._translators: dict[str, Any] | None = None
        self._down: dict[
            str, tuple[str, int]
        ] = {}  # provider -> (why, skipped until): outage, rate limit, key
        self.stats = RunStats()

    # ---- configuration -------------------------------------------------------------------------------

    @property
    def config(self) -> TranslationConfig:
        if self._config is None:
            cfg = load_config()
            # Routing may also live in the desk (setting "translation"); keys never do.
            stored = self.store.get_setting("translation", None)
            if isinstance(stored, dict):
                if stored.get("agent_language"):
                    cfg.agent_language = str(stored["agent_language"])
                if stored.get("providers"):
                    cfg.providers = [str(p) for p in stored["providers"]]
                for pair, names in dict(stored.get("routes") or {}).items():
                    cfg.routes.setdefault(str(pair), [str(n) for n in names])
                for name, settings in dict(stored.get("provider_settings") or {}).items():
                    safe = {k: v for k, v in dict(settings).items() if k not in SECRET_FIELDS}
                    cfg.provider_settings.setdefault(name, {}).update(safe)
            self._config = cfg
        return self._config

    @property
    def translators(self) -> dict[str, Any]:
        """Installed translators by name, configured from the settings."""
        if self._translators is None:
            found: list[Any] = []
            if self._given is not None:
                found = self._given
            else:
                for batch in self.store.pm.hook.crossdesk_translators():
                    found.extend(batch or [])
            out: dict[str, Any] = {}
            for t in found:
                if hasattr(t, "configure"):
                    t.configure(self.config.settings_for(t.name))
                out.setdefault(t.name, t)
            self._translators = out
        return self._translators

    def close(self) -> None:
        for t in (self._translators or {}).values():
            if hasattr(t, "close"):
                t.close()

    def providers(self) -> list[ProviderStatus]:
        """Every installed translator, and whether it can be used now (and if not, why)."""
        out = []
        for name, t in sorted(self.translators.items()):
            reason = self._unusable(name, None, None)
            out.append(ProviderStatus(name, not reason, reason, tuple(sorted(t.languages))))
        return out

    def _stopped(self, name: str) -> str:
        row = self.store.db.execute(
            "SELECT stopped_until, reason FROM translation_providers WHERE name = ?", [name]
        ).fetchone()
        if row is None or row[0] <= self.store.now():
            return ""
        until = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(row[0]))
        return f"{row[1]}; stopped until {until}"

    def _stop(self, name: str, reason: str, seconds: float) -> None:
        now = self.store.now()
        with transaction(self.store.db):
            self.store.db.execute(
                "INSERT INTO translation_providers (name, stopped_until, reason, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET stopped_until = excluded.stopped_until, "
                "reason = excluded.reason, updated_at = excluded.updated_at",
                [name, now + int(seconds), reason, now],
            )

    def _cache_name(self, name: str) -> str:
        """The provider as recorded in the cache: with its ``version`` when it has one (the phrasebook
        does: a better phrasebook must not be hidden behind what an older one said)."""
        version = getattr(self.translators.get(name), "version", "")
        return f"{name}@{version}" if version else name

    def _temporarily_out(self, name: str) -> bool:
        """Down, paused or over quota now, but expected back (unlike a missing key or language)."""
        return self._is_down(name) or bool(self._stopped(name))

    def _mark_down(self, name: str, reason: str, seconds: float) -> None:
        self._down[name] = (reason, self.store.now() + int(seconds))

    def _is_down(self, name: str) -> bool:
        entry = self._down.get(name)
        if entry is None:
            return False
        if entry[1] <= self.store.now():
            del self._down[name]
            return False
        return True

    def resume(self, name: str) -> None:
        """Use a stopped provider again (after raising its quota, fixing its key)."""
        self._down.pop(name, None)
        with transaction(self.store.db):
            self.store.db.execute("DELETE FROM translation_providers WHERE name = ?", [name])

    def _unusable(self, name: str, source: str | None, target: str | None) -> str:
        t = self.translators.get(name)
        if t is None:
            return "not installed"
        missing = t.missing() if hasattr(t, "missing") else ""
        if missing:
            return missing
        if self._is_down(name):
            return self._down[name][0]
        stopped = self._stopped(name)
        if stopped:
            return stopped
        langs = set(t.languages)
        if target is not None and target not in langs:
            return f"does not translate into {target}"
        if source is not None and source not in langs:
            return f"does not translate from {source}"
        return ""

    # ---- glossary ------------------------------------------------------------------------------------

    def glossary_terms(self, shop_id: int = 0) -> list[GlossaryTerm]:
        """The shop's terms and the desk-wide ones (shop 0); a shop's own term wins over a desk-wide one."""
        rows = self.store.db.execute(
            "SELECT term, translations, language, shop_id, case_sensitive FROM glossary_terms "
            "WHERE shop_id IN (0, ?) ORDER BY shop_id",
            [shop_id],
        ).fetchall()
        by_key: dict[tuple[str, str], GlossaryTerm] = {}
        for term, translations, language, shop, case in rows:
            by_key[(term, language)] = GlossaryTerm(
                term=term,
                translations=orjson.loads(translations),
                language=language,
                shop_id=shop,
                case_sensitive=bool(case),
            )
        return list(by_key.values())

    def glossary(self, shop_id: int = 0) -> Glossary:
        return Glossary(self.glossary_terms(shop_id))

    def set_term(
        self,
        actor: Actor,
        term: str,
        *,
        shop_id: int = 0,
        translations: dict[str, str] | None = None,
        language: str = "",
        case_sensitive: bool = True,
        note: str = "",
    ) -> None:
        """Add or change a glossary term. No ``translations``: the term is never translated."""
        self.store.require(actor, "manage_templates")
        term = term.strip()
        if not term:
            raise ValueError("a glossary term cannot be empty")
        clean = {
            str(k).strip().lower(): str(v).strip() for k, v in (translations or {}).items() if str(v).strip()
        }
        now = self.store.now()
        with self.store.tx():
            before = self.store.db.execute(
                "SELECT translations FROM glossary_terms WHERE shop_id = ? AND term = ? AND language = ?",
                [shop_id, term, language],
            ).fetchone()
            self.store.db.execute(
                "INSERT INTO glossary_terms (shop_id, term, language, translations, case_sensitive, note, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(shop_id, term, language) DO UPDATE SET translations = excluded.translations, "
                "case_sensitive = excluded.case_sensitive, note = excluded.note, updated_at = excluded.updated_at",
                [shop_id, term, language, orjson.dumps(clean).decode(), int(case_sensitive), note, now, now],
            )
            self.store.audit(
                actor,
                "glossary.set",
                "glossary_term",
                None,
                None if before is None else {"term": term, "translations": orjson.loads(before[0])},
                {"term": term, "shop_id": shop_id, "language": language, "translations": clean},
            )

    def remove_term(self, actor: Actor, term: str, *, shop_id: int = 0, language: str = "") -> bool:
        self.store.require(actor, "manage_templates")
        with self.store.tx():
            n = self.store.db.execute(
                "DELETE FROM glossary_terms WHERE shop_id = ? AND term = ? AND language = ?",
                [shop_id, term, language],
            ).rowcount
            if n:
                self.store.audit(
                    actor, "glossary.remove", "glossary_term", None, {"term": term, "shop_id": shop_id}, None
                )
        return bool(n)

    # ---- translation ---------------------------------------------------------------------------------

    def detect(self, text: str) -> tuple[str, float]:
        from crossdesk.language import detect

        guess = detect(text, pm=self.store.pm)
        return guess.language, guess.confidence

    def translate(
        self,
        texts: Sequence[str],
        target: str,
        *,
        source: str | None = None,
        sources: Sequence[str | None] | None = None,
        provider: str | None = None,
        shop_id: int = 0,
        stats: RunStats | None = None,
    ) -> list[Translation]:
        """Translate ``texts`` into ``target``; one :class:`Translation` per text, in order.

        ``source`` applies to every text, ``sources`` gives one per text; unknown ones are detected.
        ``provider`` forces one provider (no fallback). Never raises for a provider's failure: those
        texts come back with ``text=None`` and the reason in ``error``.
        """
        stats = stats if stats is not None else self.stats
        target = target.strip().lower()
        if provider is not None and provider not in self.translators:
            raise ValueError(
                f"no translator named {provider!r}; installed: {', '.join(sorted(self.translators)) or 'none'}"
            )
        srcs: list[str | None] = []
        for i, text in enumerate(texts):
            s = sources[i] if sources is not None else source
            if not s:
                lang, _ = self.detect(text)
                s = None if lang == "und" else lang
            srcs.append(s.lower() if s else None)
        results: list[Translation | None] = [None] * len(texts)
        groups: dict[str | None, list[int]] = {}
        for i, s in enumerate(srcs):
            stats.texts += 1
            if s == target or not texts[i].strip():
                stats.same_language += 1
                results[i] = Translation(texts[i], texts[i], s or target, target)
            else:
                groups.setdefault(s, []).append(i)
        glossary = self.glossary(shop_id)
        for s, idxs in groups.items():
            route = [provider] if provider else self.config.route(s or "*", target)
            for i, t in zip(
                idxs,
                self._translate_group([texts[i] for i in idxs], s, target, route, glossary, stats),
                strict=True,
            ):
                results[i] = t
        return [r for r in results if r is not None]

    def _translate_group(
        self,
        texts: list[str],
        source: str | None,
        target: str,
        route: list[str],
        glossary: Glossary,
        stats: RunStats,
    ) -> list[Translation]:
        src_key = source or ""
        unique = list(dict.fromkeys(texts))
        keys = {t: (text_hash(t), glossary.key(t, src_key, target)) for t in unique}
        done: dict[str, Translation] = {}
        # 1. cache, preferring the provider earliest on the route. A partial translation is not taken
        #    from the cache while a provider before it on the route is usable again: that one may do better.
        cached = self._cache_lookup([keys[t] for t in unique], src_key, target)
        ready_before: dict[str, bool] = {}
        for i, name in enumerate(route):
            ready_before[name] = any(not self._unusable(n, source, target) for n in route[:i])
        for t in unique:
            found = cached.get(keys[t])
            if not found:
                continue
            for name in route:
                if self._cache_name(name) in found:
                    translation, coverage = found[self._cache_name(name)]
                    _, missed = coverage_of(t, translation)
                    if missed and ready_before.get(name):
                        break
                    done[t] = Translation(t, translation, src_key, target, name, True, coverage, missed)
                    break
        counts = Counter(texts)
        stats.cache_hits += sum(counts[t] for t in done)
        pending = [t for t in unique if t not in done]
        errors: list[str] = []
        held_back = False  # a provider before the current one is down, paused or over quota, for now
        # 2. providers in route order
        for name in route:
            if not pending:
                break
            reason = self._unusable(name, source, target)
            if reason:
                errors.append(f"{name}: {reason}")
                held_back = held_back or self._temporarily_out(name)
                continue
            translator = self.translators[name]
            spans = {t: glossary.spans(t, src_key, target) for t in pending}
            leftover: list[str] = []
            for chunk in self._chunks(pending, translator):
                if self._is_down(name) or self._stopped(name):
                    held_back = True
                    leftover.extend(chunk)
                    continue
                try:
                    outs = self._call(translator, [spans[t] for t in chunk], source, target, stats)
                except QuotaExceeded as exc:
                    self._stop(name, str(exc), exc.retry_after or QUOTA_PAUSE)
                    stats.note(f"{name} stopped: {exc}; the next provider takes over")
                    errors.append(str(exc))
                    leftover.extend(chunk)
                    continue
                except AuthFailed as exc:
                    self._mark_down(name, f"key refused ({exc})", AUTH_PAUSE)
                    stats.note(f"{name} stopped: key refused ({exc}); fix its key")
                    errors.append(str(exc))
                    leftover.extend(chunk)
                    continue
                except BadRequest as exc:
                    errors.append(str(exc))
                    leftover.extend(chunk)
                    continue
                except TranslationError as exc:  # rate limited, down, malformed answers
                    wait = getattr(exc, "retry_after", None) or DOWN_PAUSE
                    self._mark_down(name, str(exc), max(wait, DOWN_PAUSE))
                    stats.note(f"{name} unavailable: {exc}; the next provider takes over")
                    errors.append(str(exc))
                    leftover.extend(chunk)
                    continue
                rows = []
                for t, out in zip(chunk, outs, strict=True):
                    if not honoured(spans[t], out):
                        errors.append(f"{name}: did not keep the glossary terms of a text")
                        leftover.append(t)
                        continue
                    coverage, missed = coverage_of(t, out)
                    done[t] = Translation(t, out, src_key, target, name, False, coverage, missed)
                    rows.append(
                        (keys[t][0], src_key, target, keys[t][1], self._cache_name(name), out, coverage)
                    )
                self._cache_store(rows)
            pending = leftover
            held_back = held_back or self._temporarily_out(name)
        if held_back:
            for t in done.values():
                t.upgradable = bool(t.untranslated)
        out: list[Translation] = []
        for t in texts:
            if t in done:
                out.append(done[t])
            else:
                stats.failed += 1
                why = "; ".join(dict.fromkeys(errors)) or "no translator on the route"
                out.append(Translation(t, None, src_key, target, error=f"not translated: {why}"))
        return out

    @staticmethod
    def _chunks(texts: list[str], translator: Any) -> Iterable[list[str]]:
        max_texts = max(1, int(getattr(translator, "max_texts", 50)))
        max_chars = max(1, int(getattr(translator, "max_chars", 30_000)))
        chunk: list[str] = []
        size = 0
        for t in texts:
            n = len(t)
            if chunk and (len(chunk) >= max_texts or size + n > max_chars):
                yield chunk
                chunk, size = [], 0
            chunk.append(t)
            size += n
        if chunk:
            yield chunk

    def _call(
        self, translator: Any, items: list[list[Span]], source: str | None, target: str, stats: RunStats
    ) -> list[str]:
        name = translator.name
        stats.requests[name] += 1
        stats.sent_texts[name] += len(items)
        if hasattr(translator, "translate_spans"):
            outs = list(translator.translate_spans(items, source, target))
        else:
            # A plain translator never sees protected terms: only the pieces between them.
            pieces = [s.text for spans in items for s in spans if not s.protected and s.text.strip()]
            translated = iter(list(translator.translate(pieces, source, target)) if pieces else [])
            outs = []
            for spans in items:
                outs.append(
                    "".join(s.text if s.protected or not s.text.strip() else next(translated) for s in spans)
                )
        if len(outs) != len(items):
            raise TranslationError(f"{name}: sent {len(items)} texts, got {len(outs)} back", provider=name)
        return outs

    # ---- cache ---------------------------------------------------------------------------------------

    def _cache_lookup(
        self, keys: list[tuple[str, str]], source: str, target: str
    ) -> dict[tuple[str, str], dict[str, tuple[str, float]]]:
        found: dict[tuple[str, str], dict[str, tuple[str, float]]] = {}
        hashes = list(dict.fromkeys(h for h, _ in keys))
        wanted = set(keys)
        for start in range(0, len(hashes), 500):
            part = hashes[start : start + 500]
            marks = ",".join("?" * len(part))
            for h, gk, provider, translation, coverage in self.store.db.execute(
                "SELECT text_hash, glossary_key, provider, translation, coverage FROM translation_cache "
                f"WHERE source = ? AND target = ? AND text_hash IN ({marks})",
                [source, target, *part],
            ).fetchall():
                if (h, gk) in wanted:
                    found.setdefault((h, gk), {})[provider] = (translation, coverage)
        return found

    def _cache_store(self, rows: list[tuple]) -> None:
        if not rows:
            return
        now = self.store.now()
        with transaction(self.store.db):
            self.store.db.conn.executemany(
                "INSERT OR REPLACE INTO translation_cache (text_hash, source, target, glossary_key, provider, "
                "translation, coverage, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*r, now) for r in rows],
            )

    # ---- incoming messages ---------------------------------------------------------------------------

    def translate_incoming(
        self,
        actor: Actor | None = None,
        *,
        target: str | None = None,
        limit: int | None = None,
        batch_size: int | None = None,
        ticket_ids: Sequence[int] | None = None,
        force: bool = False,
    ) -> IncomingReport:
        """Translate buyer messages not yet in ``target`` (default: the acting agent's first language, else
        the configured agent language), batch by batch.

        Idempotent and cache-backed: run it as often as you like (the TUI runs it in a worker, ``crossdesk
        translate-incoming`` and automation run it too). The original text is never touched: the
        translation goes into ``messages.translation`` with ``translated_to``. A message in the target
        language already is marked done without a translation. Messages no provider could translate
        are queued and tried again after a growing delay. ``force`` goes over every buyer message again
        (answered from the cache: nothing already translated is sent again).
        """
        if actor is not None:
            self.store.require(actor, "view")
        target = (target or self.agent_language(actor)).lower()
        size = batch_size or self.config.batch_size
        report = IncomingReport()
        stats = report.stats
        after = 0  # with force, walk by id instead of by "not yet translated"
        while limit is None or report.messages < limit:
            take = size if limit is None else min(size, limit - report.messages)
            rows = self._untranslated(target, take, ticket_ids, after if force else None)
            if not rows:
                break
            report.messages += len(rows)
            after = rows[-1][0]
            self._translate_rows(rows, target, report, stats)
        self.stats = stats
        return report

    def _untranslated(
        self, target: str, limit: int, ticket_ids: Sequence[int] | None, after: int | None = None
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
                    db.execute(
                        "UPDATE messages SET translation = ?, translated_to = ? WHERE id = ?",
                        [t.text, target, mid],
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

    # ---- replies -------------------------------------------------------------------------------------

    def agent_language(self, actor: Actor | None) -> str:
        """The acting agent's first language, else the configured agent language."""
        if actor is not None and actor.agent_id is not None:
            row = self.store.db.execute(
                "SELECT languages FROM agents WHERE id = ?", [actor.agent_id]
            ).fetchone()
            if row:
                langs = orjson.loads(row[0] or "[]")
                if langs:
                    return str(langs[0]).split("-")[0].lower()
        return self.config.agent_language

    def buyer_language(self, ticket_id: int) -> str:
        """The language to answer a ticket in: the ticket's, else the customer's, else the latest buyer
        message's (detected if need be); "" when there is no way to tell."""
        row = self.store.db.execute(
            "SELECT t.language, c.language FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id "
            "WHERE t.id = ?",
            [ticket_id],
        ).fetchone()
        if row is None:
            raise ValueError(f"no ticket {ticket_id}")
        for lang in row:
            if lang:
                return str(lang).split("-")[0].lower()
        msg = self.store.db.execute(
            "SELECT language, body FROM messages WHERE ticket_id = ? AND direction = 'in' ORDER BY created_at DESC, id DESC LIMIT 1",
            [ticket_id],
        ).fetchone()
        if msg is None:
            return ""
        if msg[0]:
            return str(msg[0])
        lang, _ = self.detect(msg[1])
        return "" if lang == "und" else lang

    def _shop_of(self, ticket_id: int) -> int:
        row = self.store.db.execute("SELECT shop_id FROM tickets WHERE id = ?", [ticket_id]).fetchone()
        if row is None:
            raise ValueError(f"no ticket {ticket_id}")
        return int(row[0])

    def preview_reply(
        self,
        actor: Actor,
        ticket_id: int,
        text: str,
        *,
        source: str | None = None,
        target: str | None = None,
        provider: str | None = None,
    ) -> ReplyPreview:
        """The agent's reply as the buyer would get it: translated from the agent's language into the
        buyer's, for the agent to check and edit before sending. Nothing is sent or stored."""
        self.store.require(actor, "reply")
        if not text.strip():
            raise ValueError("the reply is empty")
        shop_id = self._shop_of(ticket_id)
        target = (target or self.buyer_language(ticket_id) or self.agent_language(actor)).lower()
        source = (source or self.agent_language(actor)).lower()
        if source == target:
            return ReplyPreview(text, text, source, target)
        t = self.translate([text], target, source=source, provider=provider, shop_id=shop_id)[0]
        return ReplyPreview(
            original=text,
            text=t.text,
            source=source,
            target=target,
            provider=t.provider,
            machine_translated=t.ok,
            coverage=t.coverage,
            untranslated=t.untranslated,
            error=t.error,
        )

    def preview_template(
        self, actor: Actor, ticket_id: int, template: int | str, *, provider: str | None = None
    ) -> ReplyPreview:
        """A template for this ticket: its variant in the buyer's language as written, if it has one
        (``en`` matches ``en-GB``); otherwise its default text machine-translated, to check and edit."""
        self.store.require(actor, "reply")
        if isinstance(template, int):
            row = self.store.db.execute("SELECT id, body FROM templates WHERE id = ?", [template]).fetchone()
        else:
            row = self.store.db.execute("SELECT id, body FROM templates WHERE name = ?", [template]).fetchone()
        if row is None:
            raise ValueError(f"no template {template!r}")
        template_id, default_body = row
        target = self.buyer_language(ticket_id) or self.agent_language(actor)
        variants = self.store.db.execute(
            "SELECT language, body FROM template_variants WHERE template_id = ?", [template_id]
        ).fetchall()
        exact = [b for lang, b in variants if lang.lower() == target]
        close = [b for lang, b in variants if lang.lower().split("-")[0] == target]
        if exact or close:
            body = (exact or close)[0]
            return ReplyPreview(default_body, body, target, target, provider="template")
        own = [b for lang, b in variants if lang.lower().split("-")[0] == self.agent_language(actor)]
        base = own[0] if own else default_body
        preview = self.preview_reply(actor, ticket_id, base, target=target, provider=provider)
        return preview

    def send_reply(
        self, actor: Actor, ticket_id: int, preview: ReplyPreview, *, text: str | None = None, **reply_kw: Any
    ) -> int:
        """Send what the agent approved: ``text`` (their edit of the preview) or the preview as it is.

        Refuses text that still holds untranslated parts (``⟦ ⟧``) or an empty translation, so a half
        translation never reaches a buyer. The agent's own text is stored beside it as the translation.
        """
        body = text if text is not None else preview.text
        if body is None or not body.strip():
            raise ValueError(
                f"nothing to send: {preview.error or 'the translation is empty'}; write the reply in {preview.target}"
            )
        if UNTRANSLATED.search(body):
            raise ValueError("the reply still has parts marked ⟦ ⟧ that were not translated; edit them first")
        own = "" if preview.original == body else preview.original
        return self.tickets.reply(actor, ticket_id, body, language=preview.target, translation=own, **reply_kw)
