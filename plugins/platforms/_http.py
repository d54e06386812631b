"""What the built-in connectors share: one retrying request helper and the parsing of money, times and
cursors. The contract types (the page, the actions, :class:`~crossdesk.platforms.PlatformError`) are in
the public :mod:`crossdesk.platforms`, which third-party connectors use as well.

Retry rules, the reason this module exists:

- a request that never reached the platform (connect error, connect timeout, 429) is always safe to retry;
- a read (GET, or a GraphQL query) is retried on 5xx, read timeouts, dropped connections and malformed
  bodies too;
- a write that may have reached the platform (read timeout, dropped connection, 5xx, unreadable 2xx) is
  never retried here: it raises :class:`PlatformError` with ``ambiguous=True`` so the outbox can check
  on the platform whether it happened before sending again.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
import orjson

from crossdesk.platforms import PlatformError


@dataclass
class RetryPolicy:
    """How hard one call tries. Shops can tune it in their (non-secret) config; tests make it tiny."""

    attempts: int = 5
    backoff: float = 1.0  # first wait, seconds; doubles each attempt
    max_backoff: float = 60.0
    jitter: float = 0.1  # +/- share of the wait, so many shops do not retry in lockstep
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RetryPolicy:
        return cls(
            attempts=max(1, int(config.get("retry_attempts", 5))),
            backoff=float(config.get("backoff", 1.0)),
            max_backoff=float(config.get("max_backoff", 60.0)),
        )

    def wait(self, attempt: int, floor: float | None = None) -> None:
        delay = min(self.max_backoff, self.backoff * (2**attempt))
        if floor is not None:
            delay = max(delay, min(floor, self.max_backoff))
        if self.jitter:
            delay *= 1 + random.uniform(-self.jitter, self.jitter)
        if delay > 0:
            self.sleep(delay)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (either form the RFC allows), or None."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def platform_time(response: httpx.Response) -> float | None:
    """The platform's own clock when it answered (its HTTP ``Date`` header), or None. Connectors compare it
    with the desk's clock, so matching by time never depends on the two agreeing."""
    value = response.headers.get("date")
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    policy: RetryPolicy,
    write: bool = False,
    what: str = "",
    rate_limit_wait: Callable[[httpx.Response], float | None] = retry_after_seconds,
    check: Callable[[httpx.Response], float | None] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request with the retry rules above; returns the response (any status but 429/5xx).

    ``check(response)`` lets a connector spot a platform's own "slow down" answer that does not use 429
    (Shopify's THROTTLED in a 200): it returns seconds to wait, or None when the response is fine.
    """
    label = what or f"{method} {httpx.URL(url).path}"
    last: PlatformError | None = None
    for attempt in range(policy.attempts):
        try:
            response = client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Nothing reached the platform: safe to try again whatever the method.
            last = PlatformError(f"{label}: cannot connect ({type(exc).__name__})", retryable=True)
            policy.wait(attempt)
            continue
        except httpx.TransportError as exc:  # read timeout, dropped connection: it may have arrived
            last = PlatformError(
                f"{label}: no answer ({type(exc).__name__})", retryable=True, ambiguous=write
            )
            if write:
                raise last from exc
            policy.wait(attempt)
            continue
        if response.status_code == 429:
            wait = rate_limit_wait(response)
            last = PlatformError(f"{label}: rate limited (429)", retryable=True, retry_after=wait, status=429)
            policy.wait(attempt, wait)
            continue
        if response.status_code >= 500:
            last = PlatformError(
                f"{label}: server error {response.status_code}",
                retryable=True,
                ambiguous=write,
                status=response.status_code,
            )
            if write:
                raise last
            policy.wait(attempt)
            continue
        if check is not None:
            wait = check(response)
            if wait is not None:
                last = PlatformError(f"{label}: throttled", retryable=True, retry_after=wait)
                policy.wait(attempt, wait)
                continue
        return response
    assert last is not None
    raise last


def json_body(response: httpx.Response, *, what: str, write: bool = False) -> Any:
    """The response body as JSON. A 2xx whose body does not parse is retryable for a read and ambiguous
    for a write (the platform said yes, but we cannot read what it did)."""
    if not response.content:
        return {}
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise PlatformError(
            f"{what}: malformed response body (HTTP {response.status_code})",
            retryable=True,
            ambiguous=write and response.is_success,
            status=response.status_code,
        ) from None


def fetch_json(
    client: httpx.Client, method: str, url: str, *, policy: RetryPolicy, what: str, **kwargs: Any
) -> tuple[httpx.Response, Any]:
    """A read: request and parse, retrying malformed bodies like any other transient fault."""
    last: PlatformError | None = None
    for attempt in range(policy.attempts):
        response = request(client, method, url, policy=policy, what=what, **kwargs)
        try:
            return response, json_body(response, what=what)
        except PlatformError as exc:
            last = exc
            policy.wait(attempt)
    assert last is not None
    raise last


def decimal_text(value: Any) -> str | None:
    """A money amount as exact decimal text ("12.30"), whatever JSON type the platform used. Floats go
    through ``repr`` so 12.3 stays 12.3, never 12.2999. None when the platform gave none (a missing price
    is not zero). Text that is no number ("Infinity", "12abc") comes back as it is: the sync engine refuses
    that one record, with the reason in the audit trail, and the page goes on."""
    if value is None or value == "":
        return None
    try:
        return str(Decimal(repr(value) if isinstance(value, float) else str(value)))
    except InvalidOperation:
        return str(value)


def per_unit(value: Any, quantity: int) -> str | None:
    """A line's price per unit from its price for ``quantity`` units, to the cent; what is not a finite
    amount comes back as :func:`decimal_text` gives it (the engine refuses the record, not the page)."""
    text = decimal_text(value)
    try:
        amount = Decimal(text) if text is not None else None
    except InvalidOperation:
        return text
    if amount is None or not amount.is_finite() or amount.adjusted() > 15:
        return text
    return str((amount / max(1, quantity)).quantize(Decimal("0.01")))


def iso_to_epoch(value: str | None) -> int | None:
    """``2025-12-01T10:00:00Z`` (or with an offset, or fractional seconds) to epoch seconds."""
    if not value:
        return None
    from datetime import datetime

    text = value.strip().replace("Z", "+00:00")
    return int(datetime.fromisoformat(text).timestamp())


def epoch_to_iso(value: int, *, millis: bool = False) -> str:
    from datetime import UTC, datetime

    dt = datetime.fromtimestamp(int(value), UTC)
    if millis:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def dump_cursor(state: Mapping[str, Any]) -> str:
    return orjson.dumps(dict(state), option=orjson.OPT_SORT_KEYS).decode()


def load_cursor(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        state = orjson.loads(cursor)
    except orjson.JSONDecodeError:
        raise PlatformError(f"stored sync cursor is not valid: {cursor[:40]!r}") from None
    return state if isinstance(state, dict) else {}
