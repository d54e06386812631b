"""Fixtures for the TUI tests: a seeded in-memory desk on a fixed clock, and an app driver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crossdesk.api import Desk
from crossdesk.testing import FixedClock, Seeded, make_desk, seed
from crossdesk.tui.app import CrossdeskApp

SIZE = (120, 40)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def seeded(clock: FixedClock, tmp_path, monkeypatch) -> Iterator[tuple[Desk, Seeded]]:
    # No user config leaks into a test: the key map file is a path in the test's own directory.
    monkeypatch.setenv("CROSSDESK_TUI_CONFIG", str(tmp_path / "tui.toml"))
    desk = make_desk(clock=clock)
    yield desk, seed(desk)
    desk.close()


@pytest.fixture
def desk(seeded: tuple[Desk, Seeded]) -> Desk:
    return seeded[0]


@pytest.fixture
def ids(seeded: tuple[Desk, Seeded]) -> Seeded:
    return seeded[1]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def make_app(desk: Desk):
    """``make_app(agent="sam")``: the app on the seeded desk, signed in (None: the sign-in screen)."""

    def factory(agent: str | None = "sam") -> CrossdeskApp:
        # No background warm-up of the area services: it only makes the first conversation open faster,
        # and each test would pay for loading every calendar and policy once more.
        return CrossdeskApp(desk, agent, blink=False, warm_up=False)

    return factory


async def _settle(pilot) -> None:
    # Workers start workers (a page, then the count and the live queue, then a reload): wait until a
    # round starts nothing new.
    app = pilot.app
    for _ in range(20):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            break


@pytest.fixture
def settle():
    """``await settle(pilot)``: let workers finish and the screen catch up with their results."""
    return _settle


@pytest.fixture
def size() -> tuple[int, int]:
    return SIZE


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A small demo desk built by ``crossdesk demo`` (the desk a new agent tries)."""
    from click.testing import CliRunner

    from crossdesk.cli import cli

    path = tmp_path_factory.mktemp("demo") / "desk.db"
    result = CliRunner().invoke(cli, ["demo", "--size", "120", "--headless", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path
