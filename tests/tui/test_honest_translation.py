"""Tried as a new user would, with only the offline phrasebook: nothing reports a translation that did not
happen, and no ⟦ ⟧ text or reply in the wrong language reaches a buyer without the agent confirming that
exact text."""

from __future__ import annotations

import pytest
from textual.widgets import TextArea

from crossdesk.tui.screens import ConversationScreen
from crossdesk.tui.widgets.common.modals import ConfirmModal
from crossdesk.tui.widgets.conversation.thread import MessageView

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


@pytest.fixture(autouse=True)
def no_llm(monkeypatch):
    for var in ("CROSSDESK_LLM_BASE_URL", "CROSSDESK_LLM_MODEL", "CROSSDESK_LLM_API_KEY"):
        monkeypatch.delenv(var, raising=False)


async def open_ticket(app, pilot, settle, tid):
    await settle(pilot)
    app.push_screen(ConversationScreen(tid))
    await settle(pilot)
    return app.screen


def outbound(desk, tid):
    return [m for m in desk.ticket(desk.actor_for("root"), tid)["messages"] if m["direction"] == "out"]


async def test_translate_incoming_says_how_much_was_translated_and_by_whom(desk, ids, make_app, settle):
    tid = ids.tickets["fr_broken"]
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(app, pilot, settle, tid)
        head = str(screen.query_one(MessageView).query_one(".message-head").render())
        assert "not translated" in head
        await pilot.press("i")
        await settle(pilot)
        said = [n.message for n in app._notifications if n.message.startswith("Translating")]
        assert said and not any(m.endswith(": done.") for m in said)
        assert "fully translated" in said[-1] and "No real translator is configured" in said[-1]
        stored = desk.ticket(app.gateway.actor, tid)["messages"][0]
        head = str(screen.query_one(MessageView).query_one(".message-head").render())
        if stored["translation_coverage"] < 1:
            assert f"only {stored['translation_coverage']:.0%} translated by phrasebook" in head
        else:
            assert "translated in full by phrasebook" in head


async def test_half_translated_reply_needs_the_exact_text_confirmed(desk, ids, make_app, settle):
    tid = ids.tickets["fr_broken"]
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(app, pilot, settle, tid)
        await pilot.press("tab")
        screen.query_one("#reply", TextArea).insert(
            "Thank you for your message. We shipped a new lamp by express."
        )
        await pilot.press("ctrl+l")
        await settle(pilot)
        text = screen.query_one("#reply", TextArea).text
        assert "⟦" in text  # the phrasebook could not translate the second sentence
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        shown = str(app.screen.query_one(".dialog-body").render())
        assert text in shown and "not translated" in shown
        await pilot.press("n")
        await settle(pilot)
        assert outbound(desk, tid) == []
        assert app.screen is screen and screen.query_one("#reply", TextArea).text == text
        assert "not sent" in str(screen.query_one("#composer-info").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        sent = outbound(desk, tid)
        assert [m["body"] for m in sent] == [text]


async def test_english_reply_to_a_french_buyer_is_not_sent_in_one_key_press(desk, ids, make_app, settle):
    tid = ids.tickets["fr_broken"]
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(app, pilot, settle, tid)
        await pilot.press("tab")
        screen.query_one("#reply", TextArea).insert("Your order has been shipped, it arrives next week.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "written in en, but the buyer writes fr" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("escape")
        await settle(pilot)
        assert outbound(desk, tid) == []


async def test_reply_in_the_buyers_language_is_sent_without_a_question(desk, ids, make_app, settle):
    tid = ids.tickets["fr_broken"]
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket(app, pilot, settle, tid)
        await pilot.press("tab")
        screen.query_one("#reply", TextArea).insert(
            "Merci pour votre message. Nous envoyons une nouvelle lampe."
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert [m["language"] for m in outbound(desk, tid)] == ["fr"]
