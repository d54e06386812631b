"""The local redirect listener: where the seller's browser lands after consenting on the marketplace.

A one-shot HTTP server on ``127.0.0.1`` with a port the system picks, in a background thread. The first
request to its callback path is kept (its query parameters) and answered with a short page telling the
seller to go back to the terminal; anything else gets 404. Only loopback is listened on.
"""

from __future__ import annotations

import html
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

from crossdesk.errors import DeskError

CALLBACK = "/callback"


class RedirectListener:
    """``with RedirectListener() as rl: ... rl.url ... params = rl.wait(300)``"""

    def __init__(self, path: str = CALLBACK) -> None:
        self.path = path
        self._params: dict[str, str] | None = None
        self._arrived = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                if parts.path != listener.path or listener._arrived.is_set():
                    self.send_error(404)
                    return
                query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
                listener._params = {k: v[0] for k, v in query.items()}
                failed = listener._params.get("error")
                text = (
                    f"The marketplace refused: {html.escape(failed)}. Go back to the terminal."
                    if failed
                    else "crossdesk received the authorisation. You can close this tab."
                )
                body = f"<!doctype html><title>crossdesk</title><p>{text}</p>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                listener._arrived.set()

            def log_message(self, format: str, *args: object) -> None:  # the query holds the code
                return

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        # a short poll: closing the listener waits for the loop's next look (0.5 s by default)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def __enter__(self) -> RedirectListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, timeout: float) -> dict[str, str]:
        """The callback's query parameters; :class:`DeskError` when none came in ``timeout`` seconds."""
        if not self._arrived.wait(timeout):
            raise DeskError(f"no answer from the browser within {int(timeout)} s; run the command again")
        assert self._params is not None
        return dict(self._params)
