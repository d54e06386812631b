"""The conversation: one ticket's thread and context (``desk.conversation.view``) and the reply composer.

What the agent types is kept per ticket (``app.drafts``) until it is sent, through errors and when the agent
leaves the screen.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Static, TextArea

from crossdesk.conversation import Draft, TicketView
from crossdesk.errors import DeskError
from crossdesk.models import TicketStatus
from crossdesk.translation import ReplyCheck, UnconfirmedReply
from crossdesk.tui.format import template_choices
from crossdesk.tui.messages import (
    DraftMade,
    DraftReady,
    IncomingTranslated,
    NoteAdded,
    OpenAfterSales,
    OpenCustomer,
    ReplyChecked,
    ReplySent,
    ReplyTranslated,
    SummaryMade,
    TemplatesListed,
    TicketChanged,
    TicketLoaded,
)
from crossdesk.tui.screens.base import DeskScreen, topbar
from crossdesk.tui.widgets import score
from crossdesk.tui.widgets.common.footer import WrapFooter
from crossdesk.tui.widgets.common.modals import ConfirmModal, PickModal, PromptModal
from crossdesk.tui.widgets.conversation import next_ticket
from crossdesk.tui.widgets.conversation.attachments import (
    AttachmentsListed,
    OriginalLoaded,
    OriginalModal,
    label,
    last_original,
    open_with_viewer,
)
from crossdesk.tui.widgets.conversation.context import ContextPanel, TicketHead, kb_line
from crossdesk.tui.widgets.conversation.thread import ThreadView


def send_or_check(
    desk: Any, actor: Any, ticket_id: int, body: str, *, ai_draft: Any = None, **kw: Any
) -> int | ReplyCheck:
    """Send through the checked path; what needs the agent's confirmation comes back as its check (with an
    AI draft's claims the ticket's facts do not hold, while they are still in the text)."""
    if ai_draft is not None:
        kw["extra_problems"] = desk.assist.recheck(ai_draft, body)
    try:
        return desk.translation.send_checked(actor, ticket_id, body, **kw)
    except UnconfirmedReply as exc:
        return exc.check


def translation_mode_words(side_by_side: bool, ticket: dict | None) -> str:
    """What `o` switched to, and when no message has a translation, that nothing differs yet."""
    mode = "Original and translation side by side" if side_by_side else "Translations only"
    messages = (ticket or {}).get("messages") or []
    if not any(m.get("translation") for m in messages):
        mode += ": no message has a translation yet (i translates the buyer's messages)"
    return mode + "."


class ConversationScreen(score.ExplainsScore, DeskScreen):
    """One ticket: the thread, its context, and the reply composer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="conversation.back"),
        Binding("ctrl+s", "send", "Send reply", id="conversation.send", priority=True),
        Binding(
            next_ticket.KEY,
            "send_next",
            "Send, next",
            id="conversation.send_next",
            priority=True,
            tooltip="Send, then open the next ticket in my queue",
        ),
        Binding("ctrl+n", "note", "Add note", id="conversation.note", priority=True),
        Binding("ctrl+t", "template", "Template", id="conversation.template", priority=True),
        Binding("ctrl+l", "preview_translation", "Translate reply", id="conversation.preview", priority=True),
        Binding("o", "toggle_translation", "Original/translation", id="conversation.translation"),
        Binding(
            "i",
            "translate_incoming",
            "Translate",
            id="conversation.translate",
            tooltip="Translate the buyer's messages",
        ),
        Binding("ctrl+g", "ai_draft", "AI draft", id="conversation.ai_draft", priority=True),
        Binding("u", "summary", "Summary", id="conversation.summary", tooltip="Summarise the thread (AI)"),
        Binding("tab", "focus_composer", "Reply", id="conversation.compose", show=False),
        Binding("c", "customer", "Customer", id="conversation.customer"),
        Binding("f", "aftersales", "After-sales", id="conversation.aftersales"),
        Binding("s", "status", "Status", id="conversation.status"),
        Binding("g", "tag", "Tag", id="conversation.tag"),
        Binding("e", "assign_me", "Take", id="conversation.take", tooltip="Assign the ticket to me"),
        Binding("a", "attachments", "Attachments", id="conversation.attachments"),
        Binding("m", "original_mail", "Original mail", id="conversation.original"),
        score.binding("conversation"),
    ]
    NEEDS: ClassVar[dict[str, str]] = {
        "send": "reply",
        "send_next": "reply",
        "note": "reply",
        "template": "reply",
        "status": "reply",
        "tag": "reply",
        "assign_me": "reply",
        "aftersales": "view",
        "ai_draft": "reply",
        "preview_translation": "reply",
        "focus_composer": "reply",
    }

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.ticket: dict | None = None
        self.template: str | None = None
        self.side_by_side = True
        self.reply_translation = ""  # the agent's own text when the reply was translated
        self._lint_acknowledged: str | None = None
        self.ai_draft: object | None = None  # the AI draft in the composer, until sent or cleared

    def compose(self) -> ComposeResult:
        yield topbar(self.app, f"ticket #{self.ticket_id}")
        yield TicketHead("loading…", id="ticket-head")
        yield Static("", id="thread-summary", classes="empty")
        with Horizontal(id="conv-body"):
            yield ThreadView(id="thread")
            yield ContextPanel(id="context")
        with Vertical(id="composer"):
            yield Static("", id="composer-info")
            yield TextArea(id="reply", soft_wrap=True, show_line_numbers=False)
        yield WrapFooter()

    def on_mount(self) -> None:
        super().on_mount()
        area = self.query_one("#reply", TextArea)
        area.text = self.app.drafts.get(self.ticket_id, "")  # type: ignore[attr-defined]
        self.query_one(ThreadView).focus()
        self.load()

    def load(self) -> None:
        self.call(
            TicketLoaded,
            self.desk.conversation.view,
            self.actor,
            self.ticket_id,
            group="conversation",
            exclusive=True,
        )

    @on(TicketLoaded)
    def _show(self, message: TicketLoaded) -> None:
        view: TicketView = message.value
        self.ticket = view.ticket
        now = self.gw.now()
        self.query_one(TicketHead).show(view.ticket, now)
        self.query_one(ThreadView).show(view.ticket["messages"], side_by_side=self.side_by_side)
        self.query_one(ContextPanel).show(view, now)
        self._composer_info()

    def _composer_info(self, extra: str = "", warn: bool = False) -> None:
        info = self.query_one("#composer-info", Static)
        lang = (self.ticket or {}).get("language") or "?"
        parts = [f"reply in {lang}"]
        if self.template:
            parts.append(f"template {self.template}")
        parts.append("Ctrl+S send · Ctrl+N note · Ctrl+T template · Ctrl+L translate")
        text = " · ".join(parts) + (f"\n{extra}" if extra else "")
        info.set_class(warn, "warn")
        info.update(escape(text))

    # ---- the composer keeps what the agent typed, whatever happens ---------------------------------

    @on(TextArea.Changed, "#reply")
    def _keep_draft(self, event: TextArea.Changed) -> None:
        drafts = self.app.drafts  # type: ignore[attr-defined]
        if event.text_area.text:
            drafts[self.ticket_id] = event.text_area.text
        else:
            drafts.pop(self.ticket_id, None)

    def _draft(self) -> str:
        return self.query_one("#reply", TextArea).text

    def _clear_composer(self) -> None:
        self.app.drafts.pop(self.ticket_id, None)  # type: ignore[attr-defined]
        self.query_one("#reply", TextArea).text = ""

    def action_focus_composer(self) -> None:
        self.query_one("#reply", TextArea).focus()

    def action_back(self) -> None:
        area = self.query_one("#reply", TextArea)
        if self.focused is area:
            self.query_one(ThreadView).focus()
            return
        self.app.pop_screen()

    # ---- sending ------------------------------------------------------------------------------------

    def action_send_next(self) -> None:
        self._then_next = True
        self.action_send()

    def action_send(self) -> None:
        body = self._draft().strip()
        if not body:
            self.notify("Write a reply first (Tab to the composer).", severity="warning")
            return
        self.call(partial(ReplyChecked, body), self.desk.conversation.lint, self.actor, self.ticket_id, body)

    @on(ReplyChecked)
    def _send_checked(self, message: ReplyChecked) -> None:
        body, warnings = message.body, message.value
        if warnings and self._lint_acknowledged != body:
            # The platform may block or penalise this text: say so once; a second Ctrl+S sends anyway.
            self._lint_acknowledged = body
            self._composer_info("lint: " + "; ".join(warnings) + " · Ctrl+S again to send anyway", warn=True)
            return
        self._send_now(body)

    def _send_now(self, body: str, confirmed: str | None = None) -> None:
        # The service refuses ⟦ ⟧ parts or a reply in another language than the buyer's unless this exact
        # text is confirmed: it comes back as a ReplyCheck, and the agent is asked.
        self.call(
            ReplySent,
            send_or_check,
            self.desk,
            self.actor,
            self.ticket_id,
            body,
            confirmed=confirmed,
            translation=self.reply_translation,
            template=self.template,
            ai_draft=self.ai_draft,
        )

    def _confirm_send(self, check: ReplyCheck) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._send_now(check.body, confirmed=check.body)
            else:
                self._composer_info("not sent: " + "; ".join(check.problems), warn=True)

        self.app.push_screen(
            ConfirmModal("Send this exact text?", escape(check.confirmation_text()), "Send exactly this"),
            answered,
        )

    @on(ReplySent)
    def _sent(self, message: ReplySent) -> None:
        if isinstance(message.value, ReplyCheck):
            self._confirm_send(message.value)
            return
        self._clear_composer()
        self.template = None
        self.ai_draft = None
        self.reply_translation = ""
        self.notify(f"Reply queued in the outbox (message {message.value}).")
        if getattr(self, "_then_next", False):
            self._then_next = False
            next_ticket.open_next(self)
            return
        self.load()

    def action_note(self) -> None:
        body = self._draft().strip()
        if not body:
            self.notify("Write the note in the composer first.", severity="warning")
            return
        self.call(NoteAdded, self.desk.add_note, self.actor, self.ticket_id, body)

    @on(NoteAdded)
    def _noted(self) -> None:
        self._clear_composer()
        self.notify("Internal note added.")
        self.load()

    # ---- templates and translation --------------------------------------------------------------------

    def action_template(self) -> None:
        self.call(partial(TemplatesListed, [self.ticket_id]), self.desk.templates.list, self.actor)

    @on(TemplatesListed)
    def _pick_template(self, message: TemplatesListed) -> None:
        language = (self.ticket or {}).get("language") or "the default language"
        self.app.push_screen(
            PickModal(f"Template (filled in {language})", template_choices(message.value)),
            self._template_picked,
        )

    def _template_picked(self, name: str | None) -> None:
        if name:
            self.call(DraftReady, self.desk.conversation.draft, self.actor, self.ticket_id, name)

    @on(DraftReady)
    def _insert(self, message: DraftReady) -> None:
        draft: Draft = message.value
        area = self.query_one("#reply", TextArea)
        area.text = draft.body
        self.template = draft.template
        notes = []
        if draft.language:
            notes.append(f"variant {draft.language}")
        if draft.warnings:
            notes.append("lint: " + "; ".join(draft.warnings))
        if draft.kb:
            notes.append("KB: " + " | ".join(kb_line(a) for a in draft.kb))
        self._composer_info(" · ".join(notes), warn=bool(draft.warnings))
        area.focus()

    def unavailable(self, action: str) -> str | None:
        if action in ("ai_draft", "summary"):
            missing = self.desk.llm.missing()  # the environment's settings, read once by the desk
            if missing:
                return f"AI drafts and summaries are not set up on this desk: {missing} (docs/ai.md)."
        return None

    def action_preview_translation(self) -> None:
        text = self._draft().strip()
        if not text:
            self.notify("Write a reply first: Ctrl+L shows it in the buyer's language.", severity="warning")
        else:
            self.call(
                partial(ReplyTranslated, text),
                self.desk.translation.preview_reply,
                self.actor,
                self.ticket_id,
                text,
            )

    @on(ReplyTranslated)
    def _previewed(self, message: ReplyTranslated) -> None:
        preview = message.value
        if preview.text is None:
            self.fail(
                DeskError(
                    f"no translator could translate the reply ({preview.error or 'no provider'}); "
                    "write it yourself"
                )
            )
            return
        warnings = []
        if preview.untranslated:
            warnings.append("not translated, check: " + "; ".join(preview.untranslated))
        if preview.provider and preview.source != preview.target:
            warnings.append(f"{preview.source} → {preview.target} by {preview.provider}")
        if preview.provider == "offline":
            warnings.append("the offline phrasebook only knows common sentences: see `crossdesk translators` and docs/ai.md")
        # The buyer receives the translation; the agent's text is stored beside it.
        self.reply_translation = message.original
        self.query_one("#reply", TextArea).text = preview.text
        self._composer_info(
            " · ".join(["translated; your text is kept with the reply", *warnings]),
            warn=bool(preview.untranslated),
        )

    # ---- AI assist -------------------------------------------------------------------------------------

    def action_ai_draft(self) -> None:
        self.notify("Drafting a reply…", timeout=2)
        self.call(DraftMade, self.desk.assist.draft, self.actor, self.ticket_id)

    @on(DraftMade)
    def _drafted(self, message: DraftMade) -> None:
        draft = message.value
        area = self.query_one("#reply", TextArea)
        area.text = draft.text
        self.ai_draft = draft
        self.reply_translation = draft.back_translation  # kept with the reply, in the agent's language
        lines = [f"AI draft in {draft.language}, not sent · {draft.agent_language}: {draft.back_translation}"]
        lines += [f"check: {flag}" for flag in draft.flags]
        self._composer_info("\n".join(lines), warn=bool(draft.flags))
        area.focus()

    def action_summary(self) -> None:
        self.call(SummaryMade, self.desk.assist.summarize, self.actor, self.ticket_id)

    @on(SummaryMade)
    def _summarized(self, message: SummaryMade) -> None:
        s = message.value
        box = self.query_one("#thread-summary", Static)
        note = f" ({s.note})" if s.note else ""
        box.update(escape(f"Summary of {s.messages} messages ({', '.join(s.languages) or '?'}): {s.text}{note}"))
        box.remove_class("empty")

    def action_toggle_translation(self) -> None:
        self.side_by_side = not self.side_by_side
        if self.ticket:
            self.query_one(ThreadView).show(self.ticket["messages"], side_by_side=self.side_by_side)
        self.notify(translation_mode_words(self.side_by_side, self.ticket), timeout=3)

    def action_translate_incoming(self) -> None:
        gw, desk, actor, ticket_id = self.gw, self.desk, self.actor, self.ticket_id

        def job(progress: object) -> object:
            return gw.call(desk.translation.translate_incoming, actor, ticket_ids=[ticket_id])

        self.app.run_slow("Translating the buyer's messages", job, IncomingTranslated, self)  # type: ignore[attr-defined]

    @on(IncomingTranslated)
    @on(TicketChanged)
    def _reload(self) -> None:
        self.load()

    # ---- the ticket and where to go from it -------------------------------------------------------------

    def score_ticket_id(self) -> int | None:
        return self.ticket_id

    def action_customer(self) -> None:
        if self.ticket and self.ticket.get("customer_id") is not None:
            self.app.post_message(OpenCustomer(self.ticket["customer_id"]))

    def action_aftersales(self) -> None:
        if self.ticket is None:
            return
        if self.ticket.get("order_id") is None:
            self.notify("No order is linked to this ticket.", severity="warning")
            return
        self.app.post_message(OpenAfterSales(self.ticket["order_id"], ticket_id=self.ticket_id))

    def action_status(self) -> None:
        def picked(status: str | None) -> None:
            if status:
                self.call(TicketChanged, self.desk.update_ticket, self.actor, self.ticket_id, status=status)

        self.app.push_screen(PickModal("Set status", [(s.label, s.label) for s in TicketStatus]), picked)

    def action_tag(self) -> None:
        def typed(tag: str | None) -> None:
            if tag:
                self.call(TicketChanged, self.desk.add_tags, self.actor, self.ticket_id, [tag])

        self.app.push_screen(PromptModal("Tag to add", placeholder="e.g. vip"), typed)

    def action_assign_me(self) -> None:
        self.call(TicketChanged, self.desk.assign, self.actor, [self.ticket_id], self.actor.agent_id)

    def action_attachments(self) -> None:
        self.call(AttachmentsListed, self.desk.mail.attachments, self.actor, self.ticket_id)

    @on(AttachmentsListed)
    def _pick_attachment(self, message: AttachmentsListed) -> None:
        rows = {str(r["id"]): r for r in message.value}
        if not rows:
            self.notify("No attachments on this ticket.")
            return

        def picked(choice: str | None) -> None:
            if choice:
                problem = open_with_viewer(rows[choice]["path"])
                if problem:
                    self.notify(problem, severity="warning")

        self.app.push_screen(PickModal("Open attachment", [(k, label(r)) for k, r in rows.items()]), picked)

    def action_original_mail(self) -> None:
        if self.ticket is not None:
            self.call(OriginalLoaded, last_original, self.desk, self.actor, self.ticket)

    @on(OriginalLoaded)
    def _show_original(self, message: OriginalLoaded) -> None:
        if not message.value:
            self.notify("No message of this ticket came by mail.")
            return
        self.app.push_screen(OriginalModal(message.value))
