"""Google Cloud Translation, Basic edition (v2), with an API key.

The key goes in the ``X-goog-api-key`` header rather than ``?key=``, so it never appears in a URL (and
so never in a log line that prints URLs). Up to 128 texts per request, HTML format so ``translate="no"``
spans keep glossary terms. Errors use Google's envelope; ``dailyLimitExceeded``/``quotaExceeded`` stop the
provider until the quota resets, ``rateLimitExceeded`` (429) is retried with backoff.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from crossdesk import hookimpl
from crossdesk.translation.base import HttpTranslator
from crossdesk.translation.config import reveal
from crossdesk.translation.errors import (
    AuthFailed,
    BadRequest,
    NotConfigured,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    UnsupportedLanguage,
)
from crossdesk.translation.glossary import Span, from_markup, to_markup
from crossdesk.translation.http import json_body, send

BASE_URL = "https://translation.googleapis.com"
PATH = "/language/translate/v2"
LANGUAGES = frozenset({"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "tr", "zh"})
QUOTA_REASONS = frozenset({"dailyLimitExceeded", "quotaExceeded", "dailyLimitExceededUnreg"})


class GoogleTranslator(HttpTranslator):
    name = "google"
    languages = LANGUAGES
    max_texts = 128  # segments per request
    max_chars = 5000  # Google's recommended maximum per request

    def missing(self) -> str:
        return "" if reveal(self.settings.get("api_key")) else "no api_key (set GOOGLE_TRANSLATE_API_KEY)"

    @property
    def base_url(self) -> str:
        return str(self.settings.get("base_url") or BASE_URL).rstrip("/")

    def _headers(self) -> dict[str, str]:
        key = reveal(self.settings.get("api_key"))
        if not key:
            raise NotConfigured("google: no api_key (set GOOGLE_TRANSLATE_API_KEY)", provider=self.name)
        return {"X-goog-api-key": key}

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        message, reason = "", ""
        try:
            err = response.json()["error"]
            message = str(err.get("message", ""))
            reason = str((err.get("errors") or [{}])[0].get("reason", ""))
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            pass
        detail = (
            f"google: HTTP {status}"
            + (f": {message}" if message else "")
            + (f" ({reason})" if reason else "")
        )
        if reason in QUOTA_REASONS or "per day" in message:
            raise QuotaExceeded(detail, provider=self.name)
        if status == 429:
            raise RateLimited(detail, provider=self.name)
        if status == 403 or (status in (400, 401) and "API key" in message):
            raise AuthFailed(detail, provider=self.name)
        if status == 400 and reason == "invalid" and "language" in message.lower():
            raise UnsupportedLanguage(detail, provider=self.name)
        if status == 400:
            raise BadRequest(detail, provider=self.name)
        raise ProviderUnavailable(detail, provider=self.name)

    def translate_spans(self, items: Sequence[Sequence[Span]], source: str | None, target: str) -> list[str]:
        if not items:
            return []
        if target not in self.languages or (source and source not in self.languages):
            raise UnsupportedLanguage(
                f"google: {source or 'auto'}->{target} is not supported", provider=self.name
            )
        body: dict = {
            "q": [to_markup(spans) for spans in items],
            "target": "zh-CN" if target == "zh" else target,
            "format": "html",
        }
        if source:
            body["source"] = "zh-CN" if source == "zh" else source
        response = send(
            self.client,
            "POST",
            self.base_url + PATH,
            provider=self.name,
            policy=self.policy,
            headers=self._headers(),
            json=body,
        )
        self._raise_for(response)
        data = json_body(response, self.name)
        try:
            out = [str(t["translatedText"]) for t in data["data"]["translations"]]
        except (KeyError, TypeError):
            raise ProviderUnavailable(
                "google: answer without data.translations", provider=self.name
            ) from None
        if len(out) != len(items):
            raise ProviderUnavailable(
                f"google: sent {len(items)} texts, got {len(out)} back", provider=self.name
            )
        return [from_markup(t) for t in out]


@hookimpl
def crossdesk_translators() -> list[GoogleTranslator]:
    return [GoogleTranslator()]
