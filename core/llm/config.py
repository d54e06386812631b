"""Where the LLM client finds its server, model and key.

First match wins per setting:

1. the environment: ``CROSSDESK_LLM_BASE_URL``, ``CROSSDESK_LLM_MODEL``, ``CROSSDESK_LLM_API_KEY``
   (and ``CROSSDESK_LLM_TIMEOUT``, ``CROSSDESK_LLM_PRICE_IN``, ``CROSSDESK_LLM_PRICE_OUT``);
2. the credentials file (``CROSSDESK_CREDENTIALS``, else ``credentials.toml`` in the user config
   directory), table ``[llm]``: ``api_key`` (the key belongs there, not in the config file);
3. the ``[llm]`` table of the config file (``CROSSDESK_CONFIG``, else ``config.toml``): ``base_url``,
   ``model``, ``timeout``, ``retries``, ``backoff``, ``price_in``/``price_out`` (USD per million tokens),
   ``max_tokens``, ``stream``.

A local server (Ollama, llama.cpp's server, vLLM) needs no key: without one no ``Authorization`` header
is sent. The key is kept out of ``repr`` so it cannot reach a log line or an error by accident.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

ENV = {
    "base_url": "CROSSDESK_LLM_BASE_URL",
    "model": "CROSSDESK_LLM_MODEL",
    "api_key": "CROSSDESK_LLM_API_KEY",
    "timeout": "CROSSDESK_LLM_TIMEOUT",
    "price_in": "CROSSDESK_LLM_PRICE_IN",
    "price_out": "CROSSDESK_LLM_PRICE_OUT",
}
_FLOATS = ("timeout", "backoff", "price_in", "price_out")
_INTS = ("retries", "max_tokens")


@dataclass(frozen=True)
class LlmSettings:
    """One OpenAI-compatible server. Prices are USD per million tokens (0 for a local server)."""

    base_url: str = ""
    model: str = ""
    api_key: str = field(default="", repr=False)
    timeout: float = 60.0
    retries: int = 4  # attempts, counting the first
    backoff: float = 0.5  # seconds before the second attempt; doubles
    max_wait: float = 30.0  # never sleep longer than this for one retry, whatever Retry-After says
    price_in: float = 0.0
    price_out: float = 0.0
    max_tokens: int = 1024
    stream: bool = True

    def missing(self) -> str:
        """What is still needed ("" when ready)."""
        if not self.base_url:
            return "no base URL (set CROSSDESK_LLM_BASE_URL, e.g. a local server's http://127.0.0.1:8080/v1)"
        if not self.model:
            return "no model (set CROSSDESK_LLM_MODEL)"
        return ""

    @property
    def endpoint(self) -> str:
        base = self.base_url.rstrip("/")
        return base + "/chat/completions"

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.price_in + completion_tokens * self.price_out) / 1_000_000

    def with_(self, **changes: Any) -> LlmSettings:
        return replace(self, **changes)


def _read_toml(path: Path, table: str) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read {path.name}: {exc}") from None
    section = data.get(table) or {}
    if not isinstance(section, Mapping):
        raise ValueError(f"{path.name}: [{table}] must be a table")
    return dict(section)


def _user_file(env: Mapping[str, str], var: str, name: str) -> Path:
    if env.get(var):
        return Path(env[var])
    return Path(platformdirs.user_config_dir("crossdesk", appauthor=False)) / name


def coerce(values: Mapping[str, Any]) -> dict[str, Any]:
    """Settings given as text (environment, TOML, a translator's table) as the types :class:`LlmSettings`
    holds; a wrong value raises ``ValueError`` naming the setting."""
    out: dict[str, Any] = {}
    known = set(LlmSettings.__dataclass_fields__)
    for key, value in values.items():
        if key not in known or value is None or value == "":
            continue
        if hasattr(value, "reveal"):  # a translation Secret
            value = value.reveal()
        try:
            if key in _FLOATS:
                value = float(value)
                if value < 0:
                    raise ValueError
            elif key in _INTS:
                value = int(value)
                if value < 1:
                    raise ValueError
            elif key == "stream":
                value = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            else:
                value = str(value).strip()
        except (TypeError, ValueError):
            raise ValueError(
                f"llm.{key}: {'a positive number' if key not in ('stream',) else 'true/false'} expected"
            ) from None
        out[key] = value
    return out


def load_settings(
    env: Mapping[str, str] | None = None, *, data: Mapping[str, Any] | None = None
) -> LlmSettings:
    """The settings from the environment, the credentials file and the config file (see the module)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    if data is not None:
        values.update(data)
    else:
        values.update(_read_toml(_user_file(env, "CROSSDESK_CONFIG", "config.toml"), "llm"))
        values.pop("api_key", None)  # a key in the config file is ignored: it belongs in credentials
        creds = _read_toml(_user_file(env, "CROSSDESK_CREDENTIALS", "credentials.toml"), "llm")
        if creds.get("api_key"):
            values["api_key"] = creds["api_key"]
    for key, var in ENV.items():
        if env.get(var):
            values[key] = env[var]
    return LlmSettings(**coerce(values))
