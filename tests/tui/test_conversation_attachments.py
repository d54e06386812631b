"""The conversation lists a ticket's mail attachments and opens one with the system viewer."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from crossdesk.tui.screens import ConversationScreen
from crossdesk.tui.widgets.common.modals import PickModal
from crossdesk.tui.widgets.conversation import attachments

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


def _photo_mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Buyer <buyer.photo@example.net>"
    msg["To"] = "support@acme-shop.example"
    msg["Subject"] = "Broken vase"
    msg["Message-ID"] = "<photo.1@example.net>"
    msg.set_content("The vase arrived broken, photo attached.")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
    msg.add_attachment(png, maintype="image", subtype="png", filename="vase.png")
    return bytes(msg)


async def test_attachments_listed_and_opened(desk, make_app, settle, monkeypatch):
    shop = desk.db.execute("SELECT id FROM shops ORDER BY id LIMIT 1").fetchone()[0]
    outcome = desk.mail.receive(desk.actor_for("root"), _photo_mail(), shop)
    opened: list[list[str]] = []
    monkeypatch.setattr(attachments.shutil, "which", lambda name: "/usr/bin/xdg-open")
    monkeypatch.setattr(attachments.subprocess, "Popen", lambda command, **kw: opened.append(command))
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(outcome.ticket_id))
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        await pilot.press("enter")
        await settle(pilot)
    [row] = desk.mail.attachments(desk.actor_for("root"), outcome.ticket_id)
    assert opened == [["/usr/bin/xdg-open", row["path"]]]
    assert "vase.png" in attachments.label(row) and "image/png" in attachments.label(row)


def test_a_missing_file_is_explained_not_opened(tmp_path):
    assert "not kept" in attachments.open_with_viewer(str(tmp_path / "gone.png"))


async def test_the_original_mail_is_one_key_away(desk, make_app, settle):
    shop = desk.db.execute("SELECT id FROM shops ORDER BY id LIMIT 1").fetchone()[0]
    raw = _photo_mail().replace(
        b"photo attached.", b"photo attached.\n\nOn Monday Acme wrote:\n> old question"
    )
    outcome = desk.mail.receive(desk.actor_for("root"), raw, shop)
    app = make_app(agent="ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(outcome.ticket_id))
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, attachments.OriginalModal)
        shown = str(app.screen.query_one("#original-text").render())
        assert "> old question" in shown and "Message-ID: <photo.1@example.net>" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen)
