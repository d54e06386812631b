"""A local fake of Google Cloud Translation, Basic edition (v2), with API-key auth.

What it reproduces: ``POST /language/translate/v2?key=KEY`` (or the key in ``X-goog-api-key``) with a JSON (or form) body ``q`` (a string or
up to 128 strings), ``target``, ``source`` (optional: then ``detectedSourceLanguage`` is returned),
``format`` (``html`` by default, as the real API; ``text``), answering
``{"data": {"translations": [{"translatedText", "detectedSourceLanguage"}]}}``;
``POST /language/translate/v2/detect``; ``GET /language/translate/v2/languages``. Errors use Google's
envelope ``{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}``:
400 ``badRequest`` for a wrong key, 403 for a missing key, 400 ``invalid`` for a bad language or too many
segments, 403 ``dailyLimitExceeded`` past the daily character quota, 429 ``rateLimitExceeded`` past
``requests_per_minute``. In ``html`` format ``translate="no"`` elements are kept, as Google does.
"""

from __future__ import annotations

import html as htmllib
import time

from crossdesk.fakes.libretranslate import LANGUAGES, guess_script
from crossdesk.fakes.mt import pseudo_translate
from crossdesk.fakes.server import FakeRequest, FakeResponse, FakeServer

PATH = "/language/translate/v2"
MAX_SEGMENTS = 128


def google_error(code: int, message: str, reason: str, status: str) -> FakeResponse:
    """An error in Google's JSON envelope."""
    return FakeResponse.json(
        {
            "error": {
                "code": code,
                "message": message,
                "errors": [
                    {
                        "message": message,
                        "domain": "global" if code != 403 else "usageLimits",
                        "reason": reason,
                    }
                ],
                "status": status,
            }
        },
        status=code,
    )


class GoogleTranslateFake(FakeServer):
    """Google Cloud Translation v2 on loopback."""

    def __init__(
        self,
        keys: tuple[str, ...] = ("test-google-key",),
        *,
        daily_char_limit: int = 1_000_000,
        requests_per_minute: int = 0,
    ):
        super().__init__("google_translate")
        self.keys = set(keys)
        self.daily_char_limit = daily_char_limit
        self.chars_today = 0
        self.requests_per_minute = requests_per_minute
        self._window: list[float] = []
        self.add_route("POST", PATH, self.translate)
        self.add_route("POST", PATH + "/detect", self.detect)
        self.add_route("GET", PATH + "/languages", self.languages)

    def _gate(self, req: FakeRequest) -> FakeResponse | None:
        # The key may come as ?key= or in the X-goog-api-key header (which keeps it out of URLs and logs).
        key = req.arg("key") or req.header("x-goog-api-key")
        if not key:
            return google_error(
                403,
                "The request is missing a valid API key.",
                "forbidden",
                "PERMISSION_DENIED",
            )
        if key not in self.keys:
            return google_error(
                400, "API key not valid. Please pass a valid API key.", "badRequest", "INVALID_ARGUMENT"
            )
        if self.requests_per_minute:
            now = time.monotonic()
            self._window = [t for t in self._window if now - t < 60]
            if len(self._window) >= self.requests_per_minute:
                return google_error(
                    429, "User Rate Limit Exceeded", "rateLimitExceeded", "RESOURCE_EXHAUSTED"
                )
            self._window.append(now)
        return None

    def _params(self, req: FakeRequest) -> dict:
        params: dict = {k: v if len(v) > 1 else v[0] for k, v in req.query.items() if k != "key"}
        if req.body:
            params.update(req.params())
        return params

    def translate(self, req: FakeRequest) -> FakeResponse:
        if (denied := self._gate(req)) is not None:
            return denied
        try:
            params = self._params(req)
        except ValueError:
            return google_error(400, "Invalid JSON payload received.", "parseError", "INVALID_ARGUMENT")
        q = params.get("q")
        target = params.get("target")
        if not q:
            return google_error(400, "Required Text", "required", "INVALID_ARGUMENT")
        if not target:
            return google_error(400, "Required Target language", "required", "INVALID_ARGUMENT")
        texts = q if isinstance(q, list) else [q]
        if len(texts) > MAX_SEGMENTS:
            return google_error(400, "Too many text segments", "invalid", "INVALID_ARGUMENT")
        source = params.get("source")
        base = str(target).split("-")[0].lower()
        if base not in LANGUAGES or (source and str(source).split("-")[0].lower() not in LANGUAGES):
            return google_error(400, "Invalid Value", "invalid", "INVALID_ARGUMENT")
        chars = sum(len(t) for t in texts)
        if self.chars_today + chars > self.daily_char_limit:
            return google_error(403, "Daily Limit Exceeded", "dailyLimitExceeded", "PERMISSION_DENIED")
        self.chars_today += chars
        fmt = params.get("format") or "html"
        out = []
        for t in texts:
            item = {"translatedText": pseudo_translate(t, base, html=fmt == "html")}
            if not source:
                plain = htmllib.unescape(t) if fmt == "html" else t
                item["detectedSourceLanguage"] = guess_script(plain)
            out.append(item)
        return FakeResponse.json({"data": {"translations": out}})

    def detect(self, req: FakeRequest) -> FakeResponse:
        if (denied := self._gate(req)) is not None:
            return denied
        params = self._params(req)
        q = params.get("q")
        texts = q if isinstance(q, list) else [q] if q else []
        if not texts:
            return google_error(400, "Required Text", "required", "INVALID_ARGUMENT")
        detections = [[{"language": guess_script(t), "isReliable": False, "confidence": 1}] for t in texts]
        return FakeResponse.json({"data": {"detections": detections}})

    def languages(self, req: FakeRequest) -> FakeResponse:
        if (denied := self._gate(req)) is not None:
            return denied
        return FakeResponse.json(
            {"data": {"languages": [{"language": c, "name": n} for c, n in LANGUAGES.items()]}}
        )
