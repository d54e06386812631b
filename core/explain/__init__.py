"""The queue score explained: a ticket's priority as its parts, with the facts behind each (docs/explain.md)."""

from __future__ import annotations

from crossdesk.explain.service import ExplainService, Explanation, Part

__all__ = ["ExplainService", "Explanation", "Part"]
