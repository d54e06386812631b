"""What the built-in HTTP translators share (**public**, translator SDK: third-party translators may build
on :class:`HttpTranslator` too).

A translator is any object with ``name``, ``languages`` and ``translate(texts, source, target)`` (the
``crossdesk_translators`` contract). The service also uses, when present:

- ``max_texts`` / ``max_chars``: the most texts and characters one request may carry; the service
  batches within them;
- ``configure(settings)``: its settings (keys as :class:`~crossdesk.translation.config.Secret`) from the
  config file and environment; ``missing()`` says what is still needed ("" when ready);
- ``translate_spans(items, source, target)``: translate texts given as lists of
  :class:`~crossdesk.translation.glossary.Span`, keeping protected spans as they are (glossary terms).
  A translator without it only ever sees the plain pieces between protected terms;
- ``close()``.

Errors are the classes of :mod:`crossdesk.translation.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from crossdesk import __version__
from crossdesk.translation.glossary import Span
from crossdesk.translation.http import RetryPolicy


class HttpTranslator:
    """Base for translators that call an HTTP API through one pooled :class:`httpx.Client`."""

    name = ""
    languages: frozenset[str] = frozenset()
    max_texts = 50
    max_chars = 30_000
    default_timeout = 15.0

    def __init__(
        self, settings: Mapping[str, Any] | None = None, *, policy: RetryPolicy | None = None
    ) -> None:
        self.settings: dict[str, Any] = {}
        self.policy = policy or RetryPolicy()
        self._client: httpx.Client | None = None
        self.configure(settings or {})

    def configure(self, settings: Mapping[str, Any]) -> None:
        """Replace the settings (keys, URLs, limits); the next request uses a fresh client."""
        self.close()
        self.settings = dict(settings)
        if "max_texts" in self.settings:
            self.max_texts = int(self.settings["max_texts"])
        if "max_chars" in self.settings:
            self.max_chars = int(self.settings["max_chars"])
        if "retries" in self.settings:
            self.policy.attempts = max(1, int(self.settings["retries"]))
        if "backoff" in self.settings:
            self.policy.backoff = float(self.settings["backoff"])

    def missing(self) -> str:
        """What is still needed before this translator can be used; "" when ready."""
        return ""

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=float(self.settings.get("timeout", self.default_timeout)),
                headers={"User-Agent": f"crossdesk/{__version__}"},
                follow_redirects=False,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        """Translate plain texts (the hook contract)."""
        return self.translate_spans([[Span(t)] for t in texts], source, target)

    def translate_spans(
        self, items: Sequence[Sequence[Span]], source: str | None, target: str
    ) -> list[str]:  # pragma: no cover - every subclass implements it
        raise NotImplementedError

    def __repr__(self) -> str:  # never the settings: they hold keys
        return f"<{type(self).__name__} {self.name}>"
