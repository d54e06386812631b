"""Fixtures: the OpenAI-compatible fake on loopback, and settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crossdesk.fakes.llm import LlmFake
from crossdesk.llm import LlmSettings


@pytest.fixture
def fake() -> Iterator[LlmFake]:
    with LlmFake() as server:
        yield server


@pytest.fixture
def settings(fake: LlmFake) -> LlmSettings:
    return LlmSettings(base_url=fake.api_base, model="fake-llm", timeout=2.0, backoff=0.0, stream=False)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
