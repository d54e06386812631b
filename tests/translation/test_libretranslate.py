"""Contract tests of the LibreTranslate translator against its fake."""

from __future__ import annotations

import pytest
from conftest import LIBRE_KEY

from crossdesk.fakes import Fault
from crossdesk.fakes.libretranslate import LANGUAGES, LibreTranslateFake
from crossdesk.plugins.translators.libretranslate import LibreTranslateTranslator
from crossdesk.translation import AuthFailed, BadRequest, RateLimited, Span, UnsupportedLanguage
from crossdesk.translation.config import Secret


def translator(fake: LibreTranslateFake, key: str | None = LIBRE_KEY) -> LibreTranslateTranslator:
    settings = {"url": fake.base_url, "backoff": 0.0, "retries": 3}
    if key is not None:
        settings["api_key"] = Secret(key)
    return LibreTranslateTranslator(settings)


def test_batch_translate_request_and_answer(libre):
    t = translator(libre)
    assert t.translate(["Wo ist das Paket?", "Danke"], "de", "en") == [
        "Wo~en ist~en das~en Paket~en?",
        "Danke~en",
    ]
    (req,) = libre.requests_to("/translate")
    body = req.json()
    assert body == {
        "q": ["Wo ist das Paket?", "Danke"],
        "source": "de",
        "target": "en",
        "format": "html",
        "api_key": LIBRE_KEY,
    }
    assert len(libre.requests_to("/languages")) == 1  # read once, then remembered
    t.translate(["noch eins"], "de", "en")
    assert len(libre.requests_to("/languages")) == 1


def test_missing_and_wrong_api_key(libre):
    with pytest.raises(AuthFailed, match="API key"):
        translator(libre, key=None).translate(["x"], "de", "en")
    with pytest.raises(AuthFailed, match="Invalid API key"):
        translator(libre, key="wrong").translate(["x"], "de", "en")


def test_a_language_the_server_lacks(libre):
    libre.supported = {k: v for k, v in LANGUAGES.items() if k != "ko"}
    with pytest.raises(UnsupportedLanguage):
        translator(libre).translate(["x"], "en", "ko")
    assert libre.requests_to("/translate") == []


def test_error_bodies_become_typed_errors(libre):
    libre.inject(
        Fault.status(400, {"error": "Invalid request: request (9000) exceeds text limit (5000)"}),
        path="/translate",
    )
    with pytest.raises(BadRequest, match="exceeds text limit"):
        translator(libre).translate(["x"], "de", "en")


def test_slowdown_429_is_retried_then_reported(libre):
    libre.inject(Fault.status(429, {"error": "Slowdown: 30 per 1 minute"}), path="/translate")
    assert translator(libre).translate(["ja"], "de", "en") == ["ja~en"]
    libre.inject(Fault.status(429, {"error": "Slowdown: 30 per 1 minute"}), times=5, path="/translate")
    with pytest.raises(RateLimited):
        translator(libre).translate(["ja"], "de", "en")


def test_server_request_limit_produces_429():
    with LibreTranslateFake(requests_per_minute=2) as fake:
        t = LibreTranslateTranslator({"url": fake.base_url, "backoff": 0.0, "retries": 1})
        t.translate(["a"], "de", "en")
        t.translate(["b"], "de", "en")
        with pytest.raises(RateLimited):
            t.translate(["c"], "de", "en")  # the third translate in a minute: "Slowdown"


def test_chinese_code_follows_the_server(libre):
    libre.supported = {**{k: v for k, v in LANGUAGES.items() if k != "zh"}, "zh-Hans": "Chinese (Simplified)"}
    translator(libre).translate(["你好"], "zh", "en")
    assert libre.requests_to("/translate")[0].json()["source"] == "zh-Hans"


def test_protected_spans_come_back_untouched(libre):
    spans = [Span("Der "), Span("AcmePhone X2", True, "AcmePhone X2"), Span(" ist kaputt")]
    assert translator(libre).translate_spans([spans], "de", "en") == ["Der~en AcmePhone X2 ist~en kaputt~en"]


def test_detect_endpoint(libre):
    assert translator(libre).detect("こんにちは") == ("ja", 0.9)
