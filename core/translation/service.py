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

import time
from collections import Counter
from collections.abc import Iterable, Sequence
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
    Rejected,
    TranslationError,
)
from crossdesk.translation.glossary import Glossary, GlossaryTerm, Span, honoured
from crossdesk.translation.incoming import IncomingMixin
from crossdesk.translation.replies import RepliesMixin
from crossdesk.translation.results import (
    ProviderStatus,
    RunStats,
    Translation,
    coverage_of,
    text_hash,
)

QUOTA_PAUSE = 3600  # seconds a provider over quota is left alone when it does not say for how long
DOWN_PAUSE = 300  # seconds a provider that is down or rate limited is skipped (a TUI session runs for hours)
AUTH_PAUSE = 3600  # seconds a provider whose key was refused is skipped


class TranslationService(IncomingMixin, RepliesMixin):
    """``desk.translation``: translation for one desk, over its store; replies go out through ``tickets``."""

    def __init__(
        self,
        store: Store,
        tickets: TicketService,
        *,
        config: TranslationConfig | None = None,
        translators: Iterable[Any] | None = None,
        llm: Any = None,
    ) -> None:
        self.store = store
        self.llm = llm  # desk.llm: handed to translators that call a language model (attach_llm)
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
                if self.llm is not None and hasattr(t, "attach_llm"):
                    t.attach_llm(self.llm)
                if hasattr(t, "attach_detector"):  # translators that check their output's language
                    t.attach_detector(self.detect)
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

    def no_real_translator(self, target: str | None = None) -> str:
        """A plain warning when no translator but the offline phrasebook can translate now ("" otherwise)."""
        real = [
            name for name in self.config.route("*", target or "*")
            if name != "offline" and name in self.translators and not self._unusable(name, None, target)
        ]
        if real:
            return ""
        return (
            "No real translator is configured: only the offline phrasebook, which knows common after-sales "
            "sentences and keeps everything else in ⟦ ⟧. Set CROSSDESK_LLM_BASE_URL (a local or hosted "
            "model) or a DeepL/Google/LibreTranslate key; see `crossdesk translators` and docs/ai.md."
        )

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
        fallbacks: dict[str, list[str]] = {}  # text -> why an earlier provider's answer was not used
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
                    if isinstance(out, Rejected):
                        why = f"{name}: {out.reason}"
                        errors.append(why)
                        fallbacks.setdefault(t, []).append(why)
                        stats.note(f"{why}; the next translator takes over")
                        leftover.append(t)
                        continue
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
        for t, whys in fallbacks.items():
            if t in done:
                done[t].fallback = "; ".join(whys)
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
