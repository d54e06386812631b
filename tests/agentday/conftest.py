"""The agent's-day tests drive the TUI with the fixtures of the TUI tests (tests/tui/conftest.py: a seeded
desk on a fixed clock, an app driver), and try the demo desk a new agent gets."""

from __future__ import annotations

import pytest

from tests.tui.conftest import (  # the same fixtures, registered here for this folder
    SIZE,
    anyio_backend,
    clock,
    desk,
    ids,
    make_app,
    seeded,
    settle,
    size,
)

__all__ = ["SIZE", "anyio_backend", "clock", "desk", "ids", "make_app", "seeded", "settle", "size"]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A small demo desk built by ``crossdesk demo`` (the desk a new agent tries)."""
    from click.testing import CliRunner

    from crossdesk.cli import cli

    path = tmp_path_factory.mktemp("demo") / "desk.db"
    result = CliRunner().invoke(cli, ["demo", "--size", "120", "--headless", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path
