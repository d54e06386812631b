"""Polling a mail account over IMAP (imaplib, over TLS or STARTTLS) with a cursor that survives restarts.

The cursor is ``(UIDVALIDITY, last UID)`` per account and folder, stored in the same transaction as the
mail it covers, so a crash or a dropped connection leaves the desk at the last mail taken in and the next
poll resumes after it: nothing fetched twice, nothing lost. When the server's UIDVALIDITY changes (the
folder was recreated or rebuilt), the old UIDs mean nothing any more: the folder is read again from the
start, and the intake's de-duplication (same Message-ID, same bytes) stores nothing twice. Processed mail
is moved to the account's processed folder (``UID MOVE``, or COPY + delete + expunge) after it is stored.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crossdesk.errors import DeskError
from crossdesk.mail.accounts import Account
from crossdesk.mail.intake import MailIntake
from crossdesk.models import Actor
from crossdesk.store import Store
from crossdesk.sync.secrets import redact

log = logging.getLogger(__name__)

_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


class MailServerError(DeskError):
    """The mail server refused, failed or went away; the message says which account and why."""


@dataclass
class PollResult:
    account: str
    folder: str
    uidvalidity: int = 0
    fetched: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    moved: int = 0
    reset: bool = False  # UIDVALIDITY changed: the folder was read again from the start
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def connect_imap(
    account: Account, *, timeout: float = 60.0, context: ssl.SSLContext | None = None
) -> imaplib.IMAP4:
    """An IMAP connection to the account's server: implicit TLS, STARTTLS, or plain (``none``, for a
    server on loopback only)."""
    host, port = account.imap_host, account.imap_port
    if not host:
        raise MailServerError(f"mail account {account.name} has no IMAP server")
    try:
        if account.imap_security == "tls":
            return imaplib.IMAP4_SSL(
                host, port, ssl_context=context or ssl.create_default_context(), timeout=timeout
            )
        conn = imaplib.IMAP4(host, port, timeout=timeout)
        if account.imap_security == "starttls":
            conn.starttls(ssl_context=context or ssl.create_default_context())
        return conn
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailServerError(f"mail account {account.name}: cannot reach {host}:{port}: {exc}") from None


def _ok(answer: tuple[str, list[Any]], what: str) -> list[Any]:
    status, data = answer
    if status != "OK":
        raise MailServerError(f"{what}: {status} {data!r}")
    return data


def quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapPoller:
    def __init__(
        self,
        store: Store,
        intake: MailIntake,
        *,
        connect: Callable[[Account], imaplib.IMAP4] = connect_imap,
    ) -> None:
        self.store = store
        self.intake = intake
        self.connect = connect
        self._created: set[str] = set()

    def cursor(self, account_id: int, folder: str) -> tuple[int, int] | None:
        row = self.store.db.execute(
            "SELECT uidvalidity, last_uid FROM mail_cursors WHERE account_id = ? AND folder = ?",
            [account_id, folder],
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def _save(self, account_id: int, folder: str, uidvalidity: int, last_uid: int) -> None:
        self.store.db.execute(
            "INSERT INTO mail_cursors (account_id, folder, uidvalidity, last_uid, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (account_id, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
            "last_uid = excluded.last_uid, updated_at = excluded.updated_at",
            [account_id, folder, uidvalidity, last_uid, self.store.now()],
        )

    def poll(
        self, actor: Actor, account: Account, shop: dict[str, Any], password: str, *, limit: int = 500
    ) -> PollResult:
        """Take in up to ``limit`` new mails of the account's folder. A failure is reported in the result
        (``error``); what was stored before it stays stored, with its cursor."""
        self.store.require(actor, "manage_settings")
        result = PollResult(account.name, account.folder)
        conn: imaplib.IMAP4 | None = None
        try:
            conn = self.connect(account)
            try:
                conn.login(account.login, password)
            except imaplib.IMAP4.error as exc:
                raise MailServerError(f"mail account {account.name}: login refused: {exc}") from None
            # Servers announce more (MOVE, UIDPLUS) once signed in; imaplib keeps the greeting's list.
            caps = _ok(conn.capability(), "capability")[0]
            conn.capabilities = tuple(c.decode("ascii", "replace").upper() for c in caps.split())
            self._poll(actor, conn, account, shop, result, limit)
        except (TimeoutError, MailServerError, imaplib.IMAP4.error, OSError, EOFError) as exc:
            result.error = redact(
                f"{type(exc).__name__}: {exc}" if not isinstance(exc, MailServerError) else str(exc)
            )
            log.info("mail poll %s: %s", account.name, result.error)
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):  # the connection may already be gone
                    conn.logout()
        return result

    def _poll(
        self,
        actor: Actor,
        conn: imaplib.IMAP4,
        account: Account,
        shop: dict[str, Any],
        result: PollResult,
        limit: int,
    ) -> None:
        _ok(conn.select(quote(account.folder)), f"select {account.folder}")
        found = conn.response("UIDVALIDITY")[1]
        if not found or not found[0]:
            raise MailServerError(f"{account.folder}: the server gave no UIDVALIDITY")
        uidvalidity = int(found[0])
        result.uidvalidity = uidvalidity
        stored = self.cursor(account.id, account.folder)
        last_uid = 0
        if stored is not None and stored[0] == uidvalidity:
            last_uid = stored[1]
        elif stored is not None:
            result.reset = True
            with self.store.tx():
                self._save(account.id, account.folder, uidvalidity, 0)
                self.store.audit(
                    actor,
                    "mail.uidvalidity",
                    "mail_account",
                    account.id,
                    {"uidvalidity": stored[0]},
                    {"uidvalidity": uidvalidity, "folder": account.folder},
                )
        data = _ok(conn.uid("SEARCH", None, f"UID {last_uid + 1}:*"), "search")
        uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last_uid)[:limit]
        for uid in uids:
            raw = self._fetch(conn, uid)
            with self.store.tx():
                try:
                    outcome = self.intake.receive(actor, raw, shop, account.id)
                    result.kinds[outcome.kind] = result.kinds.get(outcome.kind, 0) + 1
                except DeskError as exc:  # refused: audited with the reason, the cursor moves on
                    result.refused += 1
                    self.store.audit(
                        actor,
                        "mail.refused",
                        "mail_account",
                        account.id,
                        None,
                        {"uid": uid, "folder": account.folder, "error": str(exc)},
                    )
                self._save(account.id, account.folder, uidvalidity, uid)
            result.fetched += 1
            if account.processed_folder:
                self._move(conn, uid, account.processed_folder)
                result.moved += 1

    def _fetch(self, conn: imaplib.IMAP4, uid: int) -> bytes:
        data = _ok(conn.uid("FETCH", str(uid), "(BODY.PEEK[])"), f"fetch {uid}")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return bytes(item[1])
        raise MailServerError(f"fetch {uid}: the server sent no message body")

    def _move(self, conn: imaplib.IMAP4, uid: int, folder: str) -> None:
        if folder not in self._created:  # a processed folder that does not exist yet is made once
            conn.create(quote(folder))  # "already exists" is an answer, not an error
            self._created.add(folder)
        if "MOVE" in conn.capabilities:
            _ok(conn.uid("MOVE", str(uid), quote(folder)), f"move {uid}")
            return
        _ok(conn.uid("COPY", str(uid), quote(folder)), f"copy {uid}")
        _ok(conn.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), f"delete {uid}")
        if "UIDPLUS" in conn.capabilities:
            _ok(conn.uid("EXPUNGE", str(uid)), f"expunge {uid}")
        else:
            _ok(conn.expunge(), "expunge")
