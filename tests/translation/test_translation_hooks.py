"""``crossdesk_translators``: built-ins arrive through entry points; a third-party translator plugs in."""

from __future__ import annotations

from crossdesk import hookimpl
from crossdesk.api import Desk
from crossdesk.models import Translator
from crossdesk.plugin_manager import plugins_manager
from crossdesk.translation import TranslationConfig, TranslationService


def test_hook_crossdesk_translators(pm):
    names = sorted(t.name for batch in pm.hook.crossdesk_translators() for t in batch)
    assert names == ["deepl", "google", "libretranslate", "offline"]
    for batch in pm.hook.crossdesk_translators():
        for t in batch:
            assert isinstance(t, Translator)  # name, languages, translate(texts, source, target)

    class Pig:
        name = "piglatin"
        languages = frozenset({"en", "xx"})

        def translate(self, texts, source, target):
            return [" ".join(w[1:] + w[0] + "ay" for w in t.split()) for t in texts]

    class PigPlugin:
        @hookimpl
        def crossdesk_translators(self) -> list:
            return [Pig()]

    manager = plugins_manager(only=["translator_offline"], extra=[PigPlugin()])
    desk = Desk.memory(manager)
    try:
        svc = TranslationService(desk.store, desk.tickets, config=TranslationConfig(providers=["piglatin", "offline"]))
        assert {p.name for p in svc.providers()} == {"piglatin", "offline"}
        (t,) = svc.translate(["hello world"], "xx", source="en")
        assert (t.provider, t.text) == ("piglatin", "ellohay orldway")
    finally:
        desk.close()
