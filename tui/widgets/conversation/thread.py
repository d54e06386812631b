"""The conversation thread: every message, the original and its translation side by side."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from crossdesk.tui.format import when

DIRECTION_LABEL = {"in": "buyer", "out": "reply", "note": "internal note"}


def provenance(m: dict, agent_language: str) -> str:
    """How much of a buyer message was really translated, and by which translator ("" when nothing to say)."""
    lang = m.get("language") or ""
    if not m.get("translation"):
        if lang and lang != agent_language and not m.get("translated_to"):
            return " · not translated (i to translate)"
        return ""
    by = m.get("translated_by") or "?"
    label = "phrasebook" if by == "offline" else by
    coverage = m.get("translation_coverage")
    if coverage is None:
        return f" · translated by {label}"
    if coverage >= 0.999:
        return f" · translated in full by {label}"
    return f" · only {coverage:.0%} translated by {label}; ⟦ ⟧ parts left as written"


class MessageView(Vertical):
    """One message; with ``side_by_side`` and a translation, two columns (original | translation)."""

    def __init__(self, message: dict, *, side_by_side: bool, agent_language: str) -> None:
        direction = message.get("direction", "in")
        super().__init__(classes=f"message {direction}")
        self.message = message
        self.side_by_side = side_by_side
        self.agent_language = agent_language

    def compose(self) -> ComposeResult:
        m = self.message
        direction = m.get("direction", "in")
        who = m.get("author") or DIRECTION_LABEL.get(direction, direction)
        lang = m.get("language") or "?"
        head = f"{DIRECTION_LABEL.get(direction, direction)} · {escape(who)} · {when(m.get('created_at'))} · {lang}"
        translation = m.get("translation") or ""
        if translation and m.get("translated_to"):
            head += f" → {m['translated_to']}"
        if direction == "in":
            head += provenance(m, self.agent_language)
        yield Static(head, classes="message-head")
        body = escape(m.get("body", ""))
        if translation and self.side_by_side:
            with Horizontal(classes="message-pair"):
                yield Static(body, classes="message-original")
                yield Static(escape(translation), classes="message-translation")
        elif translation and direction == "in":
            # translation first: the agent reads their own language; the original stays one key away
            yield Static(escape(translation), classes="message-translation")
        else:
            yield Static(body, classes="message-original")


class ThreadView(VerticalScroll):
    """The messages of a ticket, oldest first, scrolled to the newest."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.messages: list[dict] = []
        self.side_by_side = True
        self.agent_language = "en"

    def show(self, messages: list[dict], *, side_by_side: bool | None = None) -> None:
        self.messages = messages
        if side_by_side is not None:
            self.side_by_side = side_by_side
        self.remove_children()
        if not messages:
            self.mount(Static("No messages.", classes="message-head"))
            return
        self.mount_all(
            MessageView(m, side_by_side=self.side_by_side, agent_language=self.agent_language)
            for m in messages
        )
        self.call_after_refresh(self.scroll_end, animate=False)
