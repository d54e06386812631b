"""Issue 17 item 8: two actions on one key in one screen, from tui.toml, are reported like unknown ids."""

from __future__ import annotations

import pytest

from crossdesk.tui.keys import TuiConfig, report_clashes
from crossdesk.tui.screens import InboxScreen

from .conftest import SIZE

pytestmark = pytest.mark.anyio


async def test_a_clash_is_reported_and_the_defaults_stay(make_app, settle, tmp_path, monkeypatch):
    path = tmp_path / "tui.toml"
    path.write_text(
        '[keys]\n"inbox.bulk" = "m"\n"inbox.dashboard" = "ctrl+q"\n"inbox.customer" = "C"\n', encoding="utf-8"
    )
    monkeypatch.setenv("CROSSDESK_TUI_CONFIG", str(path))
    app = make_app(agent="sam")
    assert app.config.keymap == {"inbox.customer": "C"}
    problems = " | ".join(app.config.problems)
    assert 'keys.inbox.bulk = "m" clashes with inbox.mine on "m" in the InboxScreen screen' in problems
    assert 'keys.inbox.dashboard = "ctrl+q" clashes with app.quit' in problems
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        await pilot.press("m")  # still "mine", as before the bad entry
        await settle(pilot)
        assert "mine" in screen.query_text


def test_two_defaults_on_one_key_are_not_the_users_problem():
    config = TuiConfig(keymap={}, path=None)
    report_clashes(config, {"S": [("a.one", "x"), ("a.two", "x")]})
    assert config.problems == []


def test_swapping_two_keys_is_not_a_clash():
    config = TuiConfig(keymap={"a.one": "y", "a.two": "x"}, path=None)
    report_clashes(config, {"S": [("a.one", "x"), ("a.two", "y")]})
    assert config.problems == [] and config.keymap == {"a.one": "y", "a.two": "x"}
