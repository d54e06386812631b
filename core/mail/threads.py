"""Which ticket a mail belongs to: one thread is one ticket.

In order: the Message-IDs it answers (``In-Reply-To``, then ``References`` newest first) among the mails
the desk has seen or sent; then the marketplace order number it names (a ticket of this shop that came by
mail about the same order); then the same sender with the same subject (reply prefixes of every language
removed) within a window. None: the mail starts a thread.
"""

from __future__ import annotations

from crossdesk.mail.parse import ParsedMail
from crossdesk.store import Store

#: How far apart two mails of one sender with one subject may be and still be one thread (seconds).
SUBJECT_WINDOW = 14 * 86400


def find_ticket(
    store: Store,
    shop_id: int,
    mail: ParsedMail,
    *,
    when: int,
    order_id: int | None,
    order_ref: str,
    window: int = SUBJECT_WINDOW,
) -> int | None:
    db = store.db
    refs = [*mail.in_reply_to, *reversed(mail.references)]
    for ref in refs:
        row = db.execute(
            "SELECT ticket_id FROM mail_messages WHERE message_id = ? AND shop_id = ? AND ticket_id IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            [ref, shop_id],
        ).fetchone()
        if row:
            return row[0]
    if order_id is not None:
        row = db.execute(
            "SELECT id FROM tickets WHERE shop_id = ? AND order_id = ? AND external_id LIKE 'email:%' "
            "ORDER BY updated_at DESC, id DESC LIMIT 1",
            [shop_id, order_id],
        ).fetchone()
        if row:
            return row[0]
    if order_ref:
        row = db.execute(
            "SELECT ticket_id FROM mail_messages WHERE shop_id = ? AND order_ref = ? AND ticket_id IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            [shop_id, order_ref],
        ).fetchone()
        if row:
            return row[0]
    subject = mail.normalised_subject
    if mail.sender and subject:
        row = db.execute(
            "SELECT ticket_id FROM mail_messages WHERE shop_id = ? AND sender = ? AND norm_subject = ? "
            "AND ticket_id IS NOT NULL AND created_at BETWEEN ? AND ? ORDER BY id DESC LIMIT 1",
            [shop_id, mail.sender, subject, when - window, when + window],
        ).fetchone()
        if row:
            return row[0]
    return None
