"""What the built-in carrier clients share: settings, the httpx client, times and error mapping."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from crossdesk.carriers import CarrierError, NotConfigured

TIMEOUT = httpx.Timeout(20.0, connect=5.0)


def setting(settings: Mapping[str, str], key: str, env: str, default: str = "") -> str:
    """A setting from ``settings``, else the environment variable ``env``, else ``default``."""
    return str(settings.get(key) or os.environ.get(env) or default)


def client(
    base_url: str, headers: Mapping[str, str], transport: httpx.BaseTransport | None = None, auth: Any = None
) -> httpx.Client:
    return httpx.Client(
        base_url=base_url, headers=dict(headers), timeout=TIMEOUT, transport=transport, auth=auth
    )


def require(value: str, name: str, env: str) -> str:
    if not value:
        raise NotConfigured(f"{name}: no key (set {env})")
    return value


def body_json(resp: httpx.Response, name: str) -> Any:
    try:
        return orjson.loads(resp.content)
    except orjson.JSONDecodeError as exc:
        raise CarrierError(f"{name}: unreadable answer (HTTP {resp.status_code})") from exc


def send(http: httpx.Client, method: str, path: str, name: str, **kw: Any) -> httpx.Response:
    """One request; a transport failure becomes a retryable :class:`CarrierError`."""
    try:
        return http.request(method, path, **kw)
    except httpx.HTTPError as exc:
        err = CarrierError(f"{name}: {type(exc).__name__}: {exc}")
        err.retryable = True
        raise err from exc


def epoch(text: str | None) -> int | None:
    """ISO 8601 (with or without zone, or a bare date) -> UTC epoch seconds; None for empty or bad."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())
