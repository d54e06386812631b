"""Translation: providers behind one service, with routing, fallbacks, a cache, glossaries and previews.

Public for plugins and scripts: :class:`TranslationService` (``desk.translation``), the errors of
:mod:`crossdesk.translation.errors`, :class:`~crossdesk.translation.base.HttpTranslator`,
:class:`~crossdesk.translation.glossary.Span` and :func:`~crossdesk.translation.config.reveal`.
See docs/translation.md.
"""

from __future__ import annotations

from crossdesk.translation.config import Secret, TranslationConfig, load_config
from crossdesk.translation.errors import (
    AuthFailed,
    BadRequest,
    NotConfigured,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    TranslationError,
    UnsupportedLanguage,
)
from crossdesk.translation.glossary import Glossary, GlossaryTerm, Span
from crossdesk.translation.results import (
    IncomingReport,
    ProviderStatus,
    ReplyCheck,
    ReplyPreview,
    RunStats,
    Translation,
    UnconfirmedReply,
)
from crossdesk.translation.service import TranslationService

__all__ = [
    "AuthFailed",
    "BadRequest",
    "Glossary",
    "GlossaryTerm",
    "IncomingReport",
    "NotConfigured",
    "ProviderStatus",
    "ProviderUnavailable",
    "QuotaExceeded",
    "RateLimited",
    "ReplyCheck",
    "ReplyPreview",
    "RunStats",
    "Secret",
    "Span",
    "Translation",
    "TranslationConfig",
    "TranslationError",
    "TranslationService",
    "UnconfirmedReply",
    "UnsupportedLanguage",
    "load_config",
]
