"""``desk.mail``: the e-mail channel's service (accounts, import, IMAP poll, attachments, originals)."""

from __future__ import annotations

import contextlib
import imaplib
import os
import shutil
import smtplib
import tempfile
import uuid
import weakref
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from crossdesk.customers import CustomerService
from crossdesk.errors import DeskError, NotFound
from crossdesk.intake.sql import audit_many, by_ids, insert_rows, next_id
from crossdesk.mail.accounts import Account, Accounts, password
from crossdesk.mail.attachments import MAX_BYTES, FileStore
from crossdesk.mail.imap import ImapPoller, PollResult, connect_imap, quote
from crossdesk.mail.intake import MailIntake, Outcome
from crossdesk.mail.smtp import MailConnector, connect_smtp
from crossdesk.mail.sources import by_date, read_path
from crossdesk.models import Actor
from crossdesk.orders import OrderService
from crossdesk.platforms import PlatformError
from crossdesk.store import Store
from crossdesk.sync.connections import ConnectionError_
from crossdesk.sync.secrets import redact
from crossdesk.tickets import TicketService

#: Where the files beside a desk go when the desk is in memory or the environment says so.
ENV_FILES = "CROSSDESK_FILES"


def files_root(store: Store) -> Path:
    """The directory beside the desk that holds raw mails and attachments: ``<desk>.files``."""
    if os.environ.get(ENV_FILES):
        return Path(os.environ[ENV_FILES])
    if store.in_memory:  # made on first use, removed with the service (see MailService)
        return Path(tempfile.gettempdir()) / f"crossdesk-files-{uuid.uuid4().hex}"
    path = Path(str(store.path))
    return path.with_name(path.name + ".files")


#: The note of a mail row made for an imported message, and the columns written for it and its files.
_ADOPTED = "imported from an export: the raw mail stayed with the desk it came from"
_MAIL_COLUMNS = ("id", "shop_id", "sha256", "kind", "ticket_id", "desk_message_id", "note", "created_at")
_FILE_COLUMNS = ("mail_id", "sha256", "filename", "declared_type", "sniffed_type", "size", "stored")


class MailService:
    def __init__(
        self,
        store: Store,
        *,
        tickets: TicketService,
        customers: CustomerService,
        orders: OrderService,
        root: Path | None = None,
        max_attachment_bytes: int = MAX_BYTES,
    ) -> None:
        self.store = store
        self.tickets = tickets
        self.files = FileStore(root or files_root(store), max_attachment_bytes)
        if root is None and store.in_memory and not os.environ.get(ENV_FILES):
            # an in-memory desk's files go with it
            weakref.finalize(self, shutil.rmtree, str(self.files.root), True)
        self.accounts = Accounts(store)
        self.intake = MailIntake(store, self.files, tickets=tickets, customers=customers, orders=orders)
        #: how IMAP connections are opened (tests and a private CA replace it)
        self.imap_connect: Callable[[Account], Any] = connect_imap
        #: how SMTP connections are opened
        self.smtp_connect: Callable[[Account], Any] = connect_smtp
        #: where passwords are read (None: the process environment, the default credentials file)
        self.env: Mapping[str, str] | None = None
        self.credentials_path: Path | None = None
        self._vault: Any = None
        self._vault_opened = False

    @property
    def vault(self) -> Any:
        """Where a password bound by ``crossdesk shops add`` lives (crossdesk.vault); None: no vault here."""
        if not self._vault_opened:
            from crossdesk.vault import open_vault

            self._vault_opened = True
            self._vault = open_vault(self.env, required=False)
        return self._vault

    @vault.setter
    def vault(self, vault: Any) -> None:
        self._vault, self._vault_opened = vault, True

    def _password(self, acc: Account, env: Mapping[str, str] | None = None, path: Path | None = None) -> Any:
        return password(
            acc,
            env=self.env if env is None else env,
            path=self.credentials_path if path is None else path,
            vault=self.vault,
        )

    # ---- intake ----------------------------------------------------------------------------------

    def shop(self, which: str | int) -> dict[str, Any]:
        """A shop row by id, external id or name."""
        row = self.store.row(
            "SELECT * FROM shops WHERE CAST(id AS TEXT) = ? OR external_id = ? OR name = ? ORDER BY id LIMIT 1",
            [str(which)] * 3,
        )
        if row is None:
            raise NotFound(f"no shop {which!r}")
        return row

    def receive(self, actor: Actor, raw: bytes, shop: str | int, account_id: int | None = None) -> Outcome:
        """One raw mail for a shop (see :class:`~crossdesk.mail.intake.MailIntake`)."""
        return self.intake.receive(actor, raw, self.shop(shop), account_id)

    def import_path(
        self,
        actor: Actor,
        path: str | Path,
        shop: str | int,
        *,
        on_mail: Callable[[str, Outcome | Exception], None] | None = None,
    ) -> Counter[str]:
        """Import every mail under ``path`` (a .eml, a directory, a Maildir, an mbox). Counts per outcome
        kind; a mail the desk refuses is counted as ``refused`` and reported to ``on_mail``, the rest go on."""
        self.store.require(actor, "manage_settings")
        row = self.shop(shop)
        counts: Counter[str] = Counter()
        for name, raw in by_date(read_path(path)):
            try:
                outcome = self.intake.receive(actor, raw, row)
            except DeskError as exc:
                counts["refused"] += 1
                if on_mail:
                    on_mail(name, exc)
                continue
            counts[outcome.kind] += 1
            if outcome.new_ticket:
                counts["tickets"] += 1
            if on_mail:
                on_mail(name, outcome)
        return counts

    # ---- IMAP ------------------------------------------------------------------------------------

    def poll(
        self,
        actor: Actor,
        account: str | int | None = None,
        *,
        env: Mapping[str, str] | None = None,
        credentials_path: Path | None = None,
        limit: int = 500,
    ) -> list[PollResult]:
        """Poll one account (by name or id) or every account; one account's failure is reported in its
        result and the others go on."""
        self.store.require(actor, "manage_settings")
        env = self.env if env is None else env
        credentials_path = self.credentials_path if credentials_path is None else credentials_path
        accounts = [self.accounts.get(actor, account)] if account is not None else self.accounts.list(actor)
        poller = ImapPoller(self.store, self.intake, connect=self.imap_connect)
        results = []
        for acc in accounts:
            try:
                secret = self._password(acc, env, credentials_path)
            except DeskError as exc:
                results.append(PollResult(acc.name, acc.folder, error=str(exc)))
                continue
            shop = self.store.get("shops", acc.shop_id)
            results.append(poller.poll(actor, acc, shop, secret, limit=limit))
        return results

    def test(self, actor: Actor, account: str | int) -> list[tuple[str, bool, str]]:
        """Check an account's servers and password without taking any mail: (what, ok, detail) lines."""
        self.store.require(actor, "manage_settings")
        acc = self.accounts.get(actor, account)
        try:
            secret = self._password(acc)
        except DeskError as exc:
            return [("password", False, str(exc))]
        return [("password", True, "found"), *self.check_login(acc, secret)]

    def check_settings(self, settings: Mapping[str, Any], secret: str) -> list[tuple[str, bool, str]]:
        """Log in with account settings not stored yet (a binding checks them before the seller consents):
        the same (what, ok, detail) lines as :meth:`test`; a setting mail accounts lack is refused."""
        defaults = {
            "id": 0,
            "name": "",
            "shop_id": 0,
            "address": "",
            "username": "",
            "imap_host": "",
            "imap_port": 993,
            "imap_security": "tls",
            "smtp_host": "",
            "smtp_port": 465,
            "smtp_security": "tls",
            "folder": "INBOX",
            "processed_folder": "",
            "sent_folder": "Sent",
        }
        bad = [k for k in settings if k not in defaults]
        if bad:
            raise DeskError(f"mail accounts have no setting {', '.join(bad)}")
        return self.check_login(Account.of({**defaults, **settings}), secret)

    def check_login(self, acc: Account, secret: str) -> list[tuple[str, bool, str]]:
        """Log in to the account's IMAP and SMTP servers with ``secret``; (what, ok, detail) lines."""
        checks: list[tuple[str, bool, str]] = []
        if acc.imap_host:
            try:
                conn = self.imap_connect(acc)
                try:
                    conn.login(acc.login, secret)
                    status, _ = conn.select(quote(acc.folder), readonly=True)
                    count = conn.response("EXISTS")[1]
                    detail = f"{acc.folder}: {count[-1].decode() if count and count[-1] else '?'} messages"
                    checks.append(
                        ("IMAP", status == "OK", detail if status == "OK" else f"no folder {acc.folder}")
                    )
                finally:
                    with contextlib.suppress(Exception):
                        conn.logout()
            except (DeskError, OSError, imaplib.IMAP4.error) as exc:
                checks.append(("IMAP", False, redact(str(exc))))
        if acc.smtp_host:
            try:
                smtp = self.smtp_connect(acc)
                try:
                    smtp.ehlo_or_helo_if_needed()
                    if smtp.has_extn("auth"):
                        smtp.login(acc.login, secret)
                        checks.append(("SMTP", True, f"{acc.smtp_host}:{acc.smtp_port} accepts {acc.login}"))
                    else:
                        checks.append(
                            ("SMTP", True, f"{acc.smtp_host}:{acc.smtp_port} answers (offers no AUTH)")
                        )
                finally:
                    with contextlib.suppress(Exception):
                        smtp.quit()
            except (OSError, smtplib.SMTPException, PlatformError) as exc:
                checks.append(("SMTP", False, redact(str(exc))))
        return checks

    # ---- SMTP --------------------------------------------------------------------------------------

    def connector(self, shop: Mapping[str, Any]) -> MailConnector:
        """The connector that sends a shop's mail replies (the outbox dispatcher's ``email`` channel)."""
        row = self.store.row(
            "SELECT * FROM mail_accounts WHERE shop_id = ? ORDER BY id LIMIT 1", [shop["id"]]
        )
        if row is None:
            raise ConnectionError_(
                f"shop {shop['name']} has no mail account to send mail replies from; add one with 'crossdesk mail add'"
            )
        account = Account.of(row)
        try:
            secret: str | None = self._password(account)
        except DeskError as exc:
            raise ConnectionError_(str(exc)) from None
        return MailConnector(
            self.store, account, secret, smtp_connect=self.smtp_connect, imap_connect=self.imap_connect
        )

    def adopt(self, actor: Actor, message_id: int, channel: str, attachments: list[dict[str, Any]]) -> None:
        """Restore, on an imported message, its channel and its attachments' metadata as exported."""
        self.adopt_many(actor, [(message_id, channel, attachments)])

    def adopt_many(self, actor: Actor, messages: Sequence[tuple[int, str, list[dict[str, Any]]]]) -> None:
        """:meth:`adopt` of each ``(message id, channel, attachments)``, a statement per table for them
        all (an import's batch: a seller's export may hold photos on many of its messages). Nothing is
        written if one attachment lacks its sha256 or filename, or one message is not in the desk."""
        self.store.require(actor, "manage_settings")
        for _, _, attachments in messages:
            for a in attachments:
                if not isinstance(a, dict) or not a.get("sha256") or not a.get("filename"):
                    raise DeskError("an attachment needs at least sha256 and filename")
        if not messages:
            return
        store = self.store
        with store.tx():
            found = by_ids(
                store, "messages", "ticket_id, shop_id, external_id, created_at", [m for m, _, _ in messages]
            )
            for message_id, _, _ in messages:
                if message_id not in found:
                    raise NotFound(f"no message #{message_id}")
            store.db.conn.executemany(
                "UPDATE messages SET channel = ? WHERE id = ?", [(channel, m) for m, channel, _ in messages]
            )
            mail_id = next_id(store, "mail_messages")
            mails: list[tuple] = []
            files: list[tuple] = []
            audits: list[tuple[str, str, int | None, Any, Any]] = []
            for message_id, _, attachments in messages:
                if not attachments:
                    continue
                ticket_id, shop_id, external_id, created_at = found[message_id]
                mails.append(
                    (
                        mail_id,
                        shop_id,
                        f"import:{external_id}",
                        "buyer",
                        ticket_id,
                        message_id,
                        _ADOPTED,
                        created_at,
                    )
                )
                files.extend(
                    (
                        mail_id,
                        str(a["sha256"]),
                        str(a["filename"]),
                        str(a.get("declared_type") or ""),
                        str(a.get("sniffed_type") or ""),
                        int(a.get("size") or 0),
                        int(bool(a.get("stored", True))),
                    )
                    for a in attachments
                )
                audits.append(("mail.adopt", "mail", mail_id, None, {"message_id": message_id}))
                mail_id += 1
            insert_rows(store, "mail_messages", _MAIL_COLUMNS, mails)
            insert_rows(store, "mail_attachments", _FILE_COLUMNS, files)
            audit_many(store, actor, audits)

    # ---- reading ---------------------------------------------------------------------------------

    def mail_of(self, actor: Actor, message_id: int) -> dict[str, Any]:
        """The mail row behind a desk message (its note, sender, Message-ID)."""
        self.store.require(actor, "view")
        row = self.store.row("SELECT * FROM mail_messages WHERE desk_message_id = ?", [message_id])
        if row is None:
            raise NotFound(f"message #{message_id} did not come by mail")
        return row

    def original(self, actor: Actor, message_id: int) -> bytes:
        """The raw mail a desk message was made from, byte for byte (quoted history and all)."""
        row = self.mail_of(actor, message_id)
        return self.files.get("raw", row["sha256"])

    def attachments(self, actor: Actor, ticket_id: int) -> list[dict[str, Any]]:
        """Every attachment of a ticket's mails, oldest first, with ``path`` when the file is kept."""
        self.store.require(actor, "view")
        rows = self.store.rows(
            "SELECT a.*, m.desk_message_id AS message_id FROM mail_attachments a JOIN mail_messages m "
            "ON m.id = a.mail_id WHERE m.ticket_id = ? ORDER BY a.id",
            [ticket_id],
        )
        for row in rows:
            path = self.files.path("attachments", row["sha256"])
            row["path"] = str(path) if row["stored"] and path.exists() else ""
        return rows

    def filed(self, actor: Actor, ticket_id: int | None = None) -> list[dict[str, Any]]:
        """Mail filed without a message: auto-replies, bounces, bulk, Amazon notices (of one ticket, or
        those that named none when ``ticket_id`` is None)."""
        self.store.require(actor, "view")
        where = "ticket_id IS NULL" if ticket_id is None else "ticket_id = ?"
        return self.store.rows(
            f"SELECT * FROM mail_messages WHERE kind NOT IN ('buyer', 'outbound') AND {where} ORDER BY id",
            [] if ticket_id is None else [ticket_id],
        )
