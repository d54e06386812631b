"""One raw mail into the desk: parsed, deduplicated, threaded, and stored through the ticket intake.

A buyer's mail goes through ``tickets.receive`` like a marketplace message (language detection,
classification, SLA clocks and rules run on it), with ``channel = "email"`` on the message, the buyer's
words as its body (quoted history and signature cut; the whole original kept on disk, one key away), the
buyer merged with the order's buyer, the order linked. Noise (auto-replies, bounces, bulk mail, Amazon's
own notices) makes no ticket and no message: it is recorded beside its thread, or apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crossdesk.customers import CustomerService
from crossdesk.errors import DeskError
from crossdesk.mail import marketplaces, noise, threads
from crossdesk.mail.attachments import FileStore
from crossdesk.mail.parse import ParsedMail, parse
from crossdesk.mail.quotes import strip_reply
from crossdesk.models import Actor
from crossdesk.orders import OrderService
from crossdesk.store import Store
from crossdesk.tickets import TicketService

#: The tag of a ticket one of whose mails had a broken MIME structure.
MALFORMED_TAG = "mail-malformed"


@dataclass
class Outcome:
    """What one mail became: ``kind`` is ``buyer``, ``duplicate`` or a noise kind (``autoreply``,
    ``bounce``, ``bulk``, ``delivery_notice``, ``undeliverable``)."""

    kind: str
    mail_id: int | None = None
    ticket_id: int | None = None
    message_id: int | None = None
    new_ticket: bool = False
    notes: list[str] = field(default_factory=list)


class MailIntake:
    def __init__(
        self,
        store: Store,
        files: FileStore,
        *,
        tickets: TicketService,
        customers: CustomerService,
        orders: OrderService,
    ) -> None:
        self.store = store
        self.files = files
        self.tickets = tickets
        self.customers = customers
        self.orders = orders

    def receive(
        self, actor: Actor, raw: bytes, shop: dict[str, Any], account_id: int | None = None
    ) -> Outcome:
        """Take one raw mail for ``shop`` (a shops row). Idempotent on the bytes and on the Message-ID."""
        self.store.require(actor, "manage_settings")
        mail = parse(raw)
        if not (mail.sender or mail.message_id or mail.date):
            raise DeskError("not a mail: it has no From, Message-ID or Date header")
        db = self.store.db
        dup = db.execute(
            "SELECT id, ticket_id FROM mail_messages WHERE shop_id = ? AND (sha256 = ? OR (? <> '' AND message_id = ?)) "
            "LIMIT 1",
            [shop["id"], mail.sha256, mail.message_id, mail.message_id],
        ).fetchone()
        if dup is not None:
            return Outcome("duplicate", mail_id=dup[0], ticket_id=dup[1])
        self.files.put("raw", raw, mail.sha256)
        when = mail.date or self.store.now()
        platform = shop["platform"]
        kind = noise.classify(mail.message, mail.sender, mail.subject) or marketplaces.amazon_notice(
            mail.sender, mail.subject, mail.text
        )
        relay = marketplaces.is_amazon_relay(mail.sender)
        text = marketplaces.unwrap_amazon(mail.text) if (relay or platform == "amazon") else mail.text
        words = strip_reply(text) if text else ""
        refs = marketplaces.order_refs(mail.subject, text, platform)
        order_id, order_ref = self._order(shop, refs)
        notes = list(mail.notes)
        if mail.malformed:
            notes.insert(
                0, f"malformed MIME ({', '.join(mail.defects)}): read as far as it goes, original kept"
            )
        with self.store.tx():
            ticket_id = threads.find_ticket(
                self.store, shop["id"], mail, when=when, order_id=order_id, order_ref=order_ref
            )
            row = {
                "shop_id": shop["id"],
                "account_id": account_id,
                "message_id": mail.message_id,
                "sha256": mail.sha256,
                "sender": mail.sender,
                "subject": mail.subject[:500],
                "norm_subject": mail.normalised_subject[:500],
                "order_ref": order_ref,
                "note": "; ".join(notes)[:2000],
                "created_at": when,
            }
            if kind:
                mail_id = self.store.insert("mail_messages", dict(row, kind=kind, ticket_id=ticket_id))
                self.store.audit(
                    actor, "mail.filed", "mail", mail_id, None, {"kind": kind, "ticket_id": ticket_id}
                )
                return Outcome(kind, mail_id=mail_id, ticket_id=ticket_id, notes=notes)
            customer_id = self._buyer(actor, shop, mail, order_id, relay)
            thread_id = self._thread_id(ticket_id, mail)
            body = words or self._placeholder(mail)
            ticket_id, message_id, _ = self.tickets.receive(
                actor,
                platform=platform,
                shop_id=shop["id"],
                thread_id=thread_id,
                external_id=f"email:{mail.message_id or mail.sha256}",
                body=body,
                created_at=when,
                customer_id=customer_id,
                order_id=order_id,
                subject=mail.subject[:200],
                author=mail.sender_name or mail.sender,
            )
            new_ticket = (
                db.execute("SELECT COUNT(*) FROM messages WHERE ticket_id = ?", [ticket_id]).fetchone()[0]
                == 1
            )
            db.execute("UPDATE messages SET channel = 'email' WHERE id = ?", [message_id])
            mail_id = self.store.insert(
                "mail_messages", dict(row, kind="buyer", ticket_id=ticket_id, desk_message_id=message_id)
            )
            for part in mail.attachments:
                stored = self.files.attachment(part.data, part.declared_type)
                self.store.insert(
                    "mail_attachments",
                    {
                        "mail_id": mail_id,
                        "sha256": stored.sha256,
                        "filename": part.filename[:255],
                        "declared_type": part.declared_type,
                        "sniffed_type": stored.sniffed_type,
                        "size": stored.size,
                        "stored": int(stored.stored),
                        "note": stored.note,
                    },
                )
            if mail.malformed:
                db.execute(
                    "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)",
                    [ticket_id, MALFORMED_TAG],
                )
            self.store.audit(
                actor,
                "mail.receive",
                "mail",
                mail_id,
                None,
                {"ticket_id": ticket_id, "message_id": message_id, "attachments": len(mail.attachments)},
            )
        return Outcome("buyer", mail_id, ticket_id, message_id, new_ticket, notes)

    # ---- parts ---------------------------------------------------------------------------------

    def _order(self, shop: dict[str, Any], refs: list[marketplaces.OrderRef]) -> tuple[int | None, str]:
        """The desk's order named by the mail (the shop's own platform's format first) and the number."""
        first = ""
        mine = {shop["platform"], "ebay-item"} if shop["platform"] == "ebay" else {shop["platform"]}
        for ref in refs:
            if ref.platform not in mine and shop["platform"] != "own":
                continue
            first = first or ref.number
            for candidate in (ref.number, ref.number.lstrip("#")):
                order_id = self.orders.id_of(shop["platform"], shop["id"], candidate)
                if order_id is not None:
                    return order_id, ref.number
        return None, first

    def _buyer(
        self, actor: Actor, shop: dict[str, Any], mail: ParsedMail, order_id: int | None, relay: bool
    ) -> int | None:
        """The buyer: the order's buyer when the mail names an order (the relay or mail address joins that
        profile as an identity), else the profile the address belongs to (merged across platforms by
        e-mail)."""
        if not mail.sender:
            return None
        identity = f"email:{mail.sender}"
        db = self.store.db
        known = db.execute(
            "SELECT customer_id FROM customer_identities WHERE platform = ? AND shop_id = ? AND external_id = ?",
            [shop["platform"], shop["id"], identity],
        ).fetchone()
        if known is not None:
            return known[0]
        if order_id is not None:
            row = db.execute("SELECT customer_id FROM orders WHERE id = ?", [order_id]).fetchone()
            if row and row[0] is not None:
                self.store.insert(
                    "customer_identities",
                    {
                        "customer_id": row[0],
                        "platform": shop["platform"],
                        "shop_id": shop["id"],
                        "external_id": identity,
                        "handle": "amazon relay" if relay else "",
                        "email": mail.sender,
                    },
                )
                self.store.audit(
                    actor,
                    "customer.identity_add",
                    "customer",
                    row[0],
                    None,
                    {"platform": shop["platform"], "shop_id": shop["id"], "external_id": identity},
                )
                return row[0]
        return self.customers.upsert(
            actor,
            platform=shop["platform"],
            shop_id=shop["id"],
            external_id=identity,
            name=mail.sender_name,
            email=mail.sender,
            handle="amazon relay" if relay else "",
        )

    def _thread_id(self, ticket_id: int | None, mail: ParsedMail) -> str:
        if ticket_id is not None:
            return self.tickets.row(ticket_id)["external_id"]
        return f"email:{mail.message_id or mail.sha256}"

    @staticmethod
    def _placeholder(mail: ParsedMail) -> str:
        if mail.attachments:
            names = ", ".join(p.filename for p in mail.attachments[:5])
            return f"(no text; attached: {names})"
        if mail.malformed:
            return f"(this mail's MIME structure is broken ({', '.join(mail.defects)}); no text could be read: see the original)"
        return "(empty mail)"
