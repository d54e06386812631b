"""``desk.assist``: reply drafts and thread summaries from a language model, grounded in the ticket.

A draft is text for the agent: it is returned, never stored as a message, never sent, and nothing a model
answers can call a service (the model's answer is parsed as two strings and nothing else). The agent edits
it and sends it through the checked send of the translation service, where the draft's flags must be
confirmed like any other problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from crossdesk.assist import guard, prompts
from crossdesk.assist.facts import gather
from crossdesk.errors import DeskError
from crossdesk.llm import LlmError, LlmService
from crossdesk.models import Actor
from crossdesk.orders import OrderService, Rates
from crossdesk.store import Store
from crossdesk.templates import TemplateService
from crossdesk.tickets import TicketService
from crossdesk.translation import TranslationService


class AssistError(DeskError):
    """The model could not be used or answered something unusable; the message says which and what to do."""


@dataclass
class ReplyDraft:
    ticket_id: int
    text: str  # in ``language``: what would go to the buyer after the agent's review
    language: str
    back_translation: str  # in ``agent_language``, for the agent to read
    agent_language: str
    flags: list[str] = field(default_factory=list)  # claims not in the facts, leaks removed, wrong language
    facts: dict[str, Any] = field(default_factory=dict)
    model: str = ""
    tokens: int = 0
    seconds: float = 0.0


@dataclass
class Summary:
    ticket_id: int
    text: str
    language: str
    messages: int
    languages: list[str]
    model: str = ""
    tokens: int = 0
    seconds: float = 0.0
    note: str = ""


def _json_answer(text: str, keys: tuple[str, ...]) -> dict[str, str]:
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise AssistError(
            "the model did not answer with the JSON asked for; try again or another model"
        ) from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data[k].strip() for k in keys):
        raise AssistError(f"the model's answer lacks {' and '.join(keys)}; try again or another model")
    return {k: data[k] for k in keys}


class AssistService:
    """Built once per desk (``desk.assist``)."""

    def __init__(
        self,
        store: Store,
        tickets: TicketService,
        orders: OrderService,
        templates: TemplateService,
        rates: Rates,
        translation: TranslationService,
        llm: LlmService,
    ) -> None:
        self.store = store
        self.tickets = tickets
        self.orders = orders
        self.templates = templates
        self.rates = rates
        self.translation = translation
        self.llm = llm
        self._summaries: dict[tuple[int, int, str], Summary] = {}

    def _chat(self, messages: list[dict[str, str]], purpose: str, ticket_id: int) -> Any:
        try:
            return self.llm.client().chat(messages, purpose=purpose, json_mode=True, ticket_id=ticket_id)
        except LlmError as exc:
            raise AssistError(str(exc)) from None

    def facts(self, actor: Actor, ticket_id: int) -> tuple[dict[str, Any], list[dict[str, str]]]:
        """What a draft for this ticket may rest on, and the thread (see :mod:`crossdesk.assist.facts`)."""
        self.store.require(actor, "view")
        return gather(self.store, self.tickets, self.orders, self.templates, self.rates, actor, ticket_id)

    def draft(self, actor: Actor, ticket_id: int) -> ReplyDraft:
        """A reply in the buyer's language with its back-translation, flagged where it states what the
        facts do not hold. Nothing is sent; the draft is audited (flags and tokens, not its text)."""
        self.store.require(actor, "reply")
        facts, thread = self.facts(actor, ticket_id)
        agent_language = self.translation.agent_language(actor)
        language = self.translation.buyer_language(ticket_id) or agent_language
        messages = prompts.draft_messages(facts, thread, language, agent_language)
        result = self._chat(messages, "draft", ticket_id)
        answer = _json_answer(result.text, ("reply", "back_translation"))
        reply, leak_a = guard.strip_leaks(answer["reply"], prompts.DRAFT_SYSTEM)
        back, leak_b = guard.strip_leaks(answer["back_translation"], prompts.DRAFT_SYSTEM)
        flags = guard.check(reply, facts) + guard.check(back, facts)
        if leak_a or leak_b:
            flags.append("text copied from the model's instructions was removed")
        detected, _ = self.translation.detect(reply)
        if detected not in ("und", language):
            flags.append(f"the draft is in {detected}, not the buyer's {language}")
        flags = list(dict.fromkeys(flags))
        draft = ReplyDraft(
            ticket_id, reply, language, back, agent_language, flags, facts,
            result.model, result.tokens, result.seconds,
        )  # fmt: skip
        with self.store.tx():
            self.store.audit(
                actor, "assist.draft", "ticket", ticket_id, None,
                {"language": language, "flags": flags, "tokens": result.tokens, "model": result.model},
            )  # fmt: skip
        return draft

    def recheck(self, draft: ReplyDraft, body: str) -> list[str]:
        """The draft's flags that still hold for ``body`` (the agent's edit of it), to confirm before sending."""
        return [f"AI draft: {flag}" for flag in guard.check(body, draft.facts)]

    def summarize(self, actor: Actor, ticket_id: int, *, language: str | None = None) -> Summary:
        """A short summary of the thread in the agent's language (or ``language``); asked again only when
        the thread has grown."""
        self.store.require(actor, "view")
        _facts, thread = self.facts(actor, ticket_id)
        language = (language or self.translation.agent_language(actor)).lower()
        last = self.store.db.execute(
            "SELECT max(id) FROM messages WHERE ticket_id = ?", [ticket_id]
        ).fetchone()[0]
        key = (ticket_id, int(last or 0), language)
        if key in self._summaries:
            return self._summaries[key]
        result = self._chat(prompts.summary_messages(thread, language), "summary", ticket_id)
        text, _ = guard.strip_leaks(
            _json_answer(result.text, ("summary",))["summary"], prompts.SUMMARY_SYSTEM
        )
        detected, _ = self.translation.detect(text)
        note = (
            f"the summary came back in {detected}, not {language}"
            if detected not in ("und", language)
            else ""
        )
        langs = sorted({m["language"] for m in thread if m["language"]})
        summary = Summary(
            ticket_id, text, language, len(thread), langs, result.model, result.tokens, result.seconds, note
        )
        self._summaries[key] = summary
        return summary
