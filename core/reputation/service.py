"""``desk.reputation``: pull reviews and feedback from every shop whose connector offers them.

A connector offers them with ``fetch_reviews(cursor) -> Page`` (records: ``external_id``, ``kind``,
``rating``, ``negative``, ``body``, ``created_at``, ``customer``, ``order_external_id``, ``sku``,
``reply``, ``thread_id``). Each review is stored once (``reviews``), tied to the desk's buyer, order and
SKU when the platform names them. A negative one is taken in like a buyer message on the thread the
connector names (``review:<id>``), so it opens a ticket, or joins the one it already has, is classified
(language, sentiment, intents) and gets the SLA of its tags; a reply to that ticket goes through the
outbox to the platform's review reply. A Shopify shop's reviews come from its reviews app
(:mod:`crossdesk.reputation.apps`). A review read again that changed on the platform updates the stored
one; a rating turned negative opens its ticket then, and a change to a review with a ticket is noted on it.
See docs/reputation.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from crossdesk.customers import CustomerService
from crossdesk.errors import DeskError
from crossdesk.intake import IntakeService
from crossdesk.models import Actor
from crossdesk.orders import OrderService
from crossdesk.reputation.apps import ReviewApps, attached
from crossdesk.store import Store
from crossdesk.sync import Connections, NoConnector, redact
from crossdesk.tickets import TicketService

MAX_PAGES = 50  # per pull and shop; the next pull goes on from there
CURSOR = "reviews"  # the resource name of the pull's cursor in sync_cursors


@dataclass
class PullReport:
    fetched: int = 0
    new: int = 0
    negative: int = 0
    updated: int = 0  # stored before, changed on the platform since (text, rating, reply, hidden)
    deleted: int = 0  # gone from a reviews app's full list
    tickets: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shops: int = 0  # shops whose connector offers reviews
    waiting: list[str] = field(default_factory=list)  # not an error: the platform is still preparing them

    def __str__(self) -> str:
        line = f"{self.fetched} review(s) read, {self.new} new, {self.negative} new negative -> tickets {self.tickets}"
        if self.updated or self.deleted:
            line += f"; {self.updated} updated, {self.deleted} deleted"
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
        self.apps = ReviewApps(store)

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
        and reads them all. A shop attached to a reviews app (:mod:`crossdesk.reputation.apps`) is read from
        it too, with a cursor of its own (``reviews:<app>``); a review read again updates the stored one when
        it changed there (:meth:`_update`)."""
        self.store.require(actor, "manage_settings")
        report = report if report is not None else PullReport()
        label = f"{shop['platform']} shop {shop['external_id']}"
        try:
            connector = conn.connector(shop)
        except Exception as exc:  # no plugin, no credentials: said, and the shop's reviews app goes on
            connector = None
            if not (isinstance(exc, NoConnector) and attached(shop)):
                report.errors.append(redact(f"{label}: {exc}"))
        fetch = getattr(connector, "fetch_reviews", None)
        if callable(fetch):
            report.shops += 1
            newest_first = bool(getattr(connector, "reviews_newest_first", False))
            self._pull_source(actor, shop, fetch, newest_first, "", CURSOR, label, report, full)
        try:
            app = self.apps.source(shop, conn.vault, conn.http_client)
        except Exception as exc:
            report.errors.append(redact(f"{label}: {exc}"))
            return report
        if app is not None:
            name, source = app
            report.shops += 1
            newest_first = bool(getattr(source, "reviews_newest_first", False))
            self._pull_source(
                actor,
                shop,
                source.fetch_reviews,
                newest_first,
                name,
                f"{CURSOR}:{name}",
                f"{label} ({name})",
                report,
                full,
            )
        return report

    def _pull_source(
        self,
        actor: Actor,
        shop: dict[str, Any],
        fetch: Callable[[str | None], Any],
        newest_first: bool,
        source: str,
        resource: str,
        label: str,
        report: PullReport,
        full: bool,
    ) -> None:
        stop_early = newest_first and not full
        state = {} if full else self._cursor(shop, resource)
        seen_to = int(state.get("seen_to", 0))
        run = state.get("run") or {}
        cursor, newest = run.get("cursor"), int(run.get("newest", seen_to))
        # a reviews app lists every review it keeps: one read from the first page to the last, in one pull,
        # shows which stored ones are gone (deleted there); a resumed run does not know what it missed
        whole = source != "" and cursor is None
        seen: set[str] = set()
        try:
            for _ in range(MAX_PAGES):
                page = fetch(cursor)
                known = 0
                for record in page.records:
                    created = _int(record.get("created_at"))
                    newest = max(newest, created)
                    if record.get("external_id"):
                        seen.add(_key(source, record["external_id"]))
                    if self._take(actor, shop, record, report, source) != "new" and created <= seen_to:
                        known += 1
                done = not page.more or not page.cursor or (stop_early and known > 0 and seen_to > 0)
                if done:
                    self._save_cursor(shop, {"seen_to": newest}, resource)
                    if whole and not page.more:
                        self._gone(actor, shop, source, seen, report)
                    break
                cursor = page.cursor
                self._save_cursor(
                    shop, {"seen_to": seen_to, "run": {"cursor": cursor, "newest": newest}}, resource
                )
        except Exception as exc:
            if getattr(exc, "waiting", False):  # e.g. Amazon's report: the cursor keeps it for next time
                report.waiting.append(redact(f"{label}: {exc}"))
            elif getattr(exc, "restart", False):  # the platform lost what the cursor points at: start over
                self._save_cursor(shop, {"seen_to": seen_to}, resource)
                report.errors.append(redact(f"{label}: {exc}"))
            else:
                report.errors.append(redact(f"{label}: {exc} (the next pull resumes at this page)"))

    def _cursor(self, shop: dict[str, Any], resource: str = CURSOR) -> dict[str, Any]:
        row = self.store.db.execute(
            "SELECT cursor FROM sync_cursors WHERE platform = ? AND shop_id = ? AND resource = ?",
            [shop["platform"], shop["id"], resource],
        ).fetchone()
        if row is None:
            return {}
        try:
            state = orjson.loads(row[0])
        except orjson.JSONDecodeError:
            return {}  # unreadable: start from the first page (every review is still stored once)
        return state if isinstance(state, dict) else {}

    def _save_cursor(self, shop: dict[str, Any], state: dict[str, Any], resource: str = CURSOR) -> None:
        with self.store.tx():
            self.store.db.execute(
                "INSERT INTO sync_cursors (platform, shop_id, resource, cursor, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, shop_id, resource) DO UPDATE SET "
                "cursor = excluded.cursor, updated_at = excluded.updated_at",
                [shop["platform"], shop["id"], resource, orjson.dumps(state).decode(), self.store.now()],
            )

    def _take(self, actor: Actor, shop: dict, rec: dict, report: PullReport, source: str = "") -> str:
        """Store one review, or update the stored one; ``new``, ``updated``, ``same`` or ``skipped``. A
        review that cannot be read is reported with its id and skipped: the others of the page go on."""
        report.fetched += 1
        external = str(rec.get("external_id") or "")
        problem = rec.get("error") or ("no id" if not external else None)
        rating = rec.get("rating")
        if problem is None and (
            isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5
        ):
            problem = f"rating {rating!r} is not 1 to 5"
        if problem is None:
            try:
                int(rec.get("created_at") or 0)
                int(rec.get("updated_at") or 0)
            except (TypeError, ValueError):
                problem = f"unreadable time {rec.get('created_at')!r}"
        if problem is not None:
            report.errors.append(redact(f"review {external or '(no id)'}: {problem}; skipped"))
            return "skipped"
        try:
            with self.store.tx():  # a savepoint: a failing review leaves nothing half-stored
                status, then = self._store(actor, shop, rec, report, source)
        except DeskError as exc:
            report.errors.append(redact(f"review {external}: {exc}; skipped"))
            return "skipped"
        if (
            then is not None
        ):  # its ticket or note, once the review is stored (a pull dying here loses neither)
            then()
        return status

    def _store(
        self, actor: Actor, shop: dict, rec: dict, report: PullReport, source: str
    ) -> tuple[str, Callable[[], None] | None]:
        key = _key(source, rec["external_id"])
        exists = self.store.row(
            "SELECT * FROM reviews WHERE platform = ? AND shop_id = ? AND external_id = ?",
            [shop["platform"], shop["id"], key],
        )
        if exists is not None:
            return self._update(actor, shop, rec, exists, report)
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
                email=customer.get("email") or "",
            )
        order_id = (
            self.orders.id_of(shop["platform"], shop["id"], str(rec["order_external_id"]))
            if rec.get("order_external_id")
            else None
        )
        sku = str(rec.get("sku") or "")
        if order_id is None and customer_id is not None and rec.get("product"):
            order_id, sku = self._order_of_product(
                shop, customer_id, rec["product"], _int(rec.get("created_at"))
            )
        rating = int(rec["rating"])
        negative = bool(rec.get("negative"))
        status = str(rec.get("status") or "published")
        row = {
            "platform": shop["platform"],
            "shop_id": shop["id"],
            "external_id": key,
            "kind": str(rec.get("kind") or "product_review"),
            "rating": rating,
            "negative": int(negative),
            "title": str(rec.get("title") or ""),
            "body": str(rec.get("body") or ""),
            "customer_id": customer_id,
            "order_id": order_id,
            "sku": sku,
            "reply": str(rec.get("reply") or ""),
            "created_at": _int(rec.get("created_at")),
            "updated_at": _int(rec.get("updated_at")),
            "status": status,
            "source": source,
            "pulled_at": self.store.now(),
        }
        review_id = self.store.insert("reviews", row)
        self.store.audit(
            actor, "review.pull", "review", review_id, None, {"rating": rating, "negative": negative}
        )
        report.new += 1
        if negative and not row["reply"] and status == "published":  # a complaint not answered there yet
            return "new", lambda: self._ticket(actor, shop, rec, review_id, row, report)
        return "new", None

    def _update(
        self, actor: Actor, shop: dict, rec: dict, old: dict, report: PullReport
    ) -> tuple[str, Callable[[], None] | None]:
        """The stored review as the platform shows it now. A copy no newer than the stored one (by the
        platform's updated time, where it gives one) changes nothing; a rating turned negative opens the
        ticket; a review with a ticket gets a note saying what changed (turned positive, hidden, edited)."""
        new = {
            "rating": int(rec["rating"]),
            "negative": int(bool(rec.get("negative"))),
            "title": str(rec.get("title") or ""),
            "body": str(rec.get("body") or ""),
            "reply": str(rec.get("reply") or ""),
            "status": str(rec.get("status") or "published"),
        }
        updated_at = _int(rec.get("updated_at"))
        stale = bool(updated_at and old["updated_at"] and updated_at <= old["updated_at"])
        changed = {k: v for k, v in new.items() if v != old[k]} if not stale else {}
        if not changed:
            if (
                old["negative"]
                and not old["reply"]
                and old["ticket_id"] is None
                and old["status"] == "published"
            ):
                # stored by a pull that died before its ticket was opened: open it now
                return "same", lambda: self._ticket(actor, shop, rec, old["id"], old, report)
            return "same", None
        patch = {**changed, "updated_at": max(updated_at, old["updated_at"]), "pulled_at": self.store.now()}
        self.store.update("reviews", old["id"], patch)
        self.store.audit(actor, "review.update", "review", old["id"], {k: old[k] for k in changed}, changed)
        report.updated += 1
        row = {**old, **patch}
        if old["ticket_id"] is not None:
            note = _change_note(shop, old, row)
            return "updated", lambda: self.tickets.add_note(actor, old["ticket_id"], note)
        if row["negative"] and not row["reply"] and row["status"] == "published":
            return "updated", lambda: self._ticket(
                actor, shop, rec, old["id"], row, report
            )  # turned negative
        return "updated", None

    def _gone(self, actor: Actor, shop: dict, source: str, seen: set[str], report: PullReport) -> None:
        """Mark the app's stored reviews missing from its full list as deleted (and note it on a ticket)."""
        rows = self.store.rows(
            "SELECT * FROM reviews WHERE platform = ? AND shop_id = ? AND source = ? AND status <> 'deleted'",
            [shop["platform"], shop["id"], source],
        )
        for old in rows:
            if old["external_id"] in seen:
                continue
            with self.store.tx():
                self.store.update("reviews", old["id"], {"status": "deleted", "pulled_at": self.store.now()})
                self.store.audit(
                    actor,
                    "review.update",
                    "review",
                    old["id"],
                    {"status": old["status"]},
                    {"status": "deleted"},
                )
                if old["ticket_id"] is not None:
                    self.tickets.add_note(
                        actor, old["ticket_id"], _change_note(shop, old, {**old, "status": "deleted"})
                    )
            report.deleted += 1

    def _order_of_product(
        self, shop: dict, customer_id: int, product: dict, before: int
    ) -> tuple[int | None, str]:
        """The buyer's latest order in this shop, placed before the review, with a line of the reviewed
        product (by its title), and that line's SKU; else the buyer's only order when it has one line."""
        title = str(product.get("title") or "").strip().lower()
        lines = self.store.db.execute(
            "SELECT o.id, l.sku, lower(l.title) FROM orders o JOIN order_lines l ON l.order_id = o.id "
            "WHERE o.shop_id = ? AND o.customer_id = ? AND (? = 0 OR o.ordered_at <= ?) "
            "ORDER BY o.ordered_at DESC, l.id",
            [shop["id"], customer_id, before, before],
        ).fetchall()
        if title:
            for order_id, sku, line_title in lines:
                if line_title == title:
                    return order_id, sku
        if len(lines) == 1:
            return lines[0][0], lines[0][1]
        return None, ""

    def _ticket(
        self, actor: Actor, shop: dict, rec: dict, review_id: int, row: dict, report: PullReport
    ) -> None:
        customer_id, order_id, rating = row["customer_id"], row["order_id"], row["rating"]
        customer = rec.get("customer") or None
        stars = "*" * rating
        text = " - ".join(t for t in (row.get("title") or "", row["body"]) if t)
        body = f"[{row['kind'].replace('_', ' ')} {stars} ({rating}/5)] {text or '(no text)'}"
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


def _int(value: Any) -> int:
    return int(value or 0)


def _key(source: str, external_id: Any) -> str:
    """The stored id of a review: the platform's, or ``<app>:<id>`` for a reviews app's."""
    return f"{source}:{external_id}" if source else str(external_id)


def _change_note(shop: dict, old: dict, new: dict) -> str:
    """The internal note on a review's ticket when the review changed on the platform."""
    where = old["source"] or shop["platform"]
    parts = []
    if new["status"] != old["status"]:
        parts.append(f"it is now {new['status']}")
    if new["rating"] != old["rating"]:
        parts.append(f"rating {old['rating']}/5 -> {new['rating']}/5")
    if old["negative"] and not new["negative"]:
        parts.append("it is no longer negative")
    elif new["negative"] and not old["negative"]:
        parts.append("it is negative now")
    if new["body"] != old["body"] or new["title"] != old["title"]:
        parts.append(f"new text: {new['body'][:200]!r}")
    if new["reply"] != old["reply"]:
        parts.append(f"reply there: {new['reply'][:200]!r}")
    return f"Review updated on {where}: " + "; ".join(parts or ["changed"])
