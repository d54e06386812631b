"""Real mail servers on loopback for the tests: pymap (an IMAP server from PyPI, in-memory backend) in a
subprocess, aiosmtpd (SMTP) in a thread, and a TCP relay that can cut a connection after N bytes (to drop
a real server's connection in the middle of a fetch)."""

from __future__ import annotations

import contextlib
import imaplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    process: subprocess.Popen

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=30)
        conn.login(self.user, self.password)
        return conn

    def append(self, folder: str, *raws: bytes) -> None:
        conn = self.client()
        try:
            conn.create(f'"{folder}"')
            for raw in raws:
                status, data = conn.append(f'"{folder}"', None, None, raw)
                assert status == "OK", data
        finally:
            conn.logout()

    def recreate(self, folder: str) -> None:
        conn = self.client()
        try:
            assert conn.delete(f'"{folder}"')[0] == "OK"
            assert conn.create(f'"{folder}"')[0] == "OK"
        finally:
            conn.logout()

    def uids(self, folder: str) -> list[int]:
        conn = self.client()
        try:
            conn.select(f'"{folder}"')
            return [int(u) for u in conn.uid("SEARCH", None, "ALL")[1][0].split()]
        finally:
            conn.logout()

    def messages(self, folder: str) -> list[bytes]:
        conn = self.client()
        try:
            conn.select(f'"{folder}"')
            out = []
            for uid in conn.uid("SEARCH", None, "ALL")[1][0].split():
                data = conn.uid("FETCH", uid, "(BODY.PEEK[])")[1]
                out.extend(bytes(item[1]) for item in data if isinstance(item, tuple))
            return out
        finally:
            conn.logout()


@contextlib.contextmanager
def pymap_server(
    user: str = "seller@acme-shop.example",
    password: str = "app-password-123",
    tls: tuple[str, str] | None = None,
) -> Iterator[ImapServer]:
    """pymap on loopback; ``tls=(cert file, key file)`` offers STARTTLS with that certificate."""
    port = free_port()
    security = ["--cert", tls[0], "--key", tls[1]] if tls else ["--no-tls"]
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pymap.main import main; sys.exit(main())",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *security,
            "dict",
            "--demo-data",
            "--demo-user",
            user,
            "--demo-password",
            password,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"pymap did not start: {process.stderr.read().decode()[-2000:]}"
                    ) from None
                time.sleep(0.1)
        yield ImapServer("127.0.0.1", port, user, password, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class CuttingRelay:
    """Relays TCP to ``upstream`` and, once armed, closes a connection after the server has sent it
    ``cut_after`` bytes: a connection dropped mid-fetch, against the real server behind it."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.cut_after: int | None = None
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.cuts = 0
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            budget = [self.cut_after]
            threading.Thread(target=self._pipe, args=(client, server, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, budget), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, budget: list[int | None] | None) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if budget is not None and budget[0] is not None:
                    if len(data) >= budget[0]:
                        dst.sendall(data[: budget[0]])
                        self.cuts += 1
                        break
                    budget[0] -= len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self._stop = True
        self.listener.close()


class SmtpHandler:
    """aiosmtpd handler: keeps what it accepts; ``answers`` queues codes to give instead (``"451 ..."``),
    ``drop`` closes the connection after DATA without answering (after calling ``on_drop``)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.answers: list[str] = []
        self.drop = False
        self.on_drop = None
        self.on_accept = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        content = envelope.original_content or envelope.content
        if self.drop:
            self.drop = False
            if self.on_drop is not None:
                self.on_drop(bytes(content))
            server.transport.close()
            return "250 OK"  # never reaches the client
        if self.answers:
            return self.answers.pop(0)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(content)))
        if self.on_accept is not None:
            self.on_accept(bytes(content))
        return "250 2.0.0 queued"


@contextlib.contextmanager
def smtp_server(user: str, password: str, ssl_context=None) -> Iterator[tuple[SmtpHandler, int]]:
    """aiosmtpd on loopback with AUTH; ``ssl_context`` makes it implicit TLS (SMTPS)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok)

    handler = SmtpHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
        ssl_context=ssl_context,
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
