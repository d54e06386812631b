"""Errors of the LLM client (**public**: the ``llm`` translator and the drafts map them to their own).

Each says what a caller should do, never what the model was asked or answered: an error message may end
up in a log or on the agent's screen, and neither may carry a buyer's text.
"""

from __future__ import annotations


class LlmError(Exception):
    """Base class."""


class LlmNotConfigured(LlmError):
    """No base URL or model: nothing is sent."""


class LlmUnavailable(LlmError):
    """Down, timing out, 5xx after the retries: try again later."""


class LlmRateLimited(LlmUnavailable):
    """HTTP 429 even after backing off. ``retry_after`` in seconds when the server said."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LlmMalformed(LlmUnavailable):
    """The server answered something that is not the chat completions shape (truncated JSON, HTML)."""


class LlmAuthFailed(LlmError):
    """401/403: the key is wrong or missing."""


class LlmBadRequest(LlmError):
    """400/404/413/422: the model name, the request size or a parameter was refused."""


class BudgetExceeded(LlmError):
    """The desk's daily budget would be exceeded by this call: it was not made."""
