"""Reply templates in the buyer's language, their platform lint, the starter set and the knowledge base.

``desk.templates`` is a :class:`TemplateService`.
"""

from __future__ import annotations

from crossdesk.templates.render import PLACEHOLDERS, Money, fallback_chain
from crossdesk.templates.service import Rendered, TemplateError, TemplateLint, TemplateService

__all__ = [
    "PLACEHOLDERS",
    "Money",
    "Rendered",
    "TemplateError",
    "TemplateLint",
    "TemplateService",
    "fallback_chain",
]
