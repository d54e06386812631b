"""The ``llm`` translator in the translation service's routing, fallback, cache and glossary, against the
OpenAI-compatible fake."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from crossdesk.api import Desk
from crossdesk.fakes.llm import LlmFake
from crossdesk.fakes.server import Fault
from crossdesk.llm import LlmSettings
from crossdesk.models import Actor, Role
from crossdesk.plugin_manager import plugins_manager
from crossdesk.translation import TranslationConfig

ADMIN = Actor(name="ops", role=Role.ADMIN)


@pytest.fixture(scope="module")
def pm():
    return plugins_manager(only=("translator_llm", "translator_offline"))


@pytest.fixture
def desk(pm, settings: LlmSettings) -> Iterator[Desk]:
    d = Desk.memory(pm)
    d.llm.configure(settings.with_(retries=2))
    d.translation._config = TranslationConfig(agent_language="en", providers=["llm", "offline"])
    yield d
    d.close()


def calls(fake: LlmFake) -> int:
    return len(fake.requests_to("/v1/chat/completions"))


def test_translates_and_caches(desk: Desk, fake: LlmFake) -> None:
    [t] = desk.translation.translate(["Where is my order?"], "de", source="en")
    assert (t.text, t.provider, t.cached, t.coverage) == ("Wo ist meine Bestellung?", "llm", False, 1.0)
    [again] = desk.translation.translate(["Where is my order?"], "de", source="en")
    assert again.cached and again.text == t.text and calls(fake) == 1
    assert desk.db.execute("SELECT purpose, status FROM llm_calls").fetchall() == [("translate", "ok")]


def test_several_texts_in_one_request(desk: Desk, fake: LlmFake) -> None:
    texts = ["Where is my order?", "The item arrived broken.", "I want a refund.", "Please help me."]
    out = desk.translation.translate(texts, "fr", source="en")
    assert [t.provider for t in out] == ["llm"] * 4
    assert out[1].text == "L'article est arrivé cassé."
    assert calls(fake) == 1
    sent = json.loads(fake.bodies[-1]["messages"][-1]["content"])
    assert sent["texts"] == texts and sent["target_language"] == "fr"


def test_glossary_given_to_the_model_and_checked(desk: Desk, fake: LlmFake) -> None:
    desk.translation.set_term(ADMIN, "order", translations={"de": "Auftrag"}, case_sensitive=False)
    [t] = desk.translation.translate(["Where is my order?"], "de", source="en")
    assert t.provider == "llm" and "Auftrag" in t.text and "⟦" not in t.text
    sent = json.loads(fake.bodies[-1]["messages"][-1]["content"])
    assert sent["glossary"] == [{"term": "order", "translation": "Auftrag"}]
    assert sent["texts"] == ["Where is my order?"]  # the model sees the text as written


def test_glossary_term_dropped_by_the_model_falls_back(desk: Desk, fake: LlmFake) -> None:
    desk.translation.set_term(ADMIN, "AcmePhone", case_sensitive=True)
    fake.teach("The AcmePhone arrived broken.", "de", "Das Telefon kam kaputt an.")
    [t] = desk.translation.translate(["The AcmePhone arrived broken."], "de", source="en")
    assert t.provider == "offline"
    assert "glossary term 'AcmePhone' missing" in t.fallback


def test_wrong_language_falls_back_with_the_reason(pm, settings: LlmSettings) -> None:
    with LlmFake(behaviour="wrong_language") as fake:
        d = Desk.memory(pm)
        d.llm.configure(settings.with_(base_url=fake.api_base))
        d.translation._config = TranslationConfig(providers=["llm", "offline"])
        [t] = d.translation.translate(["The item arrived broken. I want a refund."], "de", source="en")
        assert (
            t.provider == "offline" and t.text == "Der Artikel kam kaputt an. Ich möchte eine Rückerstattung."
        )
        assert t.fallback == "llm: the answer is in fr, not de"
        assert any("the next translator takes over" in n for n in d.translation.stats.notes)
        # the rejected answer was not cached; the phrasebook's full translation was
        [again] = d.translation.translate(["The item arrived broken. I want a refund."], "de", source="en")
        assert again.cached and again.provider == "offline" and calls(fake) == 1
        rows = d.db.execute("SELECT provider FROM translation_cache").fetchall()
        assert all(not r[0].startswith("llm") for r in rows)
        d.close()


def test_lost_order_number_falls_back(pm, settings: LlmSettings) -> None:
    with LlmFake(behaviour="drop_tokens") as fake:
        d = Desk.memory(pm)
        d.llm.configure(settings.with_(base_url=fake.api_base))
        d.translation._config = TranslationConfig(providers=["llm", "offline"])
        [t] = d.translation.translate(["My order number is 302-1234567-7654321."], "de", source="en")
        assert t.provider == "offline" and "302-1234567-7654321" in t.text
        assert "ref '302-1234567-7654321' changed or missing" in t.fallback
        d.close()


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [("wrong_count", "returned 1 texts for 2"), ("prose", "did not answer with JSON")],
)
def test_answers_that_are_not_the_texts_asked_for(
    pm, settings: LlmSettings, behaviour: str, reason: str
) -> None:
    with LlmFake(behaviour=behaviour) as fake:
        d = Desk.memory(pm)
        d.llm.configure(settings.with_(base_url=fake.api_base))
        d.translation._config = TranslationConfig(providers=["llm", "offline"])
        out = d.translation.translate(["Where is my order?", "Please help me."], "de", source="en")
        assert [t.provider for t in out] == ["offline", "offline"]
        assert all(reason in t.fallback for t in out)
        d.close()


def test_malformed_stream_pauses_the_provider(desk: Desk, fake: LlmFake) -> None:
    desk.llm.configure(desk.llm.settings.with_(stream=True, retries=1))
    fake.inject(Fault.status(200, b"data: {oops\n\n", {"Content-Type": "text/event-stream"}))
    [t] = desk.translation.translate(["Where is my order?"], "de", source="en")
    assert t.provider == "offline"
    assert any("llm unavailable" in n for n in desk.translation.stats.notes)
    status = {p.name: p for p in desk.translation.providers()}["llm"]
    assert not status.ready and "not JSON" in status.reason


def test_rate_limited_model_hands_over_to_the_next(desk: Desk, fake: LlmFake) -> None:
    fake.inject(Fault.rate_limited(retry_after=0), times=5)
    [t] = desk.translation.translate(["Where is my order?"], "de", source="en")
    assert t.provider == "offline"
    assert any("rate limited" in n for n in desk.translation.stats.notes)


def test_budget_stops_the_provider_until_tomorrow(desk: Desk, fake: LlmFake) -> None:
    desk.llm.set_budget(ADMIN, daily_tokens=10)
    [t] = desk.translation.translate(["Where is my order?"], "de", source="en")
    assert t.provider == "offline" and calls(fake) == 0
    status = {p.name: p for p in desk.translation.providers()}["llm"]
    assert "daily budget" in status.reason and "stopped until" in status.reason


def test_not_configured_is_skipped_and_says_how(pm) -> None:
    d = Desk.memory(pm)
    d.llm.configure(LlmSettings())
    d.translation._config = TranslationConfig(providers=["llm", "offline"])
    status = {p.name: p for p in d.translation.providers()}["llm"]
    assert not status.ready and "CROSSDESK_LLM_BASE_URL" in status.reason
    [t] = d.translation.translate(["Where is my order?"], "de", source="en")
    assert t.provider == "offline"
    d.close()


def test_glossary_term_that_is_a_phrasebook_word_keeps_the_sentence(pm) -> None:
    """The glossary bug: ``order -> Auftrag`` must not turn "Where is my order?" into an untranslated span."""
    d = Desk.memory(pm)
    d.llm.configure(LlmSettings())
    d.translation._config = TranslationConfig(providers=["offline"])
    d.translation.set_term(ADMIN, "order", translations={"de": "Auftrag"}, case_sensitive=False)
    [t] = d.translation.translate(["Where is my order?"], "de", source="en")
    assert (t.text, t.provider, t.complete) == ("Wo ist meine Auftrag?", "offline", True)
    [t] = d.translation.translate(["I want to cancel my order."], "de", source="en")
    assert t.complete and "Auftrag" in t.text and "Bestellung" not in t.text
    d.close()


def test_a_sentence_left_untranslated_is_caught(desk: Desk, fake: LlmFake) -> None:
    # mostly German, one English sentence left: the whole answer passes as German, the sentence does not
    text = "Where is my order? The item arrived broken. The package was damaged. Please reply soon enough."
    [t] = desk.translation.translate([text], "de", source="en")
    assert t.provider == "offline" and t.untranslated  # the phrasebook marks what it could not translate
    assert t.fallback == "llm: a sentence of the answer is in en, not de"
