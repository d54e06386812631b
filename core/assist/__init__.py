"""AI assist: reply drafts grounded in the ticket's facts, checked before the agent sees them, and thread
summaries, through :mod:`crossdesk.llm`. See docs/ai.md."""

from __future__ import annotations

from crossdesk.assist.service import AssistError, AssistService, ReplyDraft, Summary

__all__ = ["AssistError", "AssistService", "ReplyDraft", "Summary"]
