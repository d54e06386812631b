"""Issue 17 item 9: the bulk assign picker shows each agent's languages and load, and warns on a mismatch."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from crossdesk.tui.widgets.common.modals import PickModal
from crossdesk.tui.widgets.inbox.assign_words import agent_choice
from crossdesk.tui.widgets.inbox.queue_view import QueueView

from .conftest import SIZE

pytestmark = pytest.mark.anyio


def test_agent_choice_words():
    agent = {"name": "Anna Becker", "role": "agent", "languages": ["de", "en"]}
    assert agent_choice(agent, 4, ["de"]) == "Anna Becker (agent) · de, en · 4 open"
    assert agent_choice(agent, 0, ["ja", "de"]).endswith("· ⚠ does not speak ja")


async def test_the_picker_lists_languages_load_and_warns(desk, ids, make_app, settle):
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueView)
        langs = {queue.row(0)["language"], queue.row(1)["language"]}
        await pilot.press("space", "space")
        await pilot.press("b")
        await pilot.press("enter")  # assign
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickModal)
        options = picker.query_one(OptionList)
        lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        sam = desk.actor_for("sam")
        for agent in desk.agents(sam):
            line = next(x for x in lines if x.startswith(f"{agent['name']} ("))
            load = desk.queue.count(sam, assignee_id=agent["id"])
            assert f"· {load} open" in line
            missing = sorted(lang for lang in langs if lang and lang not in agent["languages"])
            assert ("does not speak" in line) == bool(missing and agent["languages"])
