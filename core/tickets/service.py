"""Tickets and their messages: intake of buyer messages, replies and notes, ticket changes, the inbox list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import PRIORITY_LEVELS, Actor, Direction, TicketStatus
from crossdesk.orders import Rates
from crossdesk.outbox import OutboxService, requests
from crossdesk.platforms import MessageOut
from crossdesk.store import Store
from crossdesk.store.values import required
from crossdesk.tickets.filters import ticket_filter
from crossdesk.tickets.text import clean_text

#: Largest message body accepted, in characters. Bigger bodies are refused with a clear error rather
#: than silently cut: a platform that sends 1 MB of text is sending something other than a message.
MAX_BODY_CHARS = 1_000_000

#: Ticket fields :meth:`TicketService.update` may change.
UPDATABLE = frozenset(
    {
        "status",
        "type",
        "priority",
        "priority_level",
        "subject",
        "language",
        "intent",
        "escalated",
        "assignee_id",
        "team_id",
        "first_reply_due",
        "next_reply_due",
        "resolution_due",
        "sla_due",
        "sentiment",
        "flags",
    }
)

#: How the inbox list may be ordered.
ORDERS = {
    "priority": "t.priority DESC, t.created_at ASC, t.id ASC",
    "created": "t.created_at ASC, t.id ASC",
    "updated": "t.updated_at DESC, t.id DESC",
}


class TicketService:
    """``desk.tickets``: every change to a ticket is permission-checked, audited and raises its event."""

    def __init__(self, store: Store, rates: Rates, outbox: OutboxService) -> None:
        self.store = store
        self.rates = rates
        self.outbox = outbox

    # ---- intake ------------------------------------------------------------------------------------

    def receive(
        self,
        actor: Actor,
        *,
        platform: str,
        shop_id: int,
        thread_id: str,
        external_id: str,
        body: str | bytes,
        created_at: int,
        customer_id: int | None = None,
        order_id: int | None = None,
        subject: str = "",
        language: str = "",
        author: str = "",
    ) -> tuple[int, int, bool]:
        """Store a buyer message, creating or reopening its ticket. Returns (ticket_id, message_id, new).

        Idempotent: a message already stored (same platform, shop and external id) is not stored again and
        comes back with ``new=False``. Broken UTF-8 is repaired with U+FFFD and the message flagged, so a
        bad byte never costs the rest of the text.
        """
        store = self.store
        store.require(actor, "manage_settings")
        body, repaired = clean_text(body)
        if len(body) > MAX_BODY_CHARS:
            raise DeskError(
                f"message {external_id} is {len(body):,} characters; the limit is {MAX_BODY_CHARS:,}"
            )
        if not body.strip():
            raise DeskError(f"message {external_id} is empty")
        thread_id = required(thread_id, "thread id")
        external_id = required(external_id, "message external_id")
        created_at = int(created_at)
        with store.tx():
            dup = store.db.execute(
                "SELECT ticket_id, id FROM messages WHERE platform = ? AND shop_id = ? AND external_id = ?",
                [platform, shop_id, external_id],
            ).fetchone()
            if dup is not None:
                return dup[0], dup[1], False
            ticket = store.db.execute(
                "SELECT id, status, last_customer_msg_at, customer_id, order_id FROM tickets "
                "WHERE platform = ? AND shop_id = ? AND external_id = ?",
                [platform, shop_id, thread_id],
            ).fetchone()
            created_ticket = ticket is None
            if created_ticket:
                tier, value = self._context(customer_id, order_id)
                ticket_id = store.insert(
                    "tickets",
                    {
                        "platform": platform,
                        "shop_id": shop_id,
                        "external_id": thread_id,
                        "customer_id": customer_id,
                        "order_id": order_id,
                        "subject": subject or body.strip().splitlines()[0][:120],
                        "status": int(TicketStatus.NEW),
                        "language": language,
                        "tier": tier,
                        "order_value_usd": value,
                        "created_at": created_at,
                        "updated_at": created_at,
                        "last_customer_msg_at": created_at,
                    },
                )
                store.audit(
                    actor,
                    "ticket.create",
                    "ticket",
                    ticket_id,
                    None,
                    {"platform": platform, "shop_id": shop_id, "external_id": thread_id},
                )
            else:
                ticket_id = ticket[0]
                patch: dict[str, Any] = {"updated_at": max(created_at, store.now())}
                if ticket[2] is None or created_at > ticket[2]:
                    patch["last_customer_msg_at"] = created_at
                if ticket[1] in (TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED):
                    patch["status"] = int(TicketStatus.OPEN)  # the buyer wrote again: back in the queue
                    patch["solved_at"] = None
                if ticket[3] is None and customer_id is not None:
                    patch["customer_id"] = customer_id
                if ticket[4] is None and order_id is not None:
                    patch["order_id"] = order_id
                if "customer_id" in patch or "order_id" in patch:
                    patch["tier"], patch["order_value_usd"] = self._context(
                        patch.get("customer_id", ticket[3]), patch.get("order_id", ticket[4])
                    )
                if "status" in patch:
                    store.audit(
                        actor,
                        "ticket.reopen",
                        "ticket",
                        ticket_id,
                        {"status": ticket[1]},
                        {"status": patch["status"]},
                    )
                store.update("tickets", ticket_id, patch)
            message_id = store.insert(
                "messages",
                {
                    "ticket_id": ticket_id,
                    "platform": platform,
                    "shop_id": shop_id,
                    "external_id": external_id,
                    "direction": Direction.IN.value,
                    "author": author,
                    "body": body,
                    "language": language,
                    "created_at": created_at,
                },
            )
            if repaired:
                store.db.execute(
                    "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, 'encoding-repaired')",
                    [ticket_id],
                )
            if created_ticket:
                store.emit(actor, "ticket_created", "ticket", ticket_id, message_id=message_id)
            store.emit(actor, "message_received", "ticket", ticket_id, message_id=message_id)
        return ticket_id, message_id, True

    def _context(self, customer_id: int | None, order_id: int | None) -> tuple[int, float]:
        """The buyer's tier and the order's value in USD, which the score reads from the ticket row."""
        tier = 0
        value = 0.0
        if customer_id is not None:
            row = self.store.db.execute("SELECT tier FROM customers WHERE id = ?", [customer_id]).fetchone()
            tier = row[0] if row else 0
        if order_id is not None:
            row = self.store.db.execute(
                "SELECT total_minor, currency FROM orders WHERE id = ?", [order_id]
            ).fetchone()
            if row:
                value = round(self.rates.to_usd(row[0], row[1]), 2)
        return tier, value

    # ---- reading -------------------------------------------------------------------------------------

    def get(self, actor: Actor, ticket_id: int) -> dict:
        """A ticket with its messages, tags, shop, customer and order."""
        self.store.require(actor, "view")
        row = self.row(ticket_id)
        row["tags"] = self.tags(ticket_id)
        row["messages"] = self.store.rows(
            "SELECT * FROM messages WHERE ticket_id = ? ORDER BY created_at, id", [ticket_id]
        )
        row["shop"] = self.store.get("shops", row["shop_id"])
        return row

    def row(self, ticket_id: int) -> dict:
        """The ticket's row as stored (no permission check: for services acting on a ticket)."""
        found = self.store.row("SELECT * FROM tickets WHERE id = ?", [ticket_id])
        if found is None:
            raise NotFound(f"no ticket #{ticket_id}")
        return found

    def filter_values(self, actor: Actor) -> dict[str, list[str]]:
        """The values the inbox filters may take on this desk: ticket ``languages`` and ``order_statuses``
        (so an unknown one is an error that lists them, not an empty list)."""
        self.store.require(actor, "view")
        db = self.store.db
        return {
            "languages": [r[0] for r in db.execute("SELECT DISTINCT language FROM tickets WHERE language <> ''")],
            "order_statuses": [r[0] for r in db.execute("SELECT DISTINCT status FROM orders")],
        }

    def by_ids(self, actor: Actor, ids: Sequence[int]) -> list[dict]:
        """Ticket rows for ``ids``, in the order given (a page of the live queue), with their names;
        unknown ids are left out."""
        self.store.require(actor, "view")
        found: dict[int, dict] = {}
        for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
            part = list(ids[start : start + 500])
            marks = ",".join("?" * len(part))
            for row in self.store.rows(f"SELECT * FROM tickets WHERE id IN ({marks})", part):
                found[row["id"]] = row
        rows = [found[i] for i in ids if i in found]
        self.add_names(actor, rows)
        return rows

    def add_names(self, actor: Actor, rows: Sequence[dict]) -> None:
        """Add ``shop_name``, ``buyer`` and ``assignee`` to ticket rows in place (three queries per page,
        whatever the page size)."""
        self.store.require(actor, "view")
        for key, table, column, target in (
            ("shop_id", "shops", "name", "shop_name"),
            ("customer_id", "customers", "name", "buyer"),
            ("assignee_id", "agents", "name", "assignee"),
        ):
            wanted = sorted({r[key] for r in rows if r.get(key) is not None})
            names: dict[int, str] = {}
            if wanted:
                marks = ",".join("?" * len(wanted))
                names = dict(
                    self.store.db.execute(f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", wanted)
                )
            for row in rows:
                row[target] = names.get(row.get(key), "")

    def tags(self, ticket_id: int) -> list[str]:
        return [
            r[0]
            for r in self.store.db.execute(
                "SELECT tag FROM ticket_tags WHERE ticket_id = ? ORDER BY tag", [ticket_id]
            )
        ]

    def list(
        self,
        actor: Actor,
        *,
        limit: int = 100,
        offset: int = 0,
        order: str = "priority",
        **filters: Any,
    ) -> list[dict]:
        """Tickets for the inbox filters (see :func:`~crossdesk.tickets.filters.ticket_filter`), highest
        priority first (``order="created"`` for oldest first, ``"updated"`` for most recently changed)."""
        self.store.require(actor, "view")
        where, args = ticket_filter(**filters)
        order_sql = ORDERS.get(order)
        if order_sql is None:
            raise DeskError(f"unknown order {order!r}")
        sql = f"SELECT t.* FROM tickets t WHERE {where} ORDER BY {order_sql} LIMIT ? OFFSET ?"
        return self.store.rows(sql, [*args, limit, offset])

    def count(self, actor: Actor, **filters: Any) -> int:
        """How many tickets :meth:`list` would page through for the same filters."""
        self.store.require(actor, "view")
        where, args = ticket_filter(**filters)
        return int(self.store.db.execute(f"SELECT COUNT(*) FROM tickets t WHERE {where}", args).fetchone()[0])

    # ---- changing ------------------------------------------------------------------------------------

    def update(self, actor: Actor, ticket_id: int, *, event: bool = True, **changes: Any) -> dict:
        """Change ticket fields (status, type, priority, assignee...). Returns the fields that changed."""
        store = self.store
        store.require(actor, "reply")
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise DeskError(f"cannot set {', '.join(sorted(unknown))} on a ticket")
        if "status" in changes:
            changes["status"] = int(TicketStatus.parse(changes["status"]))
        agent = changes.get("assignee_id")
        if (
            agent is not None
            and not store.db.execute("SELECT 1 FROM agents WHERE id = ?", [agent]).fetchone()
        ):
            raise NotFound(f"no agent #{agent}")
        with store.tx():
            before = self.row(ticket_id)
            diff = {k: v for k, v in changes.items() if before[k] != v}
            if not diff:
                return {}
            patch = dict(diff, updated_at=store.now())
            if diff.get("status") in (TicketStatus.SOLVED, TicketStatus.CLOSED):
                patch["solved_at"] = store.now()
            store.update("tickets", ticket_id, patch)
            store.audit(actor, "ticket.update", "ticket", ticket_id, {k: before[k] for k in diff}, diff)
            if event:
                store.emit(
                    actor,
                    "ticket_updated",
                    "ticket",
                    ticket_id,
                    changes={k: (before[k], v) for k, v in diff.items()},
                )
        return diff

    def set_priority_level(self, actor: Actor, ticket_id: int, level: str) -> dict[str, Any]:
        """Set a ticket's priority level (low, normal, high, urgent), audited, raising ``ticket_updated``.

        The level is the seller's "how urgent is this" (SLA targets are chosen by it); the ``priority``
        column stays the queue score that re-scoring writes.
        """
        self.store.require(actor, "reply")
        level = level.strip().lower()
        if level not in PRIORITY_LEVELS:
            raise DeskError(f"unknown priority {level!r}; known: {', '.join(PRIORITY_LEVELS)}")
        return self.update(actor, ticket_id, priority_level=level)

    def add_tags(self, actor: Actor, ticket_id: int, tags: Iterable[str]) -> list[str]:
        store = self.store
        store.require(actor, "reply")
        added = []
        with store.tx():
            self.row(ticket_id)
            for tag in tags:
                tag = tag.strip().lower()
                if (
                    tag
                    and store.db.execute(
                        "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)", [ticket_id, tag]
                    ).rowcount
                ):
                    added.append(tag)
            if added:
                store.audit(actor, "ticket.tag", "ticket", ticket_id, None, {"added": added})
                store.emit(actor, "ticket_updated", "ticket", ticket_id, changes={"tags": (None, added)})
        return added

    def remove_tags(self, actor: Actor, ticket_id: int, tags: Iterable[str]) -> list[str]:
        store = self.store
        store.require(actor, "reply")
        removed = []
        with store.tx():
            for tag in tags:
                tag = tag.strip().lower()
                if store.db.execute(
                    "DELETE FROM ticket_tags WHERE ticket_id = ? AND tag = ?", [ticket_id, tag]
                ).rowcount:
                    removed.append(tag)
            if removed:
                store.audit(actor, "ticket.untag", "ticket", ticket_id, {"removed": removed}, None)
                store.emit(actor, "ticket_updated", "ticket", ticket_id, changes={"tags": (removed, None)})
        return removed

    # ---- writing to the buyer ------------------------------------------------------------------------

    def reply(
        self,
        actor: Actor,
        ticket_id: int,
        body: str,
        *,
        language: str = "",
        translation: str = "",
        status: str | TicketStatus | None = TicketStatus.PENDING,
        template: str | None = None,
        request_id: str | None = None,
        confirmed: str | None = None,
    ) -> int:
        """Send a reply to the buyer: stored as an outbound message and queued in the outbox for the
        platform connector. ``body`` is what the buyer receives; ``translation`` the agent's own-language
        text when the reply was translated. Returns the message id. A ``request_id`` already done on this
        ticket returns that reply's message and sends nothing again.

        A body still holding parts a translator left untranslated (``⟦ ⟧``) is refused unless
        ``confirmed`` is that exact body: the agent saw what goes out and said so."""
        store = self.store
        store.require(actor, "reply")
        if ("⟦" in body or "⟧" in body) and confirmed != body:
            raise DeskError(
                "the reply still has parts marked ⟦ ⟧ that were not translated; edit them, or confirm "
                "that this exact text goes to the buyer"
            )
        body, _ = clean_text(body)
        if not body.strip():
            raise DeskError("a reply cannot be empty")
        _within_cap("a reply", body)
        now = store.now()
        with store.tx():
            earlier = requests.done(store, request_id, "reply", "ticket", ticket_id)
            if earlier is not None:
                return int(earlier["result_id"])
            ticket = self.row(ticket_id)
            message_id = self._insert_outbound(actor, ticket, body, Direction.OUT, language, translation, now)
            requests.record(store, actor, request_id, "reply", "ticket", ticket_id, message_id)
            where = self.outbox.address(
                ticket["shop_id"], customer_id=ticket["customer_id"], order_id=ticket["order_id"]
            )
            message = MessageOut(
                platform=where.platform,
                shop_external_id=where.shop_external_id,
                idempotency_key=f"message:{message_id}",
                buyer_external_id=where.buyer_external_id,
                thread_id=ticket["external_id"] or None,
                order_external_id=where.order_external_id,
                body=body,
                created_at=now,
                message_id=message_id,
                template=template,
            )
            self.outbox.enqueue(actor, message, ticket_id=ticket_id)
            patch: dict[str, Any] = {"last_agent_msg_at": now, "updated_at": now}
            if ticket["first_replied_at"] is None:
                patch["first_replied_at"] = now
            store.update("tickets", ticket_id, patch)
            store.audit(
                actor,
                "ticket.reply",
                "ticket",
                ticket_id,
                None,
                {"message_id": message_id, "template": template},
            )
            store.emit(actor, "replied", "ticket", ticket_id, message_id=message_id)
            if status is not None:
                self.update(actor, ticket_id, status=status)
        return message_id

    def add_note(self, actor: Actor, ticket_id: int, body: str) -> int:
        """An internal note: stored on the thread, never sent."""
        store = self.store
        store.require(actor, "reply")
        body, _ = clean_text(body)
        if not body.strip():
            raise DeskError("a note cannot be empty")
        _within_cap("a note", body)
        with store.tx():
            ticket = self.row(ticket_id)
            message_id = self._insert_outbound(actor, ticket, body, Direction.NOTE, "", "", store.now())
            store.audit(actor, "ticket.note", "ticket", ticket_id, None, {"message_id": message_id})
        return message_id

    def _insert_outbound(
        self,
        actor: Actor,
        ticket: dict,
        body: str,
        direction: Direction,
        language: str,
        translation: str,
        now: int,
    ) -> int:
        pk = self.store.insert(
            "messages",
            {
                "ticket_id": ticket["id"],
                "platform": ticket["platform"],
                "shop_id": ticket["shop_id"],
                "external_id": f"crossdesk:{ticket['id']}:{now}:{direction.value}:pending",
                "direction": direction.value,
                "author": actor.name,
                "body": body,
                "language": language or ticket["language"],
                "translation": translation,
                "created_at": now,
            },
        )
        # Our own ids are unique by primary key; the platform's id replaces this once the message is sent.
        self.store.db.execute("UPDATE messages SET external_id = ? WHERE id = ?", [f"crossdesk:{pk}", pk])
        return pk


def _within_cap(what: str, body: str) -> None:
    """Replies and notes are held to the cap of incoming messages (import and export carry them)."""
    if len(body) > MAX_BODY_CHARS:
        raise DeskError(f"{what} is {len(body):,} characters; the limit is {MAX_BODY_CHARS:,}")
