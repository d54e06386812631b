"""``desk.llm``: the desk's language-model settings, its clients and its ledger."""

from __future__ import annotations

from typing import Any

from crossdesk.llm.client import LlmClient
from crossdesk.llm.config import LlmSettings, load_settings
from crossdesk.llm.ledger import DayUsage, LlmLedger
from crossdesk.models import Actor
from crossdesk.store import Store


class LlmService:
    """Built once per desk. ``client()`` gives a client that books every call in this desk's ledger."""

    def __init__(self, store: Store, *, settings: LlmSettings | None = None) -> None:
        self.store = store
        self._settings = settings
        self.ledger = LlmLedger(store)
        self._client: LlmClient | None = None

    @property
    def settings(self) -> LlmSettings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    def configure(self, settings: LlmSettings) -> None:
        self.close()
        self._settings = settings

    def missing(self) -> str:
        return self.settings.missing()

    def client(self, settings: LlmSettings | None = None, **kw: Any) -> LlmClient:
        """The desk's client (shared), or a new one for other ``settings`` (a translator's own table)."""
        if settings is not None:
            return LlmClient(settings, ledger=self.ledger, **kw)
        if self._client is None:
            self._client = LlmClient(self.settings, ledger=self.ledger, **kw)
        return self._client

    def today(self) -> DayUsage:
        return self.ledger.today()

    def budget(self) -> dict[str, float]:
        return self.ledger.budget()

    def set_budget(
        self, actor: Actor, *, daily_usd: float | None = None, daily_tokens: int | None = None
    ) -> None:
        self.ledger.set_budget(actor, daily_usd=daily_usd, daily_tokens=daily_tokens)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
