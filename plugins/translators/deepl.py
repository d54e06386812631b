"""DeepL API v2 translator.

The host follows the key, as DeepL requires: keys ending in ``:fx`` are Free keys and go to
``api-free.deepl.com``, others to ``api.deepl.com`` (``base_url`` overrides both, for tests and proxies).
Auth is the ``Authorization: DeepL-Auth-Key`` header. Up to 50 texts go in one request, as HTML so that
glossary terms wrapped in ``translate="no"`` come back untouched; terms with a fixed translation use a
DeepL glossary for the language pair (created once, found again by name on the next run).
429 and 5xx are retried with backoff; 456 (quota exceeded) stops this provider until the quota resets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import orjson

from crossdesk import hookimpl
from crossdesk.translation.base import HttpTranslator
from crossdesk.translation.config import reveal
from crossdesk.translation.errors import (
    AuthFailed,
    BadRequest,
    NotConfigured,
    ProviderUnavailable,
    QuotaExceeded,
    UnsupportedLanguage,
)
from crossdesk.translation.glossary import Span, from_markup, to_markup
from crossdesk.translation.http import json_body, send

FREE_HOST = "https://api-free.deepl.com"
PRO_HOST = "https://api.deepl.com"

LANGUAGES = frozenset({"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "tr", "zh"})


def host_for_key(key: str) -> str:
    """The API host a key belongs to: Free keys end in ``:fx``."""
    return FREE_HOST if key.strip().endswith(":fx") else PRO_HOST


class DeepLTranslator(HttpTranslator):
    name = "deepl"
    languages = LANGUAGES
    max_texts = 50  # DeepL's limit per request
    max_chars = 100_000  # stays under the 128 KiB request body limit with JSON and markup overhead

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._glossaries: dict[str, str] = {}
        super().__init__(*args, **kwargs)

    def configure(self, settings: Mapping[str, Any]) -> None:
        super().configure(settings)
        self._glossaries = {}

    def missing(self) -> str:
        return "" if reveal(self.settings.get("auth_key")) else "no auth_key (set DEEPL_AUTH_KEY)"

    @property
    def base_url(self) -> str:
        if self.settings.get("base_url"):
            return str(self.settings["base_url"]).rstrip("/")
        return host_for_key(reveal(self.settings.get("auth_key")))

    def _headers(self) -> dict[str, str]:
        key = reveal(self.settings.get("auth_key"))
        if not key:
            raise NotConfigured("deepl: no auth_key (set DEEPL_AUTH_KEY)", provider=self.name)
        return {"Authorization": f"DeepL-Auth-Key {key}"}

    def target_code(self, target: str) -> str:
        """DeepL wants a regional variant for English and Portuguese targets."""
        if target == "en":
            return str(self.settings.get("english_variant", "EN-US")).upper()
        if target == "pt":
            return str(self.settings.get("portuguese_variant", "PT-BR")).upper()
        if target == "zh":
            return "ZH-HANS"
        return target.upper()

    # ---- errors ----------------------------------------------------------------------------------

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        try:
            message = str(response.json().get("message", ""))
        except (ValueError, AttributeError):
            message = ""
        detail = f"deepl: HTTP {status}" + (f": {message}" if message else "")
        if status == 456:
            raise QuotaExceeded(
                f"deepl: quota exceeded (HTTP 456){': ' + message if message else ''}", provider=self.name
            )
        if status in (401, 403):
            raise AuthFailed(detail, provider=self.name)
        if status == 400 and "not supported" in message:
            raise UnsupportedLanguage(detail, provider=self.name)
        if status in (400, 413, 414):
            raise BadRequest(detail, provider=self.name)
        raise ProviderUnavailable(detail, provider=self.name)

    # ---- glossaries --------------------------------------------------------------------------------

    def glossary_id(self, source: str, target: str, entries: dict[str, str]) -> str | None:
        """The id of a DeepL glossary with exactly ``entries`` for the pair, creating it if needed.

        Glossaries are named by a hash of their entries, so the next run finds the one it made instead of
        creating another. Returns None when DeepL will not make one (the caller protects the terms with
        spans instead).
        """
        tsv = "\n".join(f"{k}\t{v}" for k, v in sorted(entries.items()))
        name = "crossdesk-" + hashlib.sha256(f"{source}>{target}\n{tsv}".encode()).hexdigest()[:20]
        if name in self._glossaries:
            return self._glossaries[name]
        headers = self._headers()
        listed = send(
            self.client,
            "GET",
            f"{self.base_url}/v2/glossaries",
            provider=self.name,
            policy=self.policy,
            headers=headers,
        )
        self._raise_for(listed)
        for g in json_body(listed, self.name).get("glossaries", []):
            if g.get("name") == name and g.get("ready", True):
                self._glossaries[name] = str(g["glossary_id"])
                return self._glossaries[name]
        created = send(
            self.client,
            "POST",
            f"{self.base_url}/v2/glossaries",
            provider=self.name,
            policy=self.policy,
            headers=headers,
            json={
                "name": name,
                "source_lang": source,
                "target_lang": target,
                "entries": tsv,
                "entries_format": "tsv",
            },
        )
        if created.status_code == 400:
            return None  # e.g. a pair DeepL has no glossaries for
        self._raise_for(created)
        self._glossaries[name] = str(json_body(created, self.name)["glossary_id"])
        return self._glossaries[name]

    # ---- translate ---------------------------------------------------------------------------------

    def translate_spans(self, items: Sequence[Sequence[Span]], source: str | None, target: str) -> list[str]:
        if not items:
            return []
        if len(items) > self.max_texts:
            raise BadRequest(
                f"deepl: {len(items)} texts in one request; the limit is {self.max_texts}", provider=self.name
            )
        if target not in self.languages or (source and source not in self.languages):
            raise UnsupportedLanguage(
                f"deepl: {source or 'auto'}->{target} is not supported", provider=self.name
            )
        headers = self._headers()
        body: dict = {"target_lang": self.target_code(target), "tag_handling": "html"}
        fixed = {
            s.source_text: s.text for spans in items for s in spans if s.protected and s.text != s.source_text
        }
        glossary = None
        if source:
            body["source_lang"] = source.upper()
            if fixed and not self.settings.get("no_glossaries"):
                glossary = self.glossary_id(source, target, fixed)
        if glossary:
            body["glossary_id"] = glossary
            # Fixed terms go through DeepL's glossary as plain text; kept terms stay in spans.
            texts = [
                to_markup(
                    [Span(s.source_text) if s.protected and s.text != s.source_text else s for s in spans]
                )
                for spans in items
            ]
        else:
            texts = [to_markup(spans) for spans in items]
        body["text"] = texts
        response = send(
            self.client,
            "POST",
            f"{self.base_url}/v2/translate",
            provider=self.name,
            policy=self.policy,
            headers={**headers, "Content-Type": "application/json"},
            content=orjson.dumps(body),
        )
        if glossary and response.status_code == 400:
            self._glossaries.clear()  # deleted on DeepL's side, perhaps: look it up again next time
        self._raise_for(response)
        data = json_body(response, self.name)
        try:
            out = [from_markup(str(t["text"])) for t in data["translations"]]
        except (KeyError, TypeError):
            raise ProviderUnavailable("deepl: answer without 'translations'", provider=self.name) from None
        if len(out) != len(items):
            raise ProviderUnavailable(
                f"deepl: sent {len(items)} texts, got {len(out)} translations back", provider=self.name
            )
        return out

    def usage(self) -> dict:
        """``{"character_count", "character_limit"}`` of the account."""
        response = send(
            self.client,
            "GET",
            f"{self.base_url}/v2/usage",
            provider=self.name,
            policy=self.policy,
            headers=self._headers(),
        )
        self._raise_for(response)
        return json_body(response, self.name)


@hookimpl
def crossdesk_translators() -> list[DeepLTranslator]:
    return [DeepLTranslator()]
