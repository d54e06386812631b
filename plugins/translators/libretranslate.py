"""LibreTranslate translator (a self-hosted server, or a hosted one with an API key).

``url`` (or ``LIBRETRANSLATE_URL``) is the server; ``api_key`` is sent in the body when set. Texts go as a
batch (``q`` a list) in HTML format, so ``translate="no"`` spans keep glossary terms. The server's
``/languages`` is read once to know which pairs it has (installations differ). Errors arrive as
``{"error": "..."}``: 400 (bad request, unsupported language, over a limit), 403 (key), 429 (slow down,
retried with backoff), 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from crossdesk import hookimpl
from crossdesk.translation.base import HttpTranslator
from crossdesk.translation.config import reveal
from crossdesk.translation.errors import (
    AuthFailed,
    BadRequest,
    NotConfigured,
    ProviderUnavailable,
    UnsupportedLanguage,
)
from crossdesk.translation.glossary import Span, from_markup, to_markup
from crossdesk.translation.http import json_body, send

LANGUAGES = frozenset({"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "tr", "zh"})


class LibreTranslateTranslator(HttpTranslator):
    name = "libretranslate"
    languages = LANGUAGES
    max_texts = 25
    max_chars = 5000  # the common --char-limit; raise it in settings for your own server

    def configure(self, settings: Mapping[str, Any]) -> None:
        super().configure(settings)
        self._server_languages: dict[str, set[str]] | None = None

    def missing(self) -> str:
        return "" if self.settings.get("url") else "no url (set LIBRETRANSLATE_URL)"

    @property
    def url(self) -> str:
        url = str(self.settings.get("url") or "").rstrip("/")
        if not url:
            raise NotConfigured("libretranslate: no url (set LIBRETRANSLATE_URL)", provider=self.name)
        return url

    def _with_key(self, body: dict) -> dict:
        key = reveal(self.settings.get("api_key"))
        if key:
            body["api_key"] = key
        return body

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        try:
            message = str(response.json().get("error", ""))
        except (ValueError, AttributeError):
            message = ""
        detail = f"libretranslate: HTTP {status}" + (f": {message}" if message else "")
        if status == 403:
            raise AuthFailed(detail, provider=self.name)
        if status == 400 and "not supported" in message:
            raise UnsupportedLanguage(detail, provider=self.name)
        if status == 400:
            raise BadRequest(detail, provider=self.name)
        raise ProviderUnavailable(detail, provider=self.name)

    def server_languages(self) -> dict[str, set[str]]:
        """``{code: {target codes}}`` as the server reports them (read once per configuration)."""
        if self._server_languages is None:
            response = send(
                self.client, "GET", f"{self.url}/languages", provider=self.name, policy=self.policy
            )
            self._raise_for(response)
            data = json_body(response, self.name)
            try:
                self._server_languages = {str(d["code"]): set(d.get("targets") or []) for d in data}
            except (KeyError, TypeError):
                raise ProviderUnavailable(
                    "libretranslate: /languages answered an unexpected body", provider=self.name
                ) from None
        return self._server_languages

    def _code(self, lang: str) -> str:
        """Our ISO 639-1 code as this server spells it (newer servers say zh-Hans for Chinese)."""
        codes = self.server_languages()
        if lang in codes:
            return lang
        if lang == "zh" and "zh-Hans" in codes:
            return "zh-Hans"
        raise UnsupportedLanguage(f"libretranslate: the server has no {lang}", provider=self.name)

    def translate_spans(self, items: Sequence[Sequence[Span]], source: str | None, target: str) -> list[str]:
        if not items:
            return []
        tgt = self._code(target)
        src = self._code(source) if source else "auto"
        if src != "auto" and tgt not in self.server_languages().get(src, {tgt}):
            raise UnsupportedLanguage(
                f"libretranslate: the server cannot translate {src}->{tgt}", provider=self.name
            )
        body = self._with_key(
            {"q": [to_markup(spans) for spans in items], "source": src, "target": tgt, "format": "html"}
        )
        response = send(
            self.client, "POST", f"{self.url}/translate", provider=self.name, policy=self.policy, json=body
        )
        self._raise_for(response)
        data = json_body(response, self.name)
        out = data.get("translatedText") if isinstance(data, dict) else None
        if isinstance(out, str):
            out = [out]
        if not isinstance(out, list) or len(out) != len(items) or not all(isinstance(t, str) for t in out):
            raise ProviderUnavailable(
                "libretranslate: answer without one translatedText per text", provider=self.name
            )
        return [from_markup(t) for t in out]

    def detect(self, text: str) -> tuple[str, float]:
        """The server's own detection: ``(code, confidence in [0, 1])``."""
        response = send(
            self.client,
            "POST",
            f"{self.url}/detect",
            provider=self.name,
            policy=self.policy,
            json=self._with_key({"q": text}),
        )
        self._raise_for(response)
        data = json_body(response, self.name)
        try:
            best = data[0]
            return str(best["language"]), float(best["confidence"]) / 100.0
        except (IndexError, KeyError, TypeError, ValueError):
            raise ProviderUnavailable(
                "libretranslate: /detect answered an unexpected body", provider=self.name
            ) from None


@hookimpl
def crossdesk_translators() -> list[LibreTranslateTranslator]:
    return [LibreTranslateTranslator()]
