"""``crossdesk tui``: one-line errors, and the TUI opened on the right desk as the right agent."""

from __future__ import annotations

from click.testing import CliRunner

import crossdesk.tui.app as tui_app
from crossdesk.cli import cli
from crossdesk.testing import make_desk, seed


def test_missing_desk_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["tui", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "no desk at" in result.output and "Traceback" not in result.output


def test_unknown_agent_is_one_line(tmp_path):
    path = tmp_path / "desk.db"
    seed(make_desk(path=str(path)))
    result = CliRunner().invoke(cli, ["tui", "--db", str(path), "--agent", "mallory"])
    assert result.exit_code == 1
    assert "no agent named 'mallory'" in result.output


def test_opens_the_tui_on_the_desk(tmp_path, monkeypatch):
    path = tmp_path / "desk.db"
    seed(make_desk(path=str(path)))
    opened = []
    monkeypatch.setattr(tui_app, "run", lambda db_path, agent=None: opened.append((db_path, agent)))
    result = CliRunner().invoke(cli, ["tui", "--db", str(path), "--agent", "ana"])
    assert result.exit_code == 0, result.output
    assert opened == [(path, "ana")]
