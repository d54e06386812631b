"""A local fake of the DeepL API v2 (translate, usage, languages, glossaries).

What it reproduces, as the client sees it:

- auth by the header ``Authorization: DeepL-Auth-Key KEY`` only; an unknown key answers 403. A fake
  started with ``free=True`` plays the Free host: it accepts only keys ending in ``:fx`` and a Pro fake
  only keys without it (403 "Wrong endpoint"), as the two real hosts do;
- ``POST /v2/translate`` with a JSON or form-encoded body: ``text`` (1 to 50 texts), ``target_lang``,
  ``source_lang``, ``tag_handling`` (``html``/``xml``), ``ignore_tags``, ``glossary_id`` (which requires
  ``source_lang``); answers ``{"translations": [{"detected_source_language", "text"}]}``;
- the body limit (128 KiB, 413), the character quota (456 "Quota exceeded" once
  ``character_count`` would pass ``character_limit``), and ``GET /v2/usage``;
- ``GET /v2/languages?type=source|target``, ``POST/GET/DELETE /v2/glossaries``,
  ``GET /v2/glossaries/{id}/entries`` (TSV), ``GET /v2/glossary-language-pairs``.

Rate limits (429) and outages are injected with :meth:`FakeServer.inject` / :meth:`go_down`.
Translations are :func:`crossdesk.fakes.mt.pseudo_translate`.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from crossdesk.fakes.mt import pseudo_translate
from crossdesk.fakes.server import FakeRequest, FakeResponse, FakeServer

MAX_TEXTS = 50
MAX_BODY = 128 * 1024

SOURCE_LANGS = ["AR", "DE", "EN", "ES", "FR", "IT", "JA", "KO", "NL", "PL", "PT", "TR", "ZH"]
TARGET_LANGS = [
    "AR", "DE", "EN-GB", "EN-US", "ES", "FR", "IT", "JA", "KO", "NL", "PL", "PT-BR", "PT-PT", "TR", "ZH",
    "ZH-HANS",
]  # fmt: skip
# Still accepted as targets, though deprecated in favour of a regional variant.
DEPRECATED_TARGETS = {"EN", "PT"}


@dataclass
class Glossary:
    glossary_id: str
    name: str
    source_lang: str
    target_lang: str
    entries: dict[str, str]
    creation_time: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()))

    def info(self) -> dict:
        return {
            "glossary_id": self.glossary_id,
            "name": self.name,
            "ready": True,
            "source_lang": self.source_lang.lower(),
            "target_lang": self.target_lang.lower(),
            "creation_time": self.creation_time,
            "entry_count": len(self.entries),
        }


def _error(status: int, message: str) -> FakeResponse:
    return FakeResponse.json({"message": message}, status=status)


class DeepLFake(FakeServer):
    """The DeepL API v2 on loopback. ``keys``: the auth keys it accepts."""

    def __init__(
        self, keys: tuple[str, ...] = ("test-key:fx",), *, free: bool = True, character_limit: int = 500_000
    ):
        super().__init__("deepl")
        self.keys = set(keys)
        self.free = free
        self.character_limit = character_limit
        self.character_count = 0
        self.glossaries: dict[str, Glossary] = {}
        self.add_route("POST", "/v2/translate", self.translate)
        self.add_route("GET", "/v2/usage", self.usage)
        self.add_route("GET", "/v2/languages", self.languages)
        self.add_route("GET", "/v2/glossary-language-pairs", self.glossary_pairs)
        self.add_route("POST", "/v2/glossaries", self.create_glossary)
        self.add_route("GET", "/v2/glossaries", self.list_glossaries)
        self.add_route("GET", "/v2/glossaries/{glossary_id}", self.get_glossary)
        self.add_route("DELETE", "/v2/glossaries/{glossary_id}", self.delete_glossary)
        self.add_route("GET", "/v2/glossaries/{glossary_id}/entries", self.glossary_entries)

    # ---- auth --------------------------------------------------------------------------------------

    def _auth(self, req: FakeRequest) -> FakeResponse | None:
        header = req.header("authorization")
        prefix = "DeepL-Auth-Key "
        if not header.startswith(prefix):
            return _error(403, "Authorization failure, check auth_key")
        key = header[len(prefix) :].strip()
        if key not in self.keys:
            return _error(403, "Authorization failure, check auth_key")
        if self.free != key.endswith(":fx"):
            other = "https://api.deepl.com" if not self.free else "https://api-free.deepl.com"
            return _error(403, f"Wrong endpoint. Use {other}")
        return None

    # ---- translate ---------------------------------------------------------------------------------

    def translate(self, req: FakeRequest) -> FakeResponse:
        if (denied := self._auth(req)) is not None:
            return denied
        if len(req.body) > MAX_BODY:
            return _error(413, "Request Entity Too Large")
        try:
            params = req.params()
        except ValueError:
            return _error(400, "Bad request. Reason: the body could not be parsed")
        texts = params.get("text")
        if isinstance(texts, str):
            texts = [texts]
        if not texts or not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            return _error(400, "Parameter 'text' not specified.")
        if len(texts) > MAX_TEXTS:
            return _error(413, f"Too many texts: {len(texts)}, the limit is {MAX_TEXTS} per request.")
        target = str(params.get("target_lang") or "").upper()
        if target not in TARGET_LANGS and target not in DEPRECATED_TARGETS:
            return _error(400, "Value for 'target_lang' not supported.")
        source = str(params.get("source_lang") or "").upper()
        if source and source not in SOURCE_LANGS:
            return _error(400, "Value for 'source_lang' not supported.")
        fixed = None
        if glossary_id := params.get("glossary_id"):
            if not source:
                return _error(400, "Use of a glossary requires the source_lang parameter to be specified.")
            glossary = self.glossaries.get(str(glossary_id))
            if glossary is None:
                return _error(400, "Invalid glossary id.")
            if glossary.source_lang != source or glossary.target_lang != target.split("-")[0]:
                return _error(400, "Glossary language pair does not match the request.")
            fixed = glossary.entries
        chars = sum(len(t) for t in texts)
        if self.character_count + chars > self.character_limit:
            return _error(456, "Quota exceeded")
        self.character_count += chars
        tag_handling = str(params.get("tag_handling") or "")
        ignore = params.get("ignore_tags") or ()
        if isinstance(ignore, str):
            ignore = tuple(t for t in ignore.split(",") if t)
        lang = target.split("-")[0].lower()
        out = [
            {
                "detected_source_language": source or "EN",
                "text": pseudo_translate(
                    t, lang, html=tag_handling in ("html", "xml"), ignore_tags=tuple(ignore), fixed=fixed
                ),
            }
            for t in texts
        ]
        return FakeResponse.json({"translations": out})

    def usage(self, req: FakeRequest) -> FakeResponse:
        if (denied := self._auth(req)) is not None:
            return denied
        return FakeResponse.json(
            {"character_count": self.character_count, "character_limit": self.character_limit}
        )

    def languages(self, req: FakeRequest) -> FakeResponse:
        if (denied := self._auth(req)) is not None:
            return denied
        codes = TARGET_LANGS if req.arg("type") == "target" else SOURCE_LANGS
        return FakeResponse.json([{"language": c, "name": c} for c in codes])

    # ---- glossaries --------------------------------------------------------------------------------

    def glossary_pairs(self, req: FakeRequest) -> FakeResponse:
        if (denied := self._auth(req)) is not None:
            return denied
        pairs = [
            {"source_lang": s.lower(), "target_lang": t.lower()}
            for s in SOURCE_LANGS
            for t in SOURCE_LANGS
            if s != t
        ]
        return FakeResponse.json({"supported_languages": pairs})

    def create_glossary(self, req: FakeRequest) -> FakeResponse:
        if (denied := self._auth(req)) is not None:
            return denied
        try:
            params = req.params()
        except ValueError:
            return _error(400, "Bad request. Reason: the body could not be parsed")
        missing = [k for k in ("name", "source_lang", "target_lang", "entries") if not params.get(k)]
        if missing:
            return _error(400, f"Missing or invalid argument: {missing[0]}")
        if params.get("entries_format", "tsv") != "tsv":
            return _error(400, "Unsupported entries_format")
        entries: dict[str, str] = {}
        for n, line in enumerate(str(params["entries"]).splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
                return _error(400, f"Invalid glossary entries: line {n} must hold source<TAB>target")
            if parts[0] in entries:
                return _error(400, f"Invalid glossary entries: duplicate source term on line {n}")
            entries[parts[0]] = parts[1]
        g = Glossary(
            glossary_id=str(uuid.uuid4()),
            name=str(params["name"]),
            source_lang=str(params["source_lang"]).upper(),
            target_lang=str(params["target_lang"]).upper(),
            entries=entries,
        )
        self.glossaries[g.glossary_id] = g
        return FakeResponse.json(g.info(), status=201)

    def list_glossaries(self, req: FakeRequest) -> FakeResponse:
        if (denied := self._auth(req)) is not None:
            return denied
        return FakeResponse.json({"glossaries": [g.info() for g in self.glossaries.values()]})

    def get_glossary(self, req: FakeRequest) -> FakeResponse:
        if (denied := self._auth(req)) is not None:
            return denied
        g = self.glossaries.get(req.path_params["glossary_id"])
        return FakeResponse.json(g.info()) if g else _error(404, "Glossary not found")

    def delete_glossary(self, req: FakeRequest) -> FakeResponse:
        if (denied := self._auth(req)) is not None:
            return denied
        if self.glossaries.pop(req.path_params["glossary_id"], None) is None:
            return _error(404, "Glossary not found")
        return FakeResponse.empty(204)

    def glossary_entries(self, req: FakeRequest) -> FakeResponse:
        if (denied := self._auth(req)) is not None:
            return denied
        g = self.glossaries.get(req.path_params["glossary_id"])
        if g is None:
            return _error(404, "Glossary not found")
        tsv = "\n".join(f"{k}\t{v}" for k, v in g.entries.items())
        return FakeResponse(200, tsv.encode(), {"Content-Type": "text/tab-separated-values"})
