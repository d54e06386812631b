"""Replies by mail: the e-mail channel's connector for the outbox dispatcher.

A reply on a ticket that came by mail (its thread id starts with ``email:``) is handed by the dispatcher
to :class:`MailConnector` instead of the marketplace's connector. It is sent by SMTP (smtplib, TLS or
STARTTLS) from the seller's registered address of the shop's mail account to the buyer's address (for
Amazon, the relay address), with ``Message-ID`` (derived from the outbox item, so the same item always
carries the same id), ``In-Reply-To`` and ``References`` (the thread's mails) and ``Re:`` the ticket's
subject. Amazon's rules are linted first. Failures follow the connector contract
(:class:`~crossdesk.platforms.PlatformError`): an SMTP 4xx or a failure before the message was handed
over is retryable; a 5xx fails with the server's words; a connection lost after DATA is *ambiguous*, and
:meth:`MailConnector.find_sent` then looks for our Message-ID in the Sent folder over IMAP instead of
sending again.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import mimetypes
import re
import secrets
import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from crossdesk.mail.accounts import Account
from crossdesk.mail.imap import MailServerError, quote
from crossdesk.mail.lint import lint_amazon
from crossdesk.mail.parse import normalise_subject
from crossdesk.platforms import MessageOut, PlatformError, Result, manual
from crossdesk.store import Store

#: the most Message-IDs kept in a References header (RFC 5322 allows trimming the middle)
MAX_REFERENCES = 20


def desk_token(store: Store) -> str:
    """A random token of this desk, made once: outbox keys are unique per desk only, and two desks (a
    rebuilt one, a test desk) may send through one mailbox."""
    token = store.get_setting("mail.desk_token")
    if not token:
        token = secrets.token_hex(8)
        with store.tx():
            store.put_setting("mail.desk_token", token)
    return str(token)


def message_id_for(action: MessageOut, account: Account, token: str = "") -> str:
    """Our Message-ID of an outbox item (without brackets): the same for every attempt at one item."""
    key = f"{token}\0{action.shop_external_id}\0{action.idempotency_key}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    domain = account.address.rsplit("@", 1)[-1]
    return f"crossdesk.{digest}@{domain}"


def connect_smtp(
    account: Account, *, timeout: float = 60.0, context: ssl.SSLContext | None = None
) -> smtplib.SMTP:
    if not account.smtp_host:
        raise PlatformError(f"mail account {account.name} has no SMTP server", manual_step=None)
    if account.smtp_security == "tls":
        return smtplib.SMTP_SSL(
            account.smtp_host,
            account.smtp_port,
            timeout=timeout,
            context=context or ssl.create_default_context(),
        )
    conn = smtplib.SMTP(account.smtp_host, account.smtp_port, timeout=timeout)
    if account.smtp_security == "starttls":
        conn.starttls(context=context or ssl.create_default_context())
    return conn


class MailConnector:
    """Sends one shop's mail replies (capability ``messages_out``) and finds them again (``find_sent``)."""

    capabilities = frozenset({"messages_out"})

    def __init__(
        self,
        store: Store,
        account: Account,
        password: str | None,
        *,
        smtp_connect: Callable[[Account], smtplib.SMTP] = connect_smtp,
        imap_connect: Callable[[Account], imaplib.IMAP4] | None = None,
    ) -> None:
        self.store = store
        self.account = account
        self.password = password
        self.smtp_connect = smtp_connect
        self.imap_connect = imap_connect

    # ---- building ----------------------------------------------------------------------------

    def build(self, action: MessageOut) -> tuple[EmailMessage, str, int]:
        """The mail for ``action``, the buyer's address and the ticket id."""
        db = self.store.db
        ticket = self.store.row(
            "SELECT id, subject, language FROM tickets WHERE external_id = ? AND shop_id = ?",
            [action.thread_id, self.account.shop_id],
        )
        if ticket is None:
            raise PlatformError(f"no mail thread {action.thread_id} on this shop")
        last = db.execute(
            "SELECT sender, message_id FROM mail_messages WHERE ticket_id = ? AND kind = 'buyer' ORDER BY created_at DESC, id DESC LIMIT 1",
            [ticket["id"]],
        ).fetchone()
        if last is None or not last[0]:
            raise PlatformError("this thread has no buyer address to reply to", manual_step=None)
        refs = [
            r[0]
            for r in db.execute(
                "SELECT message_id FROM mail_messages WHERE ticket_id = ? AND kind IN ('buyer', 'outbound') "
                "AND message_id <> '' ORDER BY created_at, id",
                [ticket["id"]],
            )
        ]
        if len(refs) > MAX_REFERENCES:
            refs = refs[:1] + refs[-(MAX_REFERENCES - 1) :]
        msg = EmailMessage()
        msg["From"] = self.account.address
        msg["To"] = last[0]
        subject = ticket["subject"] or ""
        msg["Subject"] = subject if re.match(r"(?i)^\s*re\s*:", subject) else f"Re: {subject}"
        msg["Date"] = format_datetime(datetime.fromtimestamp(action.created_at, UTC))
        msg["Message-ID"] = f"<{message_id_for(action, self.account, desk_token(self.store))}>"
        if last[1]:
            msg["In-Reply-To"] = f"<{last[1]}>"
        if refs:
            msg["References"] = " ".join(f"<{r}>" for r in refs)
        msg["Auto-Submitted"] = "no"
        msg.set_content(action.body, charset="utf-8")
        if ticket["language"]:  # after set_content, which replaces every Content-* header
            msg["Content-Language"] = ticket["language"]
        return msg, last[0], ticket["id"]

    def lint(self, action: MessageOut, recipient: str) -> list[str]:
        from crossdesk.mail.marketplaces import is_amazon_relay

        if action.platform == "amazon" or is_amazon_relay(recipient):
            return lint_amazon(
                action.body,
                [(a.file_name, mimetypes.guess_type(a.file_name)[0] or "", 0) for a in action.attachments],
            )
        return []

    # ---- the connector contract ----------------------------------------------------------------

    def send_message(self, action: MessageOut) -> Result:
        if action.attachments:  # uploads named by a platform's id: nothing this channel can attach
            raise manual(
                "files uploaded to a marketplace cannot be attached to a mail reply: send this reply from "
                "your mail client with the files attached, then mark this item sent"
            )
        msg, recipient, ticket_id = self.build(action)
        problems = self.lint(action, recipient)
        if problems:
            raise PlatformError("not sent, Amazon would refuse it: " + "; ".join(problems), code="lint")
        raw = bytes(msg)
        mid = message_id_for(action, self.account, desk_token(self.store))
        self._record(mid, raw, ticket_id, action, recipient, msg["Subject"])
        try:
            conn = self.smtp_connect(self.account)
        except PlatformError:
            raise
        except (OSError, smtplib.SMTPException) as exc:
            raise PlatformError(f"cannot reach the SMTP server: {exc}", retryable=True) from None
        try:
            try:
                conn.ehlo_or_helo_if_needed()
                if self.password and conn.has_extn("auth"):  # a loopback test server may offer none
                    conn.login(self.account.login, self.password)
                code, answer = conn.mail(self.account.address)
                if code >= 400:
                    raise smtplib.SMTPSenderRefused(code, answer, self.account.address)
                code, answer = conn.rcpt(recipient)
                if code >= 400:
                    raise smtplib.SMTPRecipientsRefused({recipient: (code, answer)})
            except smtplib.SMTPRecipientsRefused as exc:
                code, answer = next(iter(exc.recipients.values()))
                raise self._refused(code, answer) from None
            except smtplib.SMTPResponseException as exc:
                raise self._refused(exc.smtp_code, exc.smtp_error) from None
            except (OSError, smtplib.SMTPException) as exc:  # before DATA: surely not sent
                raise PlatformError(
                    f"SMTP failed before the message was handed over: {exc}", retryable=True
                ) from None
            try:
                code, answer = conn.data(raw)
            except smtplib.SMTPResponseException as exc:
                raise self._refused(exc.smtp_code, exc.smtp_error) from None
            except (TimeoutError, OSError, smtplib.SMTPException) as exc:
                raise PlatformError(
                    f"the connection was lost after the message was handed over ({exc}); it may have been sent",
                    ambiguous=True,
                ) from None
            if code >= 400:  # smtplib returns the answer to the message itself rather than raising
                raise self._refused(code, answer)
        finally:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()
        return {"external_id": f"email:{mid}", "smtp": f"{code} {answer.decode(errors='replace')}"}

    @staticmethod
    def _refused(code: int, answer: bytes | str) -> PlatformError:
        words = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
        if 400 <= code < 500:
            return PlatformError(f"SMTP {code} {words}", retryable=True, status=code)
        return PlatformError(f"SMTP {code} {words}", status=code)

    def find_sent(self, action: MessageOut) -> Result | None:
        """Our Message-ID in the account's Sent folder over IMAP: found means it was sent."""
        if self.imap_connect is None or not self.account.imap_host:
            raise PlatformError("no IMAP server to check the Sent folder on", retryable=True)
        mid = message_id_for(action, self.account, desk_token(self.store))
        try:
            conn = self.imap_connect(self.account)
        except MailServerError as exc:
            raise PlatformError(str(exc), retryable=True) from None
        try:
            conn.login(self.account.login, self.password or "")
            status, _ = conn.select(quote(self.account.sent_folder), readonly=True)
            if status != "OK":
                raise PlatformError(f"no folder {self.account.sent_folder} to check", retryable=True)
            status, data = conn.uid("SEARCH", None, "HEADER", "Message-ID", f'"<{mid}>"')
            found = status == "OK" and bool((data[0] or b"").split())
        except (imaplib.IMAP4.error, OSError) as exc:
            raise PlatformError(f"cannot read the Sent folder: {exc}", retryable=True) from None
        finally:
            with contextlib.suppress(Exception):
                conn.logout()
        return {"external_id": f"email:{mid}"} if found else None

    # ---- bookkeeping ---------------------------------------------------------------------------

    def _record(
        self, mid: str, raw: bytes, ticket_id: int, action: MessageOut, recipient: str, subject: str
    ) -> None:
        """Our reply's Message-ID on its thread before it leaves, so the buyer's answer threads onto it."""
        sha = hashlib.sha256(raw).hexdigest()
        with self.store.tx():
            self.store.db.execute(
                "INSERT OR IGNORE INTO mail_messages (shop_id, account_id, message_id, sha256, kind, ticket_id, "
                "desk_message_id, sender, subject, norm_subject, created_at) VALUES (?, ?, ?, ?, 'outbound', ?, ?, ?, ?, ?, ?)",
                [
                    self.account.shop_id,
                    self.account.id,
                    mid,
                    sha,
                    ticket_id,
                    action.message_id,
                    recipient,
                    subject,
                    normalise_subject(subject),
                    action.created_at,
                ],
            )
            if action.message_id:  # the reply travels by mail too
                self.store.db.execute(
                    "UPDATE messages SET channel = 'email' WHERE id = ?", [action.message_id]
                )
