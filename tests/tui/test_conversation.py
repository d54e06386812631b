"""The conversation screen: open the top ticket, reply, note, keep the draft through errors."""

from __future__ import annotations

import pytest
from textual.widgets import TextArea

from crossdesk.api import DeskError
from crossdesk.tui.screens import ConversationScreen, CustomerScreen, InboxScreen
from crossdesk.tui.widgets.common.modals import ErrorModal, PickModal
from crossdesk.tui.widgets.conversation.thread import MessageView, ThreadView

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


async def open_top(pilot, settle) -> ConversationScreen:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ConversationScreen)
    return screen


async def test_open_the_top_ticket_and_reply(desk, make_app, settle):
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        top = {"id": desk.queue.top(desk.actor_for("ana"), 1)[0].ticket_id}  # the live queue's first
        screen = await open_top(pilot, settle)
        assert screen.ticket_id == top["id"]
        views = screen.query(MessageView)
        assert len(views) == 1 and views.first().message["body"] == top_body(desk, top["id"])
        await pilot.press("tab")
        assert isinstance(app.focused, TextArea)
        await pilot.press(*"Hallo, es kommt morgen.")
        assert app.drafts[top["id"]] == "Hallo, es kommt morgen."
        await pilot.press("ctrl+s")
        await settle(pilot)
        ticket = desk.ticket(app.gateway.actor, top["id"])
        out = [m for m in ticket["messages"] if m["direction"] == "out"]
        assert [m["body"] for m in out] == ["Hallo, es kommt morgen."]
        assert out[0]["author"] == "ana" and out[0]["language"] == top_language(desk, top["id"])
        outbox = list(desk.db.query("SELECT kind, ticket_id, status FROM outbox"))
        assert outbox == [{"kind": "message", "ticket_id": top["id"], "status": "pending"}]
        assert desk.audit_trail(app.gateway.actor, "ticket", top["id"])[1]["action"] == "ticket.reply"
        assert top["id"] not in app.drafts
        assert screen.query_one("#reply", TextArea).text == ""
        assert len(screen.query(MessageView)) == 2  # the thread reloaded with the reply
        audit = str(screen.query_one("#ctx-audit").render())
        assert "ticket.reply" in audit
        await pilot.press("escape", "escape")  # leave the composer, then the conversation
        await settle(pilot)
        queue = app.screen.query_one("#queue")
        row = next(queue.row(i) for i in range(queue.total) if queue.row(i)["id"] == top["id"])
        assert row["status"] == 2  # the inbox shows it pending now, without a manual refresh


def top_body(desk, ticket_id):
    return desk.ticket(desk.actor_for("root"), ticket_id)["messages"][0]["body"]


async def test_internal_note_is_not_sent(desk, make_app, settle):
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_top(pilot, settle)
        await pilot.press("tab", *"call the carrier", "ctrl+n")
        await settle(pilot)
        notes = [
            m
            for m in desk.ticket(app.gateway.actor, screen.ticket_id)["messages"]
            if m["direction"] == "note"
        ]
        assert [n["body"] for n in notes] == ["call the carrier"]
        assert desk.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
        assert "note" in screen.query(MessageView).last().classes


async def test_a_failed_send_keeps_what_the_agent_typed(desk, make_app, settle, monkeypatch):
    def refuse(*args, **kwargs):
        raise DeskError("the outbox is full")

    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_top(pilot, settle)
        await pilot.press("tab", *"Sorry")  # typed: the draft is kept as it changes
        monkeypatch.setattr(desk.tickets, "reply", refuse)  # the checked send ends there
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert "the outbox is full" in str(app.screen.query_one("#error-message").render())
        await pilot.press("escape")
        assert app.screen is screen
        assert screen.query_one("#reply", TextArea).text == "Sorry"
        # leaving and coming back restores the draft too
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, InboxScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#reply", TextArea).text == "Sorry"


async def test_translation_toggle_and_context(desk, ids, make_app, settle):
    root = desk.actor_for("root")
    tid = ids.tickets["de_wismo"]
    msg_id = desk.ticket(root, tid)["messages"][0]["id"]
    desk.db.execute(
        "UPDATE messages SET translation = ?, translated_to = 'en' WHERE id = ?",
        ["Hello, where is my parcel?", msg_id],
    )
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(tid))
        await settle(pilot)
        screen = app.screen
        view = screen.query_one(MessageView)
        assert len(view.query(".message-original")) == 1 and len(view.query(".message-translation")) == 1
        await pilot.press("o")  # translation only
        await settle(pilot)
        view = screen.query_one(MessageView)
        assert len(view.query(".message-original")) == 0
        assert "parcel" in str(view.query_one(".message-translation").render())
        order = str(screen.query_one("#ctx-order").render())
        assert "ORD-1000" in order and "HD-200-BLK" in order and "Jana Schmidt" in order
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)


async def test_status_change_from_the_conversation(desk, make_app, settle):
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_top(pilot, settle)
        await pilot.press("s")
        assert isinstance(app.screen, PickModal)
        await pilot.press("down", "down", "enter")  # pending
        await settle(pilot)
        assert desk.ticket(app.gateway.actor, screen.ticket_id)["status"] == 2
        assert isinstance(screen.query_one(ThreadView), ThreadView)


async def test_translate_incoming_in_a_worker(desk, ids, make_app, settle):
    tid = ids.tickets["de_wismo"]
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(tid))
        await settle(pilot)
        screen = app.screen
        assert not screen.query(".message-translation")
        await pilot.press("i")
        await settle(pilot)
        stored = desk.ticket(app.gateway.actor, tid)["messages"][0]
        assert stored["translated_to"] == "en" and stored["translation"]
        shown = screen.query_one(".message-translation")
        assert str(shown.render()) == stored["translation"]
        assert "Paket" in str(screen.query_one(".message-original").render())  # the original stays beside it


def top_language(desk, ticket_id):
    return desk.ticket(desk.actor_for("root"), ticket_id)["language"]


async def test_reply_written_in_english_is_translated_for_the_buyer(desk, ids, make_app, settle):
    tid = ids.tickets["de_wismo"]
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(tid))
        await settle(pilot)
        screen = app.screen
        await pilot.press("tab")
        screen.query_one("#reply", TextArea).insert("Your order has been shipped.")
        await pilot.press("ctrl+l")
        await settle(pilot)
        area = screen.query_one("#reply", TextArea)
        assert area.text == "Ihre Bestellung wurde versandt."
        assert "en → de" in str(screen.query_one("#composer-info").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        sent = [m for m in desk.ticket(app.gateway.actor, tid)["messages"] if m["direction"] == "out"]
        assert sent[0]["body"] == "Ihre Bestellung wurde versandt."
        assert sent[0]["translation"] == "Your order has been shipped."  # the agent's own words, kept


async def test_untranslated_parts_are_flagged(desk, ids, make_app, settle):
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(ids.tickets["de_wismo"]))
        await settle(pilot)
        await pilot.press("tab")
        app.screen.query_one("#reply", TextArea).insert("We are sorry for the delay.")
        await pilot.press("ctrl+l")
        await settle(pilot)
        info = app.screen.query_one("#composer-info")
        assert "not translated, check: We are sorry for the delay." in str(info.render())
        assert info.has_class("warn")


async def test_the_context_shows_the_parcel_timeline_once_one_is_tracked(desk, make_app, settle):
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_top(pilot, settle)
        parcels = screen.query_one("#ctx-parcels")
        assert not parcels.display  # no parcel tracked yet: no block
        ticket = desk.ticket(desk.actor_for("root"), screen.ticket_id)
        assert ticket["order_id"] is not None  # the seeded desk's top ticket has an order
        root = desk.actor_for("root")
        desk.tracking.add(root, "JD777000111", order_id=ticket["order_id"], carrier="DHL")
        await pilot.press("escape")
        await settle(pilot)
        screen = await open_top(pilot, settle)
        parcels = screen.query_one("#ctx-parcels")
        assert parcels.display and "JD777000111" in str(parcels.render())
