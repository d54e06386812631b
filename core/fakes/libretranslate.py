"""A local fake of a self-hosted LibreTranslate server.

What it reproduces: ``POST /translate`` (JSON or form; ``q`` one string or a list, ``source`` a code or
``auto``, ``target``, ``format`` ``text``/``html``, ``api_key``) answering ``{"translatedText": ...}`` with
``detectedLanguage`` when the source was ``auto``; ``POST /detect``; ``GET /languages``. Errors come as
``{"error": "..."}`` bodies: 400 for a bad request, an unsupported language, or a request over the
character or batch limit; 403 for a missing or wrong API key when keys are required (the server's
``--api-keys`` mode); 429 "Slowdown" past ``requests_per_minute`` (the server's ``--req-limit``).

Translations are :func:`crossdesk.fakes.mt.pseudo_translate`; ``translate="no"`` elements are honoured in
``html`` format as LibreTranslate's HTML translation does.
"""

from __future__ import annotations

import time

from crossdesk.fakes.mt import pseudo_translate
from crossdesk.fakes.server import FakeRequest, FakeResponse, FakeServer

LANGUAGES = {
    "ar": "Arabic", "de": "German", "en": "English", "es": "Spanish", "fr": "French", "it": "Italian",
    "ja": "Japanese", "ko": "Korean", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "tr": "Turkish",
    "zh": "Chinese",
}  # fmt: skip


def guess_script(text: str) -> str:
    """The fake's language detector: by script only (enough for a contract test; not a real detector)."""
    for ch in text:
        cp = ord(ch)
        if 0x3040 <= cp <= 0x30FF:
            return "ja"
        if 0xAC00 <= cp <= 0xD7AF:
            return "ko"
        if 0x0600 <= cp <= 0x06FF:
            return "ar"
    if any(0x4E00 <= ord(ch) <= 0x9FFF for ch in text):
        return "zh"
    return "en"


def _error(status: int, message: str) -> FakeResponse:
    return FakeResponse.json({"error": message}, status=status)


class LibreTranslateFake(FakeServer):
    """LibreTranslate on loopback. ``api_keys`` set means keys are required."""

    def __init__(
        self,
        api_keys: tuple[str, ...] = (),
        *,
        char_limit: int = 5000,
        batch_limit: int = 25,
        requests_per_minute: int = 0,
        languages: dict[str, str] | None = None,
    ):
        super().__init__("libretranslate")
        self.api_keys = set(api_keys)
        self.char_limit = char_limit
        self.batch_limit = batch_limit
        self.requests_per_minute = requests_per_minute
        self.supported = dict(languages or LANGUAGES)
        self._window: list[float] = []
        self.add_route("POST", "/translate", self.translate)
        self.add_route("POST", "/detect", self.detect)
        self.add_route("GET", "/languages", self.languages)

    def _gate(self, params: dict) -> FakeResponse | None:
        if self.api_keys and params.get("api_key") not in self.api_keys:
            if not params.get("api_key"):
                return _error(403, "Visit the server's portal to get an API key")
            return _error(403, "Invalid API key")
        if self.requests_per_minute:
            now = time.monotonic()
            self._window = [t for t in self._window if now - t < 60]
            if len(self._window) >= self.requests_per_minute:
                return _error(429, f"Slowdown: {self.requests_per_minute} per 1 minute")
            self._window.append(now)
        return None

    def translate(self, req: FakeRequest) -> FakeResponse:
        try:
            params = req.params()
        except ValueError:
            return _error(400, "Invalid request: the body could not be parsed")
        if (denied := self._gate(params)) is not None:
            return denied
        q = params.get("q")
        source = params.get("source")
        target = params.get("target")
        if q is None or q == "":
            return _error(400, "Invalid request: missing q parameter")
        if not source:
            return _error(400, "Invalid request: missing source parameter")
        if not target:
            return _error(400, "Invalid request: missing target parameter")
        batch = isinstance(q, list)
        texts = q if batch else [q]
        if not all(isinstance(t, str) for t in texts):
            return _error(400, "Invalid request: q must be a string or a list of strings")
        if batch and len(texts) > self.batch_limit:
            return _error(
                400, f"Invalid request: request ({len(texts)}) exceeds text limit ({self.batch_limit})"
            )
        chars = sum(len(t) for t in texts)
        if self.char_limit and chars > self.char_limit:
            return _error(400, f"Invalid request: request ({chars}) exceeds text limit ({self.char_limit})")
        if source != "auto" and source not in self.supported:
            return _error(400, f"{source} is not supported")
        if target not in self.supported:
            return _error(400, f"{target} is not supported")
        fmt = params.get("format") or "text"
        out = [pseudo_translate(t, target, html=fmt == "html") for t in texts]
        body: dict = {"translatedText": out if batch else out[0]}
        if source == "auto":
            detected = [{"confidence": 90.0, "language": guess_script(t)} for t in texts]
            body["detectedLanguage"] = detected if batch else detected[0]
        return FakeResponse.json(body)

    def detect(self, req: FakeRequest) -> FakeResponse:
        try:
            params = req.params()
        except ValueError:
            return _error(400, "Invalid request: the body could not be parsed")
        if (denied := self._gate(params)) is not None:
            return denied
        q = params.get("q")
        if not q:
            return _error(400, "Invalid request: missing q parameter")
        return FakeResponse.json([{"confidence": 90.0, "language": guess_script(str(q))}])

    def languages(self, req: FakeRequest) -> FakeResponse:
        codes = sorted(self.supported)
        return FakeResponse.json(
            [{"code": c, "name": self.supported[c], "targets": [t for t in codes if t != c]} for c in codes]
        )
