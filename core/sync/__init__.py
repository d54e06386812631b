"""Marketplace sync (pull) and the outbox dispatcher (push), reached through ``desk.sync``.

    with desk.sync.connections() as conn:
        results = desk.sync.engine(conn).run(platform="ebay")
        report = desk.sync.dispatcher(conn).run()

Not a public module: plugins never import it. A connector's own tests run a sync and send the outbox with
:class:`crossdesk.testing.ConnectorHarness`. See docs/platforms.md for the connector contract and what each
marketplace API does and does not offer, docs/internals.md for the records and the config.
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
