"""Contract tests of the Google Cloud Translation v2 translator against its fake."""

from __future__ import annotations

import pytest
from conftest import GOOGLE_KEY

from crossdesk.fakes import Fault
from crossdesk.fakes.google_translate import GoogleTranslateFake
from crossdesk.plugins.translators.google import GoogleTranslator
from crossdesk.translation import AuthFailed, ProviderUnavailable, QuotaExceeded, RateLimited, Span
from crossdesk.translation.config import Secret


def translator(fake: GoogleTranslateFake, key: str = GOOGLE_KEY) -> GoogleTranslator:
    return GoogleTranslator({"api_key": Secret(key), "base_url": fake.base_url, "backoff": 0.0, "retries": 3})


def test_translate_request_keeps_the_key_out_of_the_url(google):
    out = translator(google).translate(["Où est ma commande ?", "Merci"], "fr", "en")
    assert out == ["Où~en est~en ma~en commande~en ?", "Merci~en"]
    (req,) = google.requests_to("/language/translate/v2")
    assert req.query == {}
    assert req.header("x-goog-api-key") == GOOGLE_KEY
    assert req.json() == {
        "q": ["Où est ma commande ?", "Merci"],
        "target": "en",
        "format": "html",
        "source": "fr",
    }


def test_the_fake_also_takes_the_key_in_the_query_string(google):
    import httpx

    r = httpx.post(google.url(f"/language/translate/v2?key={GOOGLE_KEY}"), json={"q": "hi", "target": "de"})
    assert r.json()["data"]["translations"][0] == {"translatedText": "hi~de", "detectedSourceLanguage": "en"}


def test_chinese_is_sent_as_zh_cn(google):
    translator(google).translate(["hello"], "en", "zh")
    assert google.requests[0].json()["target"] == "zh-CN"


def test_bad_key_is_auth_failed(google):
    with pytest.raises(AuthFailed, match="API key not valid"):
        translator(google, key="bad").translate(["x"], "en", "de")


def test_daily_quota_is_quota_exceeded(google):
    google.daily_char_limit = 3
    with pytest.raises(QuotaExceeded, match="dailyLimitExceeded"):
        translator(google).translate(["longer than three"], "en", "de")
    assert len(google.requests) == 1


def test_rate_limit_429_is_retried_then_raised(google):
    google.requests_per_minute = 1
    t = translator(google)
    t.translate(["one"], "en", "de")
    with pytest.raises(RateLimited):
        t.translate(["two"], "en", "de")
    assert len(google.requests) == 4  # one good, three attempts at the second


def test_outage_and_malformed_body(google):
    google.go_down()
    with pytest.raises(ProviderUnavailable, match="HTTP 503 after 3 attempts"):
        translator(google).translate(["x"], "en", "de")
    google.come_back()
    google.inject(Fault.malformed(b"<html>proxy error</html>"))
    with pytest.raises(ProviderUnavailable, match="not JSON"):
        translator(google).translate(["x"], "en", "de")


def test_html_entities_and_protected_spans(google):
    spans = [Span("Tom & "), Span("SKU-1234", True, "SKU-1234"), Span(" <3")]
    assert translator(google).translate_spans([spans], "en", "de") == ["Tom~de & SKU-1234 <3~de"]
