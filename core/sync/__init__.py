"""Marketplace sync (pull) and the outbox dispatcher (push).

    from crossdesk.sync import Connections, OutboxDispatcher, SyncEngine

    with Connections(desk) as conn:
        results = SyncEngine(desk, conn).run(platform="ebay")
        report = OutboxDispatcher(desk, conn).run()

See docs/platforms.md for the connector contract and what each marketplace API does and does not offer.
"""

from __future__ import annotations

from crossdesk.sync.connections import ConnectionError_, Connections, NoConnector
from crossdesk.sync.engine import RESOURCES, ResourceResult, ShopResult, SyncEngine, to_minor
from crossdesk.sync.outbox import KINDS, DispatchReport, OutboxDispatcher
from crossdesk.sync.secrets import (
    CredentialsError,
    Secret,
    install_redaction,
    load_credentials,
    redact,
)
from crossdesk.sync.service import SyncService

__all__ = [
    "KINDS",
    "RESOURCES",
    "ConnectionError_",
    "Connections",
    "CredentialsError",
    "DispatchReport",
    "NoConnector",
    "OutboxDispatcher",
    "ResourceResult",
    "Secret",
    "ShopResult",
    "SyncEngine",
    "SyncService",
    "install_redaction",
    "load_credentials",
    "redact",
    "to_minor",
]
