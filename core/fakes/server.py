"""A loopback fake HTTP server for contract tests of HTTP clients (translators, marketplaces).

**Public**: plugin authors build the fake of their own marketplace or translation API with it (the fakes
of the built-in marketplaces beside this module are crossdesk's own test fixtures, not public).

A fake reproduces one remote API on ``127.0.0.1`` with an ephemeral port, in a background thread, with a
real HTTP server, so the code under test uses its real ``httpx`` client and nothing reaches the network.
A fake is a subclass (or an instance) of :class:`FakeServer` that adds routes::

    class PetShop(FakeServer):
        def __init__(self) -> None:
            super().__init__("petshop")
            self.pets = {}
            self.add_route("GET", "/pets/{pet_id}", self.get_pet)

        def get_pet(self, request: FakeRequest) -> FakeResponse:
            pet = self.pets.get(request.path_params["pet_id"])
            if pet is None:
                return FakeResponse.json({"error": "not found"}, status=404)
            return FakeResponse.json(pet)

    with PetShop() as shop:
        httpx.get(shop.url("/pets/1"))
        assert shop.requests[-1].path == "/pets/1"

What the base gives every fake:

- **routing**: ``add_route(method, "/v2/items/{item_id}", handler)``; ``{name}`` captures one path segment
  into ``request.path_params``. Unknown paths answer 404, a known path with another method 405. A handler
  returns a :class:`FakeResponse`, or a ``dict``/``list`` (sent as JSON, 200).
- **recording**: every request (method, path, query, headers, body) is appended to ``requests`` before
  the handler runs, including requests answered by an injected fault. :meth:`requests_to` filters them.
- **fault injection**: :meth:`inject` queues faults for the next matching requests: an HTTP status with
  a body and headers (429 with ``Retry-After``, 5xx, a quota error), a slow answer (for client
  timeouts), a malformed body, or a dropped connection. :meth:`go_down` / :meth:`come_back` make every
  request fail until further notice, like a provider that is down. Faults are consumed in order; ``times``
  repeats one.

The server speaks HTTP/1.1 with keep-alive, so a client's connection pool behaves as it would in
production. It is thread-safe: handlers run one at a time under a lock, so a fake's state needs no locks
of its own.
"""

from __future__ import annotations

import collections
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

__all__ = ["FakeRequest", "FakeResponse", "FakeServer", "Fault", "Handler", "serve_all"]


@dataclass
class FakeRequest:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # keys lower-cased
    body: bytes
    path_params: dict[str, str] = field(default_factory=dict)
    at: float = 0.0

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The body parsed as JSON; raises ``ValueError`` when it is not JSON."""
        return orjson.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        """The body parsed as ``application/x-www-form-urlencoded`` (repeated keys kept as lists)."""
        return urllib.parse.parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    def params(self) -> dict[str, Any]:
        """The body as a dict whatever its encoding: JSON object, or form fields (single values unwrapped).

        Many APIs accept both encodings; a fake calls this to read either the same way. Raises
        ``ValueError`` on a body that is neither.
        """
        ctype = self.header("content-type").split(";")[0].strip().lower()
        if not self.body:
            return {}
        if ctype == "application/x-www-form-urlencoded":
            return {k: v if len(v) > 1 else v[0] for k, v in self.form().items()}
        data = self.json()
        if not isinstance(data, dict):
            raise ValueError("the body is not a JSON object")
        return data

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query-string parameter."""
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class FakeResponse:
    """What a handler (or a fault) answers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> FakeResponse:
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        return cls(status=status, body=orjson.dumps(data), headers=hdrs)

    @classmethod
    def text(cls, text: str, status: int = 200, headers: Mapping[str, str] | None = None) -> FakeResponse:
        hdrs = {"Content-Type": "text/plain; charset=utf-8"}
        hdrs.update(headers or {})
        return cls(status=status, body=text.encode("utf-8"), headers=hdrs)

    @classmethod
    def empty(cls, status: int = 204) -> FakeResponse:
        return cls(status=status)


Handler = Callable[[FakeRequest], "FakeResponse | dict | list"]


@dataclass
class Fault:
    """A misbehaviour to play instead of (or before) the normal answer.

    Build one with the class methods; :meth:`FakeServer.inject` queues it.
    """

    kind: str  # "response", "slow", "malformed", "disconnect"
    response: FakeResponse | None = None
    delay: float = 0.0

    @classmethod
    def status(cls, status: int, body: Any = None, headers: Mapping[str, str] | None = None) -> Fault:
        """Answer ``status`` with ``body`` (JSON unless bytes/str) instead of calling the handler."""
        if isinstance(body, bytes):
            resp = FakeResponse(status=status, body=body, headers=dict(headers or {}))
        elif isinstance(body, str):
            resp = FakeResponse.text(body, status=status, headers=headers)
        elif body is None:
            resp = FakeResponse(status=status, headers=dict(headers or {}))
        else:
            resp = FakeResponse.json(body, status=status, headers=headers)
        return cls(kind="response", response=resp)

    @classmethod
    def rate_limited(cls, retry_after: float | None = 0, body: Any = None, status: int = 429) -> Fault:
        """A 429 (or another status) with an optional ``Retry-After`` header in seconds."""
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return cls.status(status, body if body is not None else {"message": "Too many requests"}, headers)

    @classmethod
    def server_error(cls, status: int = 503, body: Any = None) -> Fault:
        return cls.status(status, body if body is not None else {"message": "Service unavailable"})

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Sleep ``seconds`` before answering normally: makes a client with a shorter timeout time out."""
        return cls(kind="slow", delay=seconds)

    @classmethod
    def malformed(cls, body: bytes = b'{"truncated": ', status: int = 200) -> Fault:
        """A 200 (by default) whose body is not what the client expects."""
        return cls(
            kind="malformed",
            response=FakeResponse(status=status, body=body, headers={"Content-Type": "application/json"}),
        )

    @classmethod
    def disconnect(cls) -> Fault:
        """Close the connection without answering."""
        return cls(kind="disconnect")


@dataclass
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler


@dataclass
class _QueuedFault:
    fault: Fault
    method: str | None
    path: re.Pattern[str] | None
    remaining: int


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[A-Za-z_][A-Za-z0-9_]*\})", template)
    regex = "".join(
        f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts
    )
    return re.compile(f"^{regex}$")


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # tests stay quiet
        pass

    def _serve(self) -> None:
        self.server.fake._dispatch(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeServer


class FakeServer:
    """A real HTTP server on 127.0.0.1, in a background thread, with routes, recording and faults."""

    def __init__(self, name: str = "fake") -> None:
        self.name = name
        self.routes: list[_Route] = []
        self.requests: list[FakeRequest] = []
        self._faults: collections.deque[_QueuedFault] = collections.deque()
        self._down: Fault | None = None
        self._lock = threading.RLock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeServer:
        """Bind an ephemeral port on loopback and serve in a daemon thread; returns self."""
        if self._httpd is not None:
            return self
        httpd = _HTTPServer(("127.0.0.1", 0), _RequestHandler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"fake-{self.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket: later requests get connection refused."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"fake {self.name} is not running; call start()")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    # ---- routing -----------------------------------------------------------------------------------

    def add_route(self, method: str, template: str, handler: Handler) -> None:
        """Serve ``method template`` with ``handler``; ``{name}`` in the template captures a segment."""
        self.routes.append(_Route(method.upper(), template, _compile(template), handler))

    def route(self, method: str, template: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add_route`."""

        def deco(fn: Handler) -> Handler:
            self.add_route(method, template, fn)
            return fn

        return deco

    # ---- faults ------------------------------------------------------------------------------------

    def inject(
        self, fault: Fault, *, times: int = 1, method: str | None = None, path: str | None = None
    ) -> None:
        """Play ``fault`` for the next ``times`` requests matching ``method`` and ``path`` (a template)."""
        with self._lock:
            self._faults.append(
                _QueuedFault(
                    fault, method.upper() if method else None, _compile(path) if path else None, times
                )
            )

    def go_down(self, fault: Fault | None = None) -> None:
        """Fail every request (503 by default) until :meth:`come_back`."""
        with self._lock:
            self._down = fault or Fault.server_error(503)

    def come_back(self) -> None:
        with self._lock:
            self._down = None

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._down = None

    def pending_faults(self) -> int:
        with self._lock:
            return sum(f.remaining for f in self._faults)

    # ---- recording ---------------------------------------------------------------------------------

    def requests_to(self, path: str, method: str | None = None) -> list[FakeRequest]:
        """Recorded requests whose path matches ``path`` (a template) and, if given, ``method``."""
        pattern = _compile(path)
        with self._lock:
            return [
                r
                for r in self.requests
                if pattern.match(r.path) and (method is None or r.method == method.upper())
            ]

    def reset(self) -> None:
        """Forget recorded requests and queued faults (the fake's own state is the subclass's)."""
        with self._lock:
            self.requests.clear()
            self._faults.clear()
            self._down = None

    # ---- dispatch ----------------------------------------------------------------------------------

    def _take_fault(self, req: FakeRequest) -> Fault | None:
        if self._down is not None:
            return self._down
        for queued in self._faults:
            if queued.method and queued.method != req.method:
                continue
            if queued.path and not queued.path.match(req.path):
                continue
            queued.remaining -= 1
            if queued.remaining <= 0:
                self._faults.remove(queued)
            return queued.fault
        return None

    def _dispatch(self, h: _RequestHandler) -> None:
        parsed = urllib.parse.urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        req = FakeRequest(
            method=h.command,
            path=parsed.path,
            query=urllib.parse.parse_qs(parsed.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in h.headers.items()},
            body=body,
            at=time.time(),
        )
        with self._lock:
            self.requests.append(req)
            fault = self._take_fault(req)
        if fault is not None:
            if fault.kind == "disconnect":
                h.close_connection = True
                h.connection.close()
                return
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.response is not None:
                self._write(h, fault.response)
                return
        with self._lock:
            response = self._handle(req)
        self._write(h, response)

    def _handle(self, req: FakeRequest) -> FakeResponse:
        allowed: list[str] = []
        for route in self.routes:
            m = route.pattern.match(req.path)
            if not m:
                continue
            if route.method != req.method:
                allowed.append(route.method)
                continue
            req.path_params = m.groupdict()
            try:
                out = route.handler(req)
            except Exception as exc:  # a bug in a fake must show up as a 500, not a hung client
                return FakeResponse.json({"message": f"fake {self.name} crashed: {exc!r}"}, status=500)
            if isinstance(out, FakeResponse):
                return out
            return FakeResponse.json(out)
        if allowed:
            return FakeResponse.json(
                {"message": "Method Not Allowed"}, status=405, headers={"Allow": ", ".join(allowed)}
            )
        return FakeResponse.json({"message": f"Not Found: {req.path}"}, status=404)

    @staticmethod
    def _write(h: _RequestHandler, resp: FakeResponse) -> None:
        try:
            h.send_response(resp.status)
            for key, value in resp.headers.items():
                h.send_header(key, value)
            h.send_header("Content-Length", str(len(resp.body)))
            h.end_headers()
            if h.command != "HEAD":
                h.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout): nothing to do
            h.close_connection = True


def serve_all(fakes: Iterable[FakeServer]) -> list[FakeServer]:
    """Start several fakes at once (e.g. in a pytest fixture) and return them."""
    return [f.start() for f in fakes]
