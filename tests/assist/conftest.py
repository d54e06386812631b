"""Fixtures: the OpenAI-compatible fake, and a desk pointing at it (helpers in assist_support)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from assist_support import make

from crossdesk.api import Desk
from crossdesk.fakes.llm import LlmFake
from crossdesk.plugin_manager import plugins_manager


@pytest.fixture(scope="session")
def pm():
    return plugins_manager(only=("translator_llm", "translator_offline"))


@pytest.fixture
def fake() -> Iterator[LlmFake]:
    with LlmFake() as server:
        yield server


@pytest.fixture
def desk(pm, fake) -> Iterator[Desk]:
    d = make(pm, fake)
    yield d
    d.close()
