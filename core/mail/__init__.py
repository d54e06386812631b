"""The e-mail channel: buyer mail in (import, IMAP), replies out (SMTP through the outbox).

``desk.mail`` (:class:`MailService`) is the service; docs/mail.md the reference.
"""

from crossdesk.mail.parse import ParsedMail, parse

__all__ = ["ParsedMail", "parse"]
