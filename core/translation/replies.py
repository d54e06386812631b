"""Replies in the buyer's language: the agent's text or a template translated for the agent to check, and
sending only what the agent approved (``TranslationService.preview_reply``, ``send_reply`` ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from crossdesk.models import Actor
from crossdesk.translation.results import UNTRANSLATED, ReplyCheck, ReplyPreview, UnconfirmedReply
from crossdesk.translation.tokens import strip_tokens

MIN_LETTERS = 12  # shorter replies ("OK", "Danke!") are not judged by language

if TYPE_CHECKING:
    from crossdesk.store import Store
    from crossdesk.tickets import TicketService
    from crossdesk.translation.config import TranslationConfig


class RepliesMixin:
    """The replies half of :class:`~crossdesk.translation.TranslationService`."""

    store: Store
    tickets: TicketService
    config: TranslationConfig

    def draft_language(self, text: str, fallback: str) -> str:
        """The language the agent wrote ``text`` in, detected (the profile is only the fallback for texts
        too short to tell)."""
        plain = UNTRANSLATED.sub(" ", strip_tokens(text))
        if sum(ch.isalpha() for ch in plain) < MIN_LETTERS:
            return fallback
        lang, _ = self.detect(plain)
        return fallback if lang == "und" else lang

    def check_reply(self, actor: Actor, ticket_id: int, body: str) -> ReplyCheck:
        """Whether ``body`` can go to the buyer as it is: no untranslated ``⟦ ⟧`` parts, and in the buyer's
        language (detected, not assumed). Nothing is sent."""
        self.store.require(actor, "reply")
        buyer = self.buyer_language(ticket_id)
        plain = UNTRANSLATED.sub(" ", strip_tokens(body))
        lang = "und"
        if sum(ch.isalpha() for ch in plain) >= MIN_LETTERS:
            lang, _ = self.detect(plain)
        problems = []
        missed = UNTRANSLATED.findall(body)
        if missed:
            shown = "; ".join(f"⟦{m.strip()}⟧" for m in missed[:3]) + (" ..." if len(missed) > 3 else "")
            problems.append(f"{len(missed)} part(s) were not translated and go out as written: {shown}")
        elif "⟦" in body or "⟧" in body:
            problems.append("it holds ⟦ ⟧ marks")
        if buyer and lang not in ("und", buyer):
            problems.append(f"it is written in {lang}, but the buyer writes {buyer}")
        return ReplyCheck(body, buyer, lang, problems)

    def send_checked(
        self,
        actor: Actor,
        ticket_id: int,
        body: str,
        *,
        confirmed: str | None = None,
        translation: str = "",
        extra_problems: list[str] | tuple[str, ...] = (),
        **reply_kw: Any,
    ) -> int:
        """Send ``body`` if :meth:`check_reply` finds nothing, or if ``confirmed`` is exactly ``body`` (the
        agent was shown this text and the problems, and confirmed). Otherwise :class:`UnconfirmedReply`,
        carrying the check to show. A confirmed send is audited with the problems the agent accepted."""
        check = self.check_reply(actor, ticket_id, body)
        check.problems.extend(extra_problems)  # e.g. an AI draft's claims the ticket's facts do not hold
        ok = confirmed is not None and confirmed == body
        if check.problems and not ok:
            raise UnconfirmedReply(check)
        language = check.language if check.language != "und" else (check.buyer_language or "")
        with self.store.tx():
            mid = self.tickets.reply(
                actor, ticket_id, body, language=language, translation=translation,
                confirmed=body if ok else None, **reply_kw,
            )  # fmt: skip
            if check.problems:
                self.store.audit(
                    actor, "reply.confirmed", "message", mid, None,
                    {"ticket_id": ticket_id, "problems": check.problems},
                )  # fmt: skip
        return mid

    def agent_language(self, actor: Actor | None) -> str:
        """The acting agent's first language, else the configured agent language."""
        if actor is not None and actor.agent_id is not None:
            row = self.store.db.execute(
                "SELECT languages FROM agents WHERE id = ?", [actor.agent_id]
            ).fetchone()
            if row:
                langs = orjson.loads(row[0] or "[]")
                if langs:
                    return str(langs[0]).split("-")[0].lower()
        return self.config.agent_language

    def buyer_language(self, ticket_id: int) -> str:
        """The language to answer a ticket in: the ticket's, else the customer's, else the latest buyer
        message's (detected if need be); "" when there is no way to tell."""
        row = self.store.db.execute(
            "SELECT t.language, c.language FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id "
            "WHERE t.id = ?",
            [ticket_id],
        ).fetchone()
        if row is None:
            raise ValueError(f"no ticket {ticket_id}")
        for lang in row:
            if lang:
                return str(lang).split("-")[0].lower()
        msg = self.store.db.execute(
            "SELECT language, body FROM messages WHERE ticket_id = ? AND direction = 'in' ORDER BY created_at DESC, id DESC LIMIT 1",
            [ticket_id],
        ).fetchone()
        if msg is None:
            return ""
        if msg[0]:
            return str(msg[0])
        lang, _ = self.detect(msg[1])
        return "" if lang == "und" else lang

    def _shop_of(self, ticket_id: int) -> int:
        row = self.store.db.execute("SELECT shop_id FROM tickets WHERE id = ?", [ticket_id]).fetchone()
        if row is None:
            raise ValueError(f"no ticket {ticket_id}")
        return int(row[0])

    def preview_reply(
        self,
        actor: Actor,
        ticket_id: int,
        text: str,
        *,
        source: str | None = None,
        target: str | None = None,
        provider: str | None = None,
    ) -> ReplyPreview:
        """The agent's reply as the buyer would get it: translated from the agent's language into the
        buyer's, for the agent to check and edit before sending. Nothing is sent or stored."""
        self.store.require(actor, "reply")
        if not text.strip():
            raise ValueError("the reply is empty")
        shop_id = self._shop_of(ticket_id)
        target = (target or self.buyer_language(ticket_id) or self.agent_language(actor)).lower()
        source = (source or self.draft_language(text, self.agent_language(actor))).lower()
        if source == target:
            return ReplyPreview(text, text, source, target)
        t = self.translate([text], target, source=source, provider=provider, shop_id=shop_id)[0]
        return ReplyPreview(
            original=text,
            text=t.text,
            source=source,
            target=target,
            provider=t.provider,
            machine_translated=t.ok,
            coverage=t.coverage,
            untranslated=t.untranslated,
            error=t.error,
        )

    def preview_template(
        self, actor: Actor, ticket_id: int, template: int | str, *, provider: str | None = None
    ) -> ReplyPreview:
        """A template for this ticket: its variant in the buyer's language as written, if it has one
        (``en`` matches ``en-GB``); otherwise its default text machine-translated, to check and edit."""
        self.store.require(actor, "reply")
        if isinstance(template, int):
            row = self.store.db.execute("SELECT id, body FROM templates WHERE id = ?", [template]).fetchone()
        else:
            row = self.store.db.execute(
                "SELECT id, body FROM templates WHERE name = ?", [template]
            ).fetchone()
        if row is None:
            raise ValueError(f"no template {template!r}")
        template_id, default_body = row
        target = self.buyer_language(ticket_id) or self.agent_language(actor)
        variants = self.store.db.execute(
            "SELECT language, body FROM template_variants WHERE template_id = ?", [template_id]
        ).fetchall()
        exact = [b for lang, b in variants if lang.lower() == target]
        close = [b for lang, b in variants if lang.lower().split("-")[0] == target]
        if exact or close:
            body = (exact or close)[0]
            return ReplyPreview(default_body, body, target, target, provider="template")
        own = [b for lang, b in variants if lang.lower().split("-")[0] == self.agent_language(actor)]
        base = own[0] if own else default_body
        preview = self.preview_reply(actor, ticket_id, base, target=target, provider=provider)
        return preview

    def send_reply(
        self, actor: Actor, ticket_id: int, preview: ReplyPreview, *, text: str | None = None, **reply_kw: Any
    ) -> int:
        """Send what the agent approved: ``text`` (their edit of the preview) or the preview as it is.

        Refuses text that still holds untranslated parts (``⟦ ⟧``) or an empty translation, so a half
        translation never reaches a buyer. The agent's own text is stored beside it as the translation.
        """
        body = text if text is not None else preview.text
        if body is None or not body.strip():
            raise ValueError(
                f"nothing to send: {preview.error or 'the translation is empty'}; write the reply in {preview.target}"
            )
        if UNTRANSLATED.search(body) and reply_kw.get("confirmed") != body:
            raise ValueError("the reply still has parts marked ⟦ ⟧ that were not translated; edit them first")
        own = "" if preview.original == body else preview.original
        return self.tickets.reply(
            actor, ticket_id, body, language=preview.target, translation=own, **reply_kw
        )
