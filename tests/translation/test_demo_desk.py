"""The demo desk: translated by the offline phrasebook; re-running sends nothing new (all cache hits)."""

from __future__ import annotations

from crossdesk.api import Desk
from crossdesk.demo import build_demo
from crossdesk.translation import TranslationConfig, TranslationService


def test_rerun_over_the_demo_desk_is_all_cache_hits(pm):
    desk = Desk.memory(pm)
    try:
        build_demo(desk, size=120, seed=3)
        svc = TranslationService(desk.store, desk.tickets, config=TranslationConfig(providers=["deepl", "offline"]))
        first = svc.translate_incoming()
        assert first.messages > 100 and first.translated > 0 and first.queued == 0
        assert set(first.stats.sent_texts) == {"offline"}  # no keys: the phrasebook does the work
        rows = desk.db.execute(
            "SELECT body, translation FROM messages WHERE direction = 'in' AND translation <> ''"
        ).fetchall()
        assert rows and all(body for body, _ in rows)  # originals kept beside the translations
        again = TranslationService(desk.store, desk.tickets, config=TranslationConfig(providers=["deepl", "offline"]))
        second = again.translate_incoming(force=True)
        assert second.messages == first.messages
        assert second.stats.sent == 0
        assert second.stats.cache_hits == second.translated == first.translated
    finally:
        desk.close()
