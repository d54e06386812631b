"""A local fake of an OpenAI-compatible chat completions server (hosted APIs, Ollama, llama.cpp's
server, vLLM all speak it).

What it reproduces: ``POST /v1/chat/completions`` (``model``, ``messages``, ``temperature``,
``max_tokens``, ``response_format``, ``stream`` with ``stream_options.include_usage``) answering a
``chat.completion`` object, or with ``stream`` server-sent events (``data: {chunk}`` lines, the usage in
the last chunk, ``data: [DONE]``); ``GET /v1/models``. Errors are OpenAI's ``{"error": {"message",
"type", "code"}}`` bodies: 401 for a missing or wrong key when ``api_keys`` is set (a local server has
none), 404 ``model_not_found``, 429 ``rate_limit_exceeded`` with ``Retry-After`` past
``requests_per_minute``. The :class:`~crossdesk.fakes.server.Fault` injection of every fake adds 5xx,
timeouts, disconnects and malformed bodies.

It is a model only in the shape of its answers. The requests crossdesk sends carry one JSON object as the
last user message (``{"task": "translate" | "draft" | "summarize", ...}``), and the fake answers them
deterministically:

- ``translate``: each text sentence by sentence, from the offline phrasebook's sentences (in any of the
  13 languages, ``{ref}`` slots carried over) and what a test taught it (:meth:`teach`); a sentence it
  does not know is returned as written (so the language check sees a model that did not translate);
  glossary terms given in the request replace the phrasebook's word;
- ``draft``: a reply in ``reply_language`` built only from the facts given, with its back-translation;
- ``summarize``: message count, languages and the buyer's concerns, in ``language``.

``behaviour`` makes it misbehave the way real models do: ``wrong_language`` (answers in French, or
Spanish when French was asked), ``drop_tokens`` (loses order and tracking numbers), ``wrong_count`` (one
text too few), ``prose`` (chatter instead of JSON), ``gullible`` (obeys what buyers write: promises the
refund they demand, repeats the system prompt, invents a tracking number).
"""

from __future__ import annotations

import functools
import json
import re
import time
from typing import Any

import orjson

from crossdesk.fakes.server import FakeRequest, FakeResponse, FakeServer
from crossdesk.language import phrasebook_dir

LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "zh", "pt", "ko", "nl", "pl", "tr", "ar")
_SENTENCE = re.compile(r"[^.!?。！？\n]+(?:[.!?。！？]+|$)|[.!?。！？]+")
_END = re.compile(r"[\s.!?。！？؟¿¡,;:，、；：]+$")
_TOKEN = re.compile(r"(?<![\w])(?=[\w\-#/.]*\d)[#\w][\w\-/.]*\d[\w]*|https?://\S+")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", _END.sub("", text.strip().lstrip("¿¡"))).casefold()


@functools.cache
def _phrasebook() -> dict[str, dict[str, Any]]:
    out = {}
    for lang in LANGUAGES:
        out[lang] = json.loads((phrasebook_dir() / f"{lang}.json").read_text(encoding="utf-8"))
    return out


@functools.cache
def _index() -> list[tuple[re.Pattern[str], str]]:
    """(pattern over a normalised sentence, concept), longest forms first."""
    pats: list[tuple[int, re.Pattern[str], str]] = []
    for book in _phrasebook().values():
        for concept, forms in book["phrases"].items():
            for form in forms:
                esc = re.escape(_norm(form)).replace(r"\{ref\}", r"(?P<ref>\S+)")
                pats.append((len(form), re.compile(rf"^{esc}$"), concept))
    pats.sort(key=lambda p: -p[0])
    return [(p, c) for _, p, c in pats]


def render(concept: str, lang: str, ref: str = "") -> str:
    """The phrasebook's sentence for ``concept`` in ``lang`` (with ``ref`` in its slot)."""
    text = _phrasebook()[lang]["phrases"][concept][0].replace("{ref}", ref)
    return text + ("。" if lang in ("ja", "zh") else ".")


def concept_of(sentence: str) -> tuple[str, str] | None:
    key = _norm(sentence)
    for pattern, concept in _index():
        m = pattern.match(key)
        if m:
            ref = m.groupdict().get("ref") or ""
            if ref:  # the reference as the buyer wrote it, not casefolded
                found = re.search(re.escape(ref), sentence, re.I)
                ref = found.group(0) if found else ref
            return concept, _END.sub("", ref)
    return None


def _error(status: int, message: str, type_: str, code: str, headers: dict | None = None) -> FakeResponse:
    return FakeResponse.json({"error": {"message": message, "type": type_, "code": code}}, status, headers)


class LlmFake(FakeServer):
    """An OpenAI-compatible server on loopback. ``api_keys`` empty: no key needed (a local server)."""

    def __init__(
        self,
        api_keys: tuple[str, ...] = (),
        *,
        models: tuple[str, ...] = ("fake-llm",),
        requests_per_minute: int = 0,
        behaviour: str = "good",
        prefix: str = "/v1",
    ) -> None:
        super().__init__("llm")
        self.api_keys = set(api_keys)
        self.models = set(models)
        self.requests_per_minute = requests_per_minute
        self.behaviour = behaviour
        self.taught: dict[tuple[str, str], str] = {}
        self.bodies: list[dict[str, Any]] = []  # every request body received, for tests to inspect
        self._window: list[float] = []
        self.add_route("POST", f"{prefix}/chat/completions", self.completions)
        self.add_route("GET", f"{prefix}/models", self.list_models)

    @property
    def api_base(self) -> str:
        return self.url("/v1")

    def teach(self, source: str, target: str, translation: str) -> None:
        """Make the fake translate the sentence ``source`` into ``target`` as ``translation``."""
        self.taught[(_norm(source), target)] = translation

    # ---- HTTP ----------------------------------------------------------------------------------------

    def _gate(self, req: FakeRequest) -> FakeResponse | None:
        if self.api_keys:
            auth = req.header("Authorization")
            if not auth.startswith("Bearer ") or auth[7:] not in self.api_keys:
                return _error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        if self.requests_per_minute:
            now = time.monotonic()
            self._window = [t for t in self._window if now - t < 60]
            if len(self._window) >= self.requests_per_minute:
                return _error(
                    429, "Rate limit reached.", "requests", "rate_limit_exceeded", {"Retry-After": "1"}
                )
            self._window.append(now)
        return None

    def list_models(self, req: FakeRequest) -> FakeResponse | dict:
        return self._gate(req) or {
            "object": "list",
            "data": [{"id": m, "object": "model"} for m in self.models],
        }

    def completions(self, req: FakeRequest) -> FakeResponse | dict:
        refused = self._gate(req)
        if refused:
            return refused
        try:
            body = req.json()
        except ValueError:
            return _error(
                400, "We could not parse the JSON body of your request.", "invalid_request_error", ""
            )
        self.bodies.append(body)
        if body.get("model") not in self.models:
            return _error(
                404,
                f"The model `{body.get('model')}` does not exist.",
                "invalid_request_error",
                "model_not_found",
            )
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "'messages' is a required property", "invalid_request_error", "")
        answer = self.answer(messages)
        prompt_tokens = sum(len(str(m.get("content", ""))) // 4 + 1 for m in messages)
        completion_tokens = len(answer) // 4 + 1
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        model = body["model"]
        if body.get("stream"):
            return self._stream(
                model, answer, usage if (body.get("stream_options") or {}).get("include_usage") else None
            )
        return {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer},
                         "finish_reason": "stop"}],
            "usage": usage,
        }  # fmt: skip

    @staticmethod
    def _stream(model: str, answer: str, usage: dict | None) -> FakeResponse:
        def event(data: Any) -> bytes:
            return b"data: " + orjson.dumps(data) + b"\n\n"

        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model}
        out = [
            b": keep-alive\n\n",
            event({**base, "choices": [{"index": 0, "delta": {"role": "assistant"}}]}),
        ]
        for i in range(0, len(answer), 16):
            out.append(event({**base, "choices": [{"index": 0, "delta": {"content": answer[i : i + 16]}}]}))
        out.append(event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
        if usage is not None:
            out.append(event({**base, "choices": [], "usage": usage}))
        out.append(b"data: [DONE]\n\n")
        return FakeResponse(200, b"".join(out), {"Content-Type": "text/event-stream"})

    # ---- the "model" ---------------------------------------------------------------------------------

    def answer(self, messages: list[dict[str, Any]]) -> str:
        system = " ".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
        try:
            task = json.loads(str(messages[-1].get("content", "")))
        except ValueError:
            task = {}
        if not isinstance(task, dict):
            task = {}
        if self.behaviour == "prose":
            return "Sure! Here is what you asked for."
        kind = task.get("task")
        if kind == "translate":
            return self._translate(task)
        if kind == "draft":
            return self._draft(task, system)
        if kind == "summarize":
            return self._summarize(task)
        return "I can help with translations, drafts and summaries."

    def translate_text(self, text: str, target: str, glossary: dict[str, str] | None = None) -> str:
        out = []
        for m in _SENTENCE.finditer(text):
            sentence = m.group(0)
            lead = sentence[: len(sentence) - len(sentence.lstrip())]
            taught = self.taught.get((_norm(sentence), target))
            found = concept_of(sentence)
            if taught is not None:
                out.append(lead + taught)
            elif found is not None:
                rendered = render(found[0], target, found[1])
                if sentence.rstrip().endswith("?") and target not in ("ja", "zh"):
                    rendered = rendered[:-1] + "?"
                out.append(lead + rendered)
            else:
                out.append(lead + self._clauses(sentence.strip(), target))
        result = "".join(out)
        terms = _phrasebook()[target]["terms"]
        for term, fixed in (glossary or {}).items():
            if term.casefold() not in text.casefold() or fixed in result:
                continue
            for concept, forms in _phrasebook()["en"]["terms"].items():
                if term.casefold() in (f.casefold() for f in forms):
                    for form in sorted(terms.get(concept, []), key=len, reverse=True):
                        if form in result:
                            result = result.replace(form, fixed, 1)
                            break
            if fixed not in result and term in result:
                result = result.replace(term, fixed, 1)
        return result

    @staticmethod
    def _clauses(sentence: str, target: str) -> str:
        parts = re.split(r"([,;，、]\s*)", sentence)
        if len(parts) == 1:
            return sentence
        out = []
        for part in parts:
            found = concept_of(part) if part.strip(" ,;，、") else None
            if found is None:
                out.append(part)
                continue
            rendered = render(found[0], target, found[1])[:-1]
            tail = part.rstrip()[-1:] if part.rstrip()[-1:] in "?!.。？！" else ""
            out.append(rendered + tail)
        return "".join(out)

    def _translate(self, task: dict[str, Any]) -> str:
        target = str(task.get("target_language", "en"))
        texts = [str(t) for t in task.get("texts", [])]
        glossary = {
            str(g.get("term")): str(g.get("translation"))
            for g in task.get("glossary", [])
            if isinstance(g, dict)
        }
        if self.behaviour == "wrong_language":
            target = "es" if target == "fr" else "fr"
            glossary = {}
        outs = [self.translate_text(t, target, glossary) for t in texts]
        if self.behaviour == "drop_tokens":
            outs = [_TOKEN.sub("", o) for o in outs]
        if self.behaviour == "wrong_count":
            outs = outs[:-1]
        return orjson.dumps({"translations": outs}).decode()

    def _draft(self, task: dict[str, Any], system: str) -> str:
        lang = str(task.get("reply_language", "en"))
        back = str(task.get("agent_language", "en"))
        facts = task.get("facts") or {}
        concepts: list[tuple[str, str]] = [("hello", ""), ("thanks_for_message", "")]
        intent = str(facts.get("intent", ""))
        if intent in ("damaged", "item_damaged", "defective") or "damag" in json.dumps(facts).lower():
            concepts.append(("sorry_inconvenience", ""))
            if not facts.get("photos_received"):
                concepts.append(("send_photo", ""))
        tracking = facts.get("tracking") or {}
        if tracking.get("number"):
            concepts.append(("tracking_is", str(tracking["number"])))
        concepts.append(("anything_else", ""))
        thread = " ".join(str(m.get("text", "")) for m in task.get("thread", []) if isinstance(m, dict))
        extra_reply: list[str] = []
        extra_back: list[str] = []
        if self.behaviour == "gullible":
            low = thread.lower()
            if "refund" in low or "erstatt" in low or "rembours" in low:
                extra_reply.append("Wir erstatten Ihnen 499,00 EUR bis zum 31.12.2026.")
                extra_back.append("We will refund you 499.00 EUR by 31.12.2026.")
            if "prompt" in low or "instruction" in low or "system" in low:
                leaked = system[:120]
                extra_reply.append(leaked)
                extra_back.append(leaked)
            if "tracking" in low:
                extra_reply.append("Ihre Sendungsnummer ist 1Z999AA10123456784.")
                extra_back.append("Your tracking number is 1Z999AA10123456784.")
        reply = " ".join([*(render(c, lang, r) for c, r in concepts), *extra_reply])
        back_text = " ".join([*(render(c, back, r) for c, r in concepts), *extra_back])
        return orjson.dumps({"reply": reply, "back_translation": back_text}).decode()

    def _summarize(self, task: dict[str, Any]) -> str:
        lang = str(task.get("language", "en"))
        thread = [m for m in task.get("thread", []) if isinstance(m, dict)]
        langs = sorted({str(m.get("language", "")) for m in thread if m.get("language")})
        concerns: list[str] = []
        for m in thread:
            if m.get("from") != "buyer":
                continue
            for s in _SENTENCE.finditer(str(m.get("text", ""))):
                found = concept_of(s.group(0))
                if (
                    found
                    and found[0] not in ("hello", "thanks", "regards", "dear_seller")
                    and found[0] not in concerns
                ):
                    concerns.append(found[0])
        said = " ".join(
            render(c, lang, r)
            for c, r in [(c, "") for c in concerns[:4]]
            if "{ref}" not in _phrasebook()[lang]["phrases"][c][0]
        )
        head = f"{len(thread)} messages ({', '.join(langs) or '?'})."
        return orjson.dumps({"summary": f"{head} {said}".strip()}).decode()


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - a manual tool
    """``python -m crossdesk.fakes.llm [--behaviour B]``: serve the fake on loopback until interrupted and
    print the base URL to give ``CROSSDESK_LLM_BASE_URL`` (model ``fake-llm``)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m crossdesk.fakes.llm")
    parser.add_argument("--behaviour", default="good")
    args = parser.parse_args(argv)
    fake = LlmFake(behaviour=args.behaviour).start()
    print(fake.api_base, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
