"""Fixtures: the three translator fakes on loopback, and desks whose translators point at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crossdesk.api import Desk
from crossdesk.fakes.deepl import DeepLFake
from crossdesk.fakes.google_translate import GoogleTranslateFake
from crossdesk.fakes.libretranslate import LibreTranslateFake
from crossdesk.plugin_manager import plugins_manager
from crossdesk.translation import TranslationConfig, TranslationService
from crossdesk.translation.config import Secret

DEEPL_KEY = "0f1e2d3c-test:fx"
GOOGLE_KEY = "AIza-test-key"
LIBRE_KEY = "lt-test-key"

PLUGINS = (  # and the core plugins (language detection), which every manager has
    "translator_deepl",
    "translator_libretranslate",
    "translator_google",
    "translator_offline",
)


class Clock:
    """A settable clock for the desk (retry delays, quota stops)."""

    def __init__(self, now: float = 1_800_000_000) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def pm():
    return plugins_manager(only=PLUGINS)


@pytest.fixture
def deepl() -> Iterator[DeepLFake]:
    with DeepLFake(keys=(DEEPL_KEY,), free=True) as fake:
        yield fake


@pytest.fixture
def libre() -> Iterator[LibreTranslateFake]:
    with LibreTranslateFake(api_keys=(LIBRE_KEY,)) as fake:
        yield fake


@pytest.fixture
def google() -> Iterator[GoogleTranslateFake]:
    with GoogleTranslateFake(keys=(GOOGLE_KEY,)) as fake:
        yield fake


@pytest.fixture
def clock() -> Clock:
    return Clock()


def provider_settings(deepl=None, libre=None, google=None) -> dict:
    """Settings pointing each translator at its fake, with no sleeping between retries."""
    fast = {"backoff": 0.0, "retries": 3, "timeout": 2.0}
    out: dict = {}
    if deepl is not None:
        out["deepl"] = {"auth_key": Secret(DEEPL_KEY), "base_url": deepl.base_url, **fast}
    if libre is not None:
        out["libretranslate"] = {"url": libre.base_url, "api_key": Secret(LIBRE_KEY), **fast}
    if google is not None:
        out["google"] = {"api_key": Secret(GOOGLE_KEY), "base_url": google.base_url, **fast}
    return out


def make_service(desk: Desk, providers: list[str], routes: dict | None = None, **fakes) -> TranslationService:
    config = TranslationConfig(
        agent_language="en",
        providers=providers,
        routes=routes or {},
        provider_settings=provider_settings(**fakes),
        retry_after=300,
    )
    return TranslationService(desk.store, desk.tickets, config=config)


@pytest.fixture
def desk(pm, clock) -> Iterator[Desk]:
    d = Desk.memory(pm, clock=clock)
    yield d
    d.close()
