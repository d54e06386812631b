"""``desk.sync``: the area service the TUI (and scripts) call to pull and push in one go."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crossdesk.models import Actor
from crossdesk.sync.connections import Connections
from crossdesk.sync.engine import ShopResult, SyncEngine
from crossdesk.sync.outbox import DispatchReport, OutboxDispatcher


class SyncService:
    """Pull from every shop, then send the outbox; the same work as ``crossdesk sync``."""

    def __init__(self, desk: Any, **connection_options: Any) -> None:
        self.desk = desk
        self._options = connection_options

    def run(
        self,
        actor: Actor,
        *,
        platform: str | None = None,
        shop: str | None = None,
        push: bool = True,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        """Sync the matching shops and (unless ``push=False``) send what is due. ``progress(done, total)``
        is called after each shop. Returns ``{"shops": [ShopResult...], "outbox": DispatchReport | None}``."""
        self.desk.require(actor, "manage_settings")
        with Connections(self.desk, **self._options) as conn:
            engine = SyncEngine(self.desk, conn, actor=actor)
            shops = conn.shops(platform, shop)
            results: list[ShopResult] = []
            for i, row in enumerate(shops):
                results.append(engine.sync_shop(row))
                if progress is not None:
                    progress(i + 1, len(shops))
            report: DispatchReport | None = None
            if push:
                report = OutboxDispatcher(self.desk, conn, actor=actor).run(platform=platform, shop=shop)
        return {"shops": results, "outbox": report}
