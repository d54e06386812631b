"""Errors a translator raises, and what the translation service does with each (**public**, translator
SDK: plugins raise them).

The service reads the class, not the message: a provider that is rate limited or unavailable is skipped
for this batch (the next provider takes over; what nobody could translate is queued and retried later);
a provider over its quota is stopped until the quota resets and the service says so; an auth failure
stops it until its key is fixed.
"""

from __future__ import annotations


class TranslationError(Exception):
    """Base class. ``provider`` names the translator that failed (empty when none was involved)."""

    def __init__(self, message: str, *, provider: str = "") -> None:
        super().__init__(message)
        self.provider = provider


class NotConfigured(TranslationError):
    """The provider has no key or URL; it is skipped without a request."""


class ProviderUnavailable(TranslationError):
    """Down, timing out, 5xx, or a body that is not what the API documents. Worth retrying later."""


class RateLimited(ProviderUnavailable):
    """Too many requests (HTTP 429) even after backing off. ``retry_after`` in seconds when known."""

    def __init__(self, message: str, *, provider: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, provider=provider)
        self.retry_after = retry_after


class QuotaExceeded(TranslationError):
    """The account's character quota is used up (DeepL 456, Google dailyLimitExceeded). The service stops
    using the provider until ``retry_after`` seconds have passed (default: one hour)."""

    def __init__(self, message: str, *, provider: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, provider=provider)
        self.retry_after = retry_after


class AuthFailed(TranslationError):
    """The key was refused (wrong key, or a Free key on the Pro host). Stops the provider for the run."""


class BadRequest(TranslationError):
    """The provider rejected this request (unsupported language pair, text too long). Another provider
    may still take it."""


class UnsupportedLanguage(BadRequest):
    """The provider does not translate this language pair."""


class Rejected:
    """What a translator returns *in place of* one text's translation when that translation failed one of
    its own checks (wrong language, a protected token lost, a glossary term missing, an answer that was
    not the texts asked for). The service sends that text on to the next provider on the route and tells
    the caller ``reason``; the other texts of the batch are used."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Rejected({self.reason!r})"
