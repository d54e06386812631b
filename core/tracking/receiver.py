"""A small HTTP receiver for tracking webhooks: ``POST /webhooks/<provider>`` -> ``desk.tracking.webhook``.

Standard library only (``http.server``), one request at a time under the desk's lock. It answers 200 with
the number of shipments changed, 401 for a signature that does not match (or a provider without its
secret), 404 for an unknown path or provider, 413 past :data:`MAX_BODY`. Put it behind your TLS proxy;
it listens on loopback unless told otherwise. ``crossdesk tracking serve`` runs it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from crossdesk.models import Actor
from crossdesk.tracking.service import TrackingError, TrackingService

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # 1 MiB: a webhook body is a few kilobytes


class WebhookReceiver:
    """Serve ``service``'s webhooks on ``host:port`` (port 0: any free one) in a background thread."""

    def __init__(
        self,
        service: TrackingService,
        lock: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        actor: Actor | None = None,
    ) -> None:
        self.service = service
        self.lock = lock
        self.actor = actor or Actor.system("webhook")
        self.received = 0
        self._server = ThreadingHTTPServer((host, port), _handler(self.handle))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> WebhookReceiver:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="tracking-webhooks", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def handle(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        parts = [p for p in path.split("?")[0].split("/") if p]
        if len(parts) != 2 or parts[0] != "webhooks":
            return 404, {"error": "POST /webhooks/<provider>"}
        provider = parts[1]
        if provider not in self.service.providers():
            return 404, {"error": f"no provider {provider!r}"}
        with self.lock:
            try:
                changed = self.service.webhook(self.actor, provider, body, headers)
            except TrackingError as exc:
                log.warning("webhook from %s refused: %s", provider, exc)
                return 401, {"error": str(exc)}
        self.received += 1
        return 200, {"changed": changed}


def _handler(handle: Callable[[str, bytes, dict[str, str]], tuple[int, dict[str, Any]]]) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

        def _answer(self, status: int, data: dict[str, Any]) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                self.close_connection = True
                self._answer(413, {"error": f"body must be 0 to {MAX_BODY} bytes"})
                return
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._answer(*handle(self.path, body, headers))

        def do_GET(self) -> None:
            self._answer(405, {"error": "POST /webhooks/<provider>"})

    return Handler
