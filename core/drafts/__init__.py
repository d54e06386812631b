"""Drafts: an agent's unsent replies, kept in the desk so they survive quitting and a restart."""

from __future__ import annotations

from crossdesk.drafts.service import DraftService

__all__ = ["DraftService"]
