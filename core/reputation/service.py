"""``desk.reputation``: pull reviews and feedback from every shop whose connector offers them.

A connector offers them with ``fetch_reviews(cursor) -> Page`` (records: ``external_id``, ``kind``,
``rating``, ``negative``, ``body``, ``created_at``, ``customer``, ``order_external_id``, ``sku``,
``reply``, ``thread_id``). Each review is stored once (``reviews``), tied to the desk's buyer, order and
SKU when the platform names them. A negative one is taken in like a buyer message on the thread the
connector names (``review:<id>``), so it opens a ticket, or joins the one it already has, is classified
(language, sentiment, intents) and gets the SLA of its tags; a reply to that ticket goes through the
outbox to the platform's review reply. See docs/reputation.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from crossdesk.customers import CustomerService
from crossdesk.intake import IntakeService
from crossdesk.models import Actor
from crossdesk.orders import OrderService
from crossdesk.store import Store
from crossdesk.sync import Connections, redact
from crossdesk.tickets import TicketService

MAX_PAGES = 50  # per pull and shop; the next pull goes on from there
CURSOR = "reviews"  # the resource name of the pull's cursor in sync_cursors


@dataclass
class PullReport:
    fetched: int = 0
    new: int = 0
    negative: int = 0
    tickets: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shops: int = 0  # shops whose connector offers reviews
    waiting: list[str] = field(default_factory=list)  # not an error: the platform is still preparing them

    def __str__(self) -> str:
        line = f"{self.fetched} review(s) read, {self.new} new, {self.negative} new negative -> tickets {self.tickets}"
        return "\n".join([line, *self.waiting, *self.errors])


class ReputationService:
    def __init__(
        self,
        store: Store,
        *,
        customers: CustomerService,
        orders: OrderService,
        tickets: TicketService,
        intake: IntakeService,
    ) -> None:
        self.store = store
        self.customers = customers
        self.orders = orders
        self.tickets = tickets
        self.intake = intake

    def pull(
        self, actor: Actor, *, platform: str | None = None, full: bool = False, **connection_options: Any
    ) -> PullReport:
        """Read every shop's new reviews (see :meth:`pull_shop`); ``full`` reads every page again."""
        self.store.require(actor, "manage_settings")
        report = PullReport()
        with Connections(self.store, **connection_options) as conn:
            for shop in conn.shops(platform):
                self.pull_shop(actor, conn, shop, report=report, full=full)
        return report

    def pull_shop(
        self,
        actor: Actor,
        conn: Connections,
        shop: dict[str, Any],
        *,
        report: PullReport | None = None,
        full: bool = False,
    ) -> PullReport:
        """Read one shop's new reviews, page by page, from where the last pull stopped.

        The cursor (``sync_cursors``, resource ``reviews``) is saved after each page, once its reviews are
        stored: a pull that dies resumes at the page it was on (its reviews are stored once, and a negative
        one stored without its ticket gets it then). A pull that reached the last page remembers the newest
        review it saw; on a platform that pages newest first (the connector's ``reviews_newest_first``), the
        next pull stops at the first page holding a review already stored and no newer than that. Elsewhere
        every page is read each time (each review is still stored once). ``full`` starts from the first page
        and reads them all."""
        self.store.require(actor, "manage_settings")
        report = report if report is not None else PullReport()
        label = f"{shop['platform']} shop {shop['external_id']}"
        try:
            connector = conn.connector(shop)
        except Exception as exc:  # no plugin, no credentials: said, and the next shop goes on
            report.errors.append(redact(f"{label}: {exc}"))
            return report
        fetch = getattr(connector, "fetch_reviews", None)
        if not callable(fetch):
            return report
        report.shops += 1
        stop_early = bool(getattr(connector, "reviews_newest_first", False)) and not full
        state = {} if full else self._cursor(shop)
        seen_to = int(state.get("seen_to", 0))
        run = state.get("run") or {}
        cursor, newest = run.get("cursor"), int(run.get("newest", seen_to))
        try:
            for _ in range(MAX_PAGES):
                page = fetch(cursor)
                known = 0
                for record in page.records:
                    created = int(record.get("created_at") or 0)
                    newest = max(newest, created)
                    if not self._take(actor, shop, record, report) and created <= seen_to:
                        known += 1
                done = not page.more or not page.cursor or (stop_early and known > 0 and seen_to > 0)
                if done:
                    self._save_cursor(shop, {"seen_to": newest})
                    break
                cursor = page.cursor
                self._save_cursor(shop, {"seen_to": seen_to, "run": {"cursor": cursor, "newest": newest}})
        except Exception as exc:
            if getattr(exc, "waiting", False):  # e.g. Amazon's report: the cursor keeps it for next time
                report.waiting.append(redact(f"{label}: {exc}"))
            elif getattr(exc, "restart", False):  # the platform lost what the cursor points at: start over
                self._save_cursor(shop, {"seen_to": seen_to})
                report.errors.append(redact(f"{label}: {exc}"))
            else:
                report.errors.append(redact(f"{label}: {exc} (the next pull resumes at this page)"))
        return report

    def _cursor(self, shop: dict[str, Any]) -> dict[str, Any]:
        row = self.store.db.execute(
            "SELECT cursor FROM sync_cursors WHERE platform = ? AND shop_id = ? AND resource = ?",
            [shop["platform"], shop["id"], CURSOR],
        ).fetchone()
        if row is None:
            return {}
        try:
            state = orjson.loads(row[0])
        except orjson.JSONDecodeError:
            return {}  # unreadable: start from the first page (every review is still stored once)
        return state if isinstance(state, dict) else {}

    def _save_cursor(self, shop: dict[str, Any], state: dict[str, Any]) -> None:
        with self.store.tx():
            self.store.db.execute(
                "INSERT INTO sync_cursors (platform, shop_id, resource, cursor, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, shop_id, resource) DO UPDATE SET "
                "cursor = excluded.cursor, updated_at = excluded.updated_at",
                [shop["platform"], shop["id"], CURSOR, orjson.dumps(state).decode(), self.store.now()],
            )

    def _take(self, actor: Actor, shop: dict, rec: dict, report: PullReport) -> bool:
        """Store one review (and open its ticket); False when it was stored already."""
        report.fetched += 1
        exists = self.store.db.execute(
            "SELECT id, negative, reply, ticket_id, customer_id, order_id, sku, kind, rating, body, created_at "
            "FROM reviews WHERE platform = ? AND shop_id = ? AND external_id = ?",
            [shop["platform"], shop["id"], str(rec["external_id"])],
        ).fetchone()
        if exists is not None:
            review_id, negative, reply, ticket_id = exists[:4]
            if negative and not reply and ticket_id is None:
                # stored by a pull that died before its ticket was opened: open it now
                keys = ("customer_id", "order_id", "sku", "kind", "rating", "body", "created_at")
                self._ticket(actor, shop, rec, review_id, dict(zip(keys, exists[4:], strict=True)), report)
            return False
        customer = rec.get("customer") or None
        customer_id = None
        if customer and customer.get("external_id"):
            customer_id = self.customers.upsert(
                actor,
                platform=shop["platform"],
                shop_id=shop["id"],
                external_id=str(customer["external_id"]),
                handle=customer.get("handle") or "",
                name=customer.get("name") or "",
            )
        order_id = (
            self.orders.id_of(shop["platform"], shop["id"], str(rec["order_external_id"]))
            if rec.get("order_external_id")
            else None
        )
        rating = int(rec.get("rating") or 0)
        if not 1 <= rating <= 5:
            report.errors.append(f"review {rec['external_id']}: rating {rating!r} is not 1 to 5; skipped")
            return False
        negative = bool(rec.get("negative"))
        row = {
            "platform": shop["platform"],
            "shop_id": shop["id"],
            "external_id": str(rec["external_id"]),
            "kind": str(rec.get("kind") or "product_review"),
            "rating": rating,
            "negative": int(negative),
            "body": str(rec.get("body") or ""),
            "customer_id": customer_id,
            "order_id": order_id,
            "sku": str(rec.get("sku") or ""),
            "reply": str(rec.get("reply") or ""),
            "created_at": int(rec.get("created_at") or 0),
            "pulled_at": self.store.now(),
        }
        with self.store.tx():
            review_id = self.store.insert("reviews", row)
            self.store.audit(
                actor, "review.pull", "review", review_id, None, {"rating": rating, "negative": negative}
            )
        report.new += 1
        if negative and not row["reply"]:  # a complaint not answered on the platform yet
            self._ticket(actor, shop, rec, review_id, row, report)
        return True

    def _ticket(
        self, actor: Actor, shop: dict, rec: dict, review_id: int, row: dict, report: PullReport
    ) -> None:
        customer_id, order_id, rating = row["customer_id"], row["order_id"], row["rating"]
        customer = rec.get("customer") or None
        stars = "*" * rating
        body = f"[{row['kind'].replace('_', ' ')} {stars} ({rating}/5)] {row['body'] or '(no text)'}"
        message = {
            "platform": shop["platform"],
            "shop_id": shop["id"],
            "thread_id": str(rec.get("thread_id") or f"review:{rec['external_id']}"),
            "external_id": f"review-{rec['external_id']}",
            "body": body,
            "created_at": row["created_at"],
            "customer_id": customer_id,
            "order_id": order_id,
            "subject": f"Negative review: {row['sku']}" if row["sku"] else "Negative review",
            "language": "",
            "author": (customer or {}).get("handle") or "",
        }
        [result] = self.intake.messages(actor, [message])
        if isinstance(result, Exception):
            report.errors.append(f"review {rec['external_id']}: {result}")
            return
        ticket_id = result[0]
        tags = ["review", "negative-review"] + ([f"sku:{row['sku']}"] if row["sku"] else [])
        with self.store.tx():  # link first: the tags move the SLA, whose field ``review`` reads the link
            self.store.update("reviews", review_id, {"ticket_id": ticket_id})
            self.tickets.add_tags(actor, ticket_id, tags)
        report.negative += 1
        report.tickets.append(ticket_id)

    def list(self, actor: Actor, *, negative: bool | None = None, limit: int = 100) -> list[dict[str, Any]]:
        self.store.require(actor, "view")
        where, args = "", []
        if negative is not None:
            where, args = "WHERE negative = ?", [int(negative)]
        return self.store.rows(
            f"SELECT * FROM reviews {where} ORDER BY created_at DESC LIMIT ?",
            [*args, int(limit)],
        )

    def ratings(self, actor: Actor) -> list[dict[str, Any]]:
        """Average rating and count per platform, shop and SKU (the figures analytics and SKU warnings read)."""
        self.store.require(actor, "view")
        return self.store.rows(
            "SELECT platform, shop_id, sku, count(*) AS reviews, round(avg(rating), 2) AS average, "
            "sum(negative) AS negative FROM reviews GROUP BY platform, shop_id, sku ORDER BY negative DESC"
        )
