"""Issue 17 item 6: the layout at 100x30 and 160x40. The inbox drops columns by priority so the subject
stays readable, long values are cut at a word boundary, and the footer wraps so every key of a screen is
on screen (Textual's one-line footer cut the inbox's keys at 100 columns and the conversation's at 160)."""

from __future__ import annotations

import pytest
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from crossdesk.tui.commands import screen_actions
from crossdesk.tui.format import fit
from crossdesk.tui.screens import ConversationScreen, InboxScreen
from crossdesk.tui.widgets.common.footer import WrapFooter, pack
from crossdesk.tui.widgets.inbox.queue_view import SUBJECT_MIN, QueueView, layout

pytestmark = pytest.mark.anyio


def test_long_values_are_cut_at_a_word_boundary():
    assert fit("item_not_received", 11) == "item_not…"
    assert fit("chargeback_threat", 11) == "chargeback…"
    assert fit("Where is my parcel please", 12) == "Where is my…"
    assert fit("praise", 11) == "praise"
    assert fit("Supercalifragilistic", 8) == "Superca…"  # one word longer than the cell: cut inside it
    assert fit("配送状況を教えてください", 9) == "配送状況…"  # two cells a character: 8 + the ellipsis


def test_columns_drop_by_priority_and_the_subject_keeps_its_room():
    wide = dict((c.key, w) for c, w in layout(158))
    assert set(wide) >= {"shop", "platform", "age", "lang", "assignee", "intent"}
    narrow = dict((c.key, w) for c, w in layout(98))
    assert narrow["subject"] >= SUBJECT_MIN
    assert "shop" not in narrow and "age" not in narrow  # the first to go
    assert {"score", "sla", "intent", "buyer", "assignee"} <= set(narrow)  # what an agent triages on
    assert sum(w + 1 for w in narrow.values()) - 1 <= 98


def test_the_footer_packs_keys_into_rows_of_the_width():
    assert pack([10, 10, 10], 25) == [[0, 1], [2]]
    assert pack([30, 5], 20) == [[0], [1]]  # wider than the row alone: a row of its own
    assert pack([], 80) == []


def footer_keys(app) -> list[FooterKey]:
    return list(app.screen.query_one(WrapFooter).query(FooterKey))


def on_screen(app, key: FooterKey) -> bool:
    region = key.region
    width, height = app.size
    return region.width > 0 and region.right <= width and 0 <= region.y < height


async def test_at_100x30_the_inbox_subject_and_every_footer_key_are_readable(make_app, settle):
    app = make_app(agent="root")  # an admin: the most keys
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        header = str(app.screen.query_one("#queue-header", Static).render())
        assert "subject" in header and "shop" not in header
        queue = app.screen.query_one(QueueView)
        width = queue.scrollable_content_region.width
        shown = dict((c.key, w) for c, w in layout(width))
        assert shown["subject"] >= SUBJECT_MIN
        row = queue.row(0)
        line = queue.render_line(0).text
        assert " ".join(row["subject"].split())[:20] in line  # the subject itself, not a sliver of it
        intent = row["intent"] or ""
        assert fit(intent, shown["intent"]) in line and (len(intent) <= shown["intent"] or "…" in line)
        wanted = {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show}
        keys = footer_keys(app)
        assert wanted <= {k.action for k in keys}
        assert all(on_screen(app, k) for k in keys), [
            (k.key, k.region) for k in keys if not on_screen(app, k)
        ]


async def test_at_160x40_every_key_of_the_conversation_is_reachable(make_app, settle, ids):
    app = make_app(agent="root")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        app.push_screen(ConversationScreen(ids.tickets["us_return"]))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        keys = footer_keys(app)
        assert all(on_screen(app, k) for k in keys)
        in_footer = {k.action for k in keys}
        for binding in screen.BINDINGS:
            if binding.show:
                assert binding.action in in_footer, binding.action
        # What the footer does not show (Tab to the composer) is in the palette and the help.
        assert "focus_composer" in {b.action for _n, b, _k in screen_actions(screen)}
        assert len({k.region.y for k in keys}) <= 2  # two rows at 160 columns


async def test_the_footer_reflows_on_resize(make_app, settle):
    app = make_app(agent="root")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        rows_wide = len({k.region.y for k in footer_keys(app)})
        await pilot.resize_terminal(90, 30)
        await settle(pilot)
        keys = footer_keys(app)
        assert all(on_screen(app, k) for k in keys)
        assert len({k.region.y for k in keys}) > rows_wide
