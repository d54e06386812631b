"""The demo desk's AI assist settings: the shops' reply tone and a daily budget for the language model, so
``crossdesk draft TICKET`` and Ctrl+G in the TUI show grounded drafts as soon as a model is configured
(``CROSSDESK_LLM_BASE_URL``; docs/ai.md). Without one, the desk says so where a draft is asked for."""

from __future__ import annotations

from crossdesk.api import Desk
from crossdesk.models import Actor

TONE = {"*": {"formality": "polite", "sign_off": "Your Acme support team", "max_sentences": 6}}
BUDGET = {"daily_usd": 2.0, "daily_tokens": 500_000}


def configure_ai(desk: Desk, actor: Actor) -> None:
    desk.set_setting(actor, "assist_tone", TONE)
    desk.llm.set_budget(actor, **BUDGET)
