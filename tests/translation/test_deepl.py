"""Contract tests of the DeepL translator against the DeepL fake."""

from __future__ import annotations

import pytest
from conftest import DEEPL_KEY

from crossdesk.fakes import Fault
from crossdesk.fakes.deepl import DeepLFake
from crossdesk.fakes.mt import pseudo_translate
from crossdesk.plugins.translators.deepl import FREE_HOST, PRO_HOST, DeepLTranslator, host_for_key
from crossdesk.translation import AuthFailed, BadRequest, QuotaExceeded, RateLimited, Span
from crossdesk.translation.config import Secret


def translator(fake: DeepLFake, key: str = DEEPL_KEY, **extra) -> DeepLTranslator:
    return DeepLTranslator(
        {"auth_key": Secret(key), "base_url": fake.base_url, "backoff": 0.0, "retries": 3, **extra}
    )


def test_host_follows_the_key():
    assert host_for_key("abc:fx") == FREE_HOST
    assert host_for_key("abc") == PRO_HOST
    t = DeepLTranslator({"auth_key": Secret("k:fx")})
    assert t.base_url == FREE_HOST
    t.configure({"auth_key": Secret("k")})
    assert t.base_url == PRO_HOST


def test_translate_sends_the_documented_request(deepl):
    t = translator(deepl)
    out = t.translate(["Where is my order?", "Thanks & bye"], "en", "de")
    assert out == [pseudo_translate("Where is my order?", "de"), pseudo_translate("Thanks & bye", "de")]
    (req,) = deepl.requests_to("/v2/translate")
    assert req.method == "POST"
    assert req.header("authorization") == f"DeepL-Auth-Key {DEEPL_KEY}"
    body = req.json()
    assert body["text"] == ["Where is my order?", "Thanks &amp; bye"]
    assert (body["source_lang"], body["target_lang"], body["tag_handling"]) == ("EN", "DE", "html")


def test_english_and_portuguese_targets_use_a_variant(deepl):
    t = translator(deepl, english_variant="EN-GB")
    t.translate(["Hallo"], "de", "en")
    t.translate(["Hallo"], "de", "pt")
    assert [r.json()["target_lang"] for r in deepl.requests_to("/v2/translate")] == ["EN-GB", "PT-BR"]


def test_wrong_key_and_wrong_host_are_auth_failures(deepl):
    with pytest.raises(AuthFailed, match="Authorization failure"):
        translator(deepl, key="nope:fx").translate(["x"], "en", "de")
    # A Free key sent to the Pro host: DeepL knows the key but not on this host.
    with (
        DeepLFake(keys=("pro-key", "free-key:fx"), free=False) as pro,
        pytest.raises(AuthFailed, match="Wrong endpoint"),
    ):
        DeepLTranslator({"auth_key": Secret("free-key:fx"), "base_url": pro.base_url}).translate(
            ["x"], "en", "de"
        )


def test_more_than_fifty_texts_is_refused_by_the_client_before_sending(deepl):
    with pytest.raises(BadRequest, match="limit is 50"):
        translator(deepl).translate_spans([[Span("x")]] * 51, "en", "de")
    assert deepl.requests == []


def test_429_is_retried_with_backoff_then_succeeds(deepl):
    deepl.inject(Fault.rate_limited(retry_after=0), times=2, path="/v2/translate")
    slept: list[float] = []
    t = translator(deepl)
    t.policy.sleep = slept.append
    assert t.translate(["hi"], "en", "de") == ["hi~de"]
    assert len(deepl.requests_to("/v2/translate")) == 3
    assert len(slept) == 2


def test_429_that_persists_raises_rate_limited(deepl):
    deepl.inject(Fault.rate_limited(retry_after=0), times=10)
    with pytest.raises(RateLimited):
        translator(deepl).translate(["hi"], "en", "de")
    assert len(deepl.requests) == 3  # the configured attempts, no more


def test_456_quota_exceeded_is_not_retried(deepl):
    deepl.character_limit = 5
    with pytest.raises(QuotaExceeded, match="456"):
        translator(deepl).translate(["far too long for the quota"], "en", "de")
    assert len(deepl.requests) == 1


def test_usage_reports_characters(deepl):
    t = translator(deepl)
    t.translate(["abcd"], "en", "de")
    assert t.usage() == {"character_count": 4, "character_limit": 500_000}


def test_fixed_terms_use_one_deepl_glossary_reused_across_runs(deepl):
    spans = [Span("The "), Span("Zauberstab", True, "magic wand"), Span(" broke")]
    t = translator(deepl)
    assert t.translate_spans([spans], "en", "de") == ["The~de Zauberstab broke~de"]
    assert len(deepl.glossaries) == 1
    (g,) = deepl.glossaries.values()
    assert g.entries == {"magic wand": "Zauberstab"} and (g.source_lang, g.target_lang) == ("EN", "DE")
    sent = deepl.requests_to("/v2/translate")[0].json()
    assert sent["glossary_id"] == g.glossary_id and sent["text"] == ["The magic wand broke"]
    # A new translator (next run) finds the glossary by name instead of creating another.
    translator(deepl).translate_spans([spans], "en", "de")
    assert len(deepl.glossaries) == 1
    assert len(deepl.requests_to("/v2/glossaries", method="POST")) == 1


def test_kept_terms_travel_in_translate_no_spans(deepl):
    spans = [Span("My "), Span("AcmePhone X2", True, "AcmePhone X2"), Span(" is broken")]
    out = translator(deepl).translate_spans([spans], "en", "fr")
    assert out == ["My~fr AcmePhone X2 is~fr broken~fr"]
    assert deepl.requests_to("/v2/translate")[0].json()["text"] == [
        'My <span translate="no">AcmePhone X2</span> is broken'
    ]
    assert deepl.glossaries == {}


def test_malformed_answer_is_provider_unavailable(deepl):
    from crossdesk.translation import ProviderUnavailable

    deepl.inject(Fault.malformed(b'{"translations": [{"text": "only one"}]}'))
    with pytest.raises(ProviderUnavailable, match="got 1"):
        translator(deepl).translate(["a", "b"], "en", "de")


def test_a_glossary_deleted_on_deepls_side_is_made_again(deepl):
    spans = [Span("The "), Span("Zauberstab", True, "magic wand")]
    t = translator(deepl)
    t.translate_spans([spans], "en", "de")
    deepl.glossaries.clear()
    with pytest.raises(BadRequest, match="Invalid glossary id"):
        t.translate_spans([spans], "en", "de")
    assert t.translate_spans([spans], "en", "de") == ["The~de Zauberstab"]
    assert len(deepl.glossaries) == 1
