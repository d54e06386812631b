"""Issue 17 item 9: before a bulk template reply, a preview of what each buyer will receive."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from crossdesk.tui.widgets.common.modals import ConfirmModal, PickModal
from crossdesk.tui.widgets.inbox.queue_view import QueueView

from .conftest import SIZE

pytestmark = pytest.mark.anyio


def template_name(body: str) -> str:
    """The template the confirmation names ("Reply with template NAME to ...")."""
    import re

    found = re.search(r"template ['\"]?([\w.-]+)", body)
    assert found, body
    return found.group(1)


async def test_the_bulk_template_confirmation_shows_each_buyers_text(desk, make_app, settle):
    sam = desk.actor_for("sam")
    desk.templates.install_starter(sam)
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueView)
        first, second = queue.row(0)["id"], queue.row(1)["id"]
        await pilot.press("space", "space", "b")
        await settle(pilot)
        actions = app.screen.query_one(OptionList)
        labels = [str(actions.get_option_at_index(i).prompt).lower() for i in range(actions.option_count)]
        actions.highlighted = next(i for i, x in enumerate(labels) if "template" in x)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        await pilot.press("enter")  # the first template
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmModal)
        body = str(confirm.query_one(".dialog-body").render())
        assert "What the buyers will receive" in body
        assert f"#{first}" in body and f"#{second}" in body
        for tid in (first, second):  # each buyer's own rendering, in their language, as it would be sent
            rendered = desk.templates.render(sam, template_name(body), tid)
            start = " ".join(rendered.body.split())[:40]
            assert f"#{tid} ({rendered.language or 'default'}): {start}" in body, body
        await pilot.press("n")
        await settle(pilot)
    out = desk.db.execute(
        "SELECT count(*) FROM messages WHERE ticket_id IN (?, ?) AND direction = 'out'", [first, second]
    ).fetchone()[0]
    assert out == 0  # a preview sends nothing
