"""One HTTP call to a translation API, with the retry policy every built-in translator shares.

**Public** (translator SDK): :func:`send`, :func:`json_body` and :class:`RetryPolicy`.

Retries (with exponential backoff, honouring ``Retry-After``) cover what a later attempt can fix: 429,
5xx, timeouts and dropped connections. Whatever is left is mapped to the errors of
:mod:`crossdesk.translation.errors` by the caller, which knows its API's error bodies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from crossdesk.translation.errors import ProviderUnavailable, RateLimited

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 529})


@dataclass
class RetryPolicy:
    """How hard to try one request. ``attempts`` counts the first try."""

    attempts: int = 4
    backoff: float = 0.5  # seconds before the 2nd attempt; doubles each time
    max_wait: float = 30.0  # never sleep longer than this for one retry, whatever Retry-After says
    sleep: Callable[[float], None] = time.sleep


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (only the delta-seconds form; HTTP dates are rare on these APIs)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    provider: str,
    policy: RetryPolicy | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request, retrying 429/5xx/timeouts per ``policy``; return the last non-retryable response.

    Raises :class:`RateLimited` when 429 persists and :class:`ProviderUnavailable` when the server stays
    down (5xx, connection refused, timeouts). The URL is never put in an error message: some APIs carry
    the key in the query string.
    """
    policy = policy or RetryPolicy()
    last_status = 0
    last_retry_after: float | None = None
    last_transport = ""
    for attempt in range(policy.attempts):
        if attempt:
            wait = policy.backoff * (2 ** (attempt - 1))
            if last_retry_after is not None:
                wait = max(wait, last_retry_after)
            policy.sleep(min(wait, policy.max_wait))
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            last_status, last_retry_after = -1, None
            continue
        except httpx.TransportError as exc:
            last_status, last_retry_after = -2, None
            last_transport = type(exc).__name__
            continue
        if response.status_code not in RETRY_STATUSES:
            return response
        last_status = response.status_code
        last_retry_after = retry_after_seconds(response)
    if last_status in (429, 529):
        raise RateLimited(
            f"{provider}: rate limited (HTTP {last_status}) after {policy.attempts} attempts",
            provider=provider,
            retry_after=last_retry_after,
        )
    if last_status == -1:
        reason = "timed out"
    elif last_status == -2:
        reason = f"unreachable ({last_transport})"
    else:
        reason = f"HTTP {last_status}"
    raise ProviderUnavailable(f"{provider}: {reason} after {policy.attempts} attempts", provider=provider)


def json_body(response: httpx.Response, provider: str) -> Any:
    """The response body as JSON, or :class:`ProviderUnavailable` when it is not JSON (a proxy's HTML
    error page, a truncated body)."""
    try:
        return response.json()
    except ValueError:
        raise ProviderUnavailable(
            f"{provider}: HTTP {response.status_code} with a body that is not JSON", provider=provider
        ) from None
