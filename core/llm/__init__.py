"""Language models through the OpenAI-compatible chat completions API: one client (hosted or local
server), the settings it reads, and the ledger of tokens and cost per call with the daily budget.

Public: :class:`LlmClient`, :class:`LlmSettings`, :func:`load_settings`, :class:`LlmService`
(``desk.llm``) and the errors of :mod:`crossdesk.llm.errors`. See docs/ai.md.
"""

from __future__ import annotations

from crossdesk.llm.client import ChatResult, LlmClient, estimate_tokens
from crossdesk.llm.config import LlmSettings, load_settings
from crossdesk.llm.errors import (
    BudgetExceeded,
    LlmAuthFailed,
    LlmBadRequest,
    LlmError,
    LlmMalformed,
    LlmNotConfigured,
    LlmRateLimited,
    LlmUnavailable,
)
from crossdesk.llm.ledger import DayUsage, LlmLedger
from crossdesk.llm.service import LlmService

__all__ = [
    "BudgetExceeded",
    "ChatResult",
    "DayUsage",
    "LlmAuthFailed",
    "LlmBadRequest",
    "LlmClient",
    "LlmError",
    "LlmLedger",
    "LlmMalformed",
    "LlmNotConfigured",
    "LlmRateLimited",
    "LlmService",
    "LlmSettings",
    "LlmUnavailable",
    "estimate_tokens",
    "load_settings",
]
