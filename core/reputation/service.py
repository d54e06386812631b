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

from crossdesk.customers import CustomerService
from crossdesk.intake import IntakeService
from crossdesk.models import Actor
from crossdesk.orders import OrderService
from crossdesk.store import Store
from crossdesk.sync import Connections, redact
from crossdesk.tickets import TicketService

MAX_PAGES = 50


@dataclass
class PullReport:
    fetched: int = 0
    new: int = 0
    negative: int = 0
    tickets: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        line = f"{self.fetched} review(s) read, {self.new} new, {self.negative} new negative -> tickets {self.tickets}"
        return "\n".join([line, *self.errors])


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

    def pull(self, actor: Actor, *, platform: str | None = None, **connection_options: Any) -> PullReport:
        """Read every shop's reviews (all pages: the platforms page them newest first and they are few)."""
        self.store.require(actor, "manage_settings")
        report = PullReport()
        with Connections(self.store, **connection_options) as conn:
            for shop in conn.shops(platform):
                try:
                    connector = conn.connector(shop)
                except Exception as exc:  # no plugin, no credentials: said, and the next shop goes on
                    report.errors.append(f"{shop['platform']} shop {shop['external_id']}: {exc}")
                    continue
                fetch = getattr(connector, "fetch_reviews", None)
                if not callable(fetch):
                    continue
                cursor = None
                try:
                    for _ in range(MAX_PAGES):
                        page = fetch(cursor)
                        for record in page.records:
                            self._take(actor, shop, record, report)
                        cursor = page.cursor
                        if not page.more:
                            break
                except Exception as exc:
                    report.errors.append(redact(f"{shop['platform']} shop {shop['external_id']}: {exc}"))
        return report

    def _take(self, actor: Actor, shop: dict, rec: dict, report: PullReport) -> None:
        report.fetched += 1
        exists = self.store.db.execute(
            "SELECT id FROM reviews WHERE platform = ? AND shop_id = ? AND external_id = ?",
            [shop["platform"], shop["id"], str(rec["external_id"])],
        ).fetchone()
        if exists is not None:
            return
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
            return
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
        if not negative or row["reply"]:
            return  # praise, or a complaint already answered on the platform
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
        self.tickets.add_tags(actor, ticket_id, tags)
        with self.store.tx():
            self.store.update("reviews", review_id, {"ticket_id": ticket_id})
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
