"""A client of the OpenAI-compatible chat completions API (``POST {base_url}/chat/completions``) over
one pooled :class:`httpx.Client`.

- streaming: ``"stream": true`` answers server-sent events, one ``data: {json}`` line per chunk and
  ``data: [DONE]`` at the end; usage comes in the last chunk when the server honours
  ``stream_options.include_usage`` (OpenAI, vLLM, llama.cpp, Ollama do), else it is estimated;
- retries: 429 (honouring ``Retry-After``), 5xx, timeouts and dropped connections, with exponential
  backoff; what remains raises one of :mod:`crossdesk.llm.errors`;
- accounting: a ``ledger`` (see :class:`crossdesk.llm.ledger.LlmLedger`) is asked before the call whether
  the day's budget allows it, and told after it the tokens, cost and time (never the text). Log lines say
  the purpose, model, tokens and status, nothing the model was asked or answered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import orjson

from crossdesk import __version__
from crossdesk.llm.config import LlmSettings
from crossdesk.llm.errors import (
    LlmAuthFailed,
    LlmBadRequest,
    LlmError,
    LlmMalformed,
    LlmNotConfigured,
    LlmRateLimited,
    LlmUnavailable,
)

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 529})


def estimate_tokens(text: str) -> int:
    """A rough token count (4 characters a token; 1 a token for CJK), for the budget check and for
    servers that report no usage."""
    wide = sum(1 for ch in text if ord(ch) > 0x2E80)
    return max(1, wide + (len(text) - wide) // 4)


@dataclass
class ChatResult:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    cost_usd: float
    streamed: bool = False
    usage_estimated: bool = False
    finish_reason: str = ""

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Ledger(Protocol):
    def check(self, purpose: str, estimated_tokens: int, estimated_cost: float) -> None: ...

    def record(
        self, purpose: str, result: ChatResult | None, *, status: str, ticket_id: int | None
    ) -> None: ...


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


class LlmClient:
    """One OpenAI-compatible server. Thread-safe enough for one TUI worker at a time."""

    def __init__(
        self,
        settings: LlmSettings,
        *,
        ledger: Ledger | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.sleep = sleep
        self._client: httpx.Client | None = None

    def __repr__(self) -> str:  # never the key
        return f"<LlmClient {self.settings.model or '?'}>"

    @property
    def http(self) -> httpx.Client:
        if self._client is None:
            headers = {"User-Agent": f"crossdesk/{__version__}", "Content-Type": "application/json"}
            if self.settings.api_key:
                headers["Authorization"] = f"Bearer {self.settings.api_key}"
            self._client = httpx.Client(
                timeout=self.settings.timeout, headers=headers, follow_redirects=False
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # ---- one call ------------------------------------------------------------------------------------

    def chat(
        self,
        messages: Sequence[dict[str, str]],
        *,
        purpose: str,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        json_mode: bool = False,
        stream: bool | None = None,
        on_delta: Callable[[str], None] | None = None,
        ticket_id: int | None = None,
    ) -> ChatResult:
        """Send ``messages`` (``{"role", "content"}`` dicts); return the answer's text and its usage.

        ``purpose`` (``translate``, ``draft``, ``summary``) is what the ledger records. ``on_delta`` is
        called with each streamed piece of text as it arrives.
        """
        missing = self.settings.missing()
        if missing:
            raise LlmNotConfigured(f"llm: {missing}")
        max_tokens = max_tokens or self.settings.max_tokens
        stream = self.settings.stream if stream is None else stream
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": list(messages),
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        prompt_estimate = sum(estimate_tokens(m.get("content", "")) for m in messages)
        if self.ledger is not None:
            self.ledger.check(
                purpose, prompt_estimate + max_tokens, self.settings.cost(prompt_estimate, max_tokens)
            )
        started = time.perf_counter()
        try:
            result = self._send(orjson.dumps(body), stream, on_delta)
        except LlmError as exc:
            if self.ledger is not None:
                self.ledger.record(purpose, None, status=type(exc).__name__, ticket_id=ticket_id)
            log.info("llm %s failed: %s", purpose, type(exc).__name__)
            raise
        result.seconds = time.perf_counter() - started
        if not result.prompt_tokens:
            result.prompt_tokens, result.usage_estimated = prompt_estimate, True
        if not result.completion_tokens and result.text:
            result.completion_tokens, result.usage_estimated = estimate_tokens(result.text), True
        result.cost_usd = self.settings.cost(result.prompt_tokens, result.completion_tokens)
        if self.ledger is not None:
            self.ledger.record(purpose, result, status="ok", ticket_id=ticket_id)
        log.info(
            "llm %s: model %s, %d+%d tokens, %.2fs",
            purpose,
            result.model,
            result.prompt_tokens,
            result.completion_tokens,
            result.seconds,
        )
        return result

    def _send(self, payload: bytes, stream: bool, on_delta: Callable[[str], None] | None) -> ChatResult:
        s = self.settings
        last: tuple[int, float | None, str] = (0, None, "")
        for attempt in range(max(1, s.retries)):
            if attempt:
                wait = s.backoff * (2 ** (attempt - 1))
                if last[1] is not None:
                    wait = max(wait, last[1])
                self.sleep(min(wait, s.max_wait))
            try:
                with self.http.stream("POST", s.endpoint, content=payload) as response:
                    if response.status_code in RETRY_STATUSES:
                        response.read()
                        last = (response.status_code, _retry_after(response), "")
                        continue
                    if response.status_code >= 400:
                        response.read()
                        self._refuse(response)
                    if stream and response.headers.get("content-type", "").startswith("text/event-stream"):
                        return self._read_stream(response.iter_lines(), on_delta)
                    response.read()
                    return self._read_json(response.content)
            except httpx.TimeoutException:
                last = (-1, None, "timed out")
            except httpx.TransportError as exc:
                last = (-2, None, f"unreachable ({type(exc).__name__})")
        status, retry_after, why = last
        if status in (429, 529):
            raise LlmRateLimited(
                f"llm: rate limited (HTTP {status}) after {s.retries} attempts", retry_after=retry_after
            )
        raise LlmUnavailable(f"llm: {why or f'HTTP {status}'} after {s.retries} attempts")

    @staticmethod
    def _refuse(response: httpx.Response) -> None:
        detail = ""
        try:
            err = response.json().get("error")
            if isinstance(err, dict):
                detail = str(err.get("code") or err.get("type") or "")[:60]
        except (ValueError, AttributeError):
            pass
        what = f"HTTP {response.status_code}" + (f" ({detail})" if detail else "")
        if response.status_code in (401, 403):
            raise LlmAuthFailed(f"llm: key refused: {what}")
        raise LlmBadRequest(f"llm: request refused: {what}")

    @staticmethod
    def _read_json(content: bytes) -> ChatResult:
        try:
            data = orjson.loads(content)
            choice = data["choices"][0]
            text = choice["message"]["content"]
            if not isinstance(text, str):
                raise TypeError
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
            raise LlmMalformed("llm: the answer is not a chat completion") from None
        usage = data.get("usage") or {}
        return ChatResult(
            text=text,
            model=str(data.get("model", "")),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            seconds=0.0,
            cost_usd=0.0,
            finish_reason=str(choice.get("finish_reason") or ""),
        )

    @staticmethod
    def _read_stream(lines: Iterator[str], on_delta: Callable[[str], None] | None) -> ChatResult:
        pieces: list[str] = []
        model = finish = ""
        usage: dict[str, Any] = {}
        done = False
        for line in lines:
            if not line.startswith("data:"):
                continue  # comments (": keep-alive"), event names, blank separators
            data = line[5:].strip()
            if data == "[DONE]":
                done = True
                break
            try:
                chunk = orjson.loads(data)
            except orjson.JSONDecodeError:
                raise LlmMalformed("llm: a streamed chunk is not JSON") from None
            if not isinstance(chunk, dict):
                raise LlmMalformed("llm: a streamed chunk is not an object")
            if chunk.get("error"):
                raise LlmUnavailable("llm: the server reported an error mid-stream")
            model = str(chunk.get("model") or model)
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or []:
                delta = (choice.get("delta") or {}).get("content")
                if delta:
                    pieces.append(delta)
                    if on_delta is not None:
                        on_delta(delta)
                finish = str(choice.get("finish_reason") or finish)
        if not done:
            raise LlmMalformed("llm: the stream ended before [DONE]")
        return ChatResult(
            text="".join(pieces),
            model=model,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            seconds=0.0,
            cost_usd=0.0,
            streamed=True,
            finish_reason=finish,
        )
