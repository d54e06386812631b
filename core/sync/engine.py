"""The sync engine: pull orders, buyer messages and returns from each shop into the desk.

Per shop and resource (orders first, so messages and returns can point at them), the engine asks the
connector for a page after the stored cursor, upserts every record through the entity services
and stores the page's cursor **in the same transaction** as its records. So:

- a crash (or a platform outage) in the middle of a sync leaves the desk at the last whole page, and the
  next run resumes from there: nothing lost, nothing stored twice;
- every write is an upsert on (platform, shop, external id), so a page fetched twice, an overlap between
  windows, or a platform that repeats a record changes nothing;
- a record the desk refuses (no SKU, negative quantity, empty message) is written to the audit trail as a
  ``sync.reject`` with the reason, in the page's transaction, and the sync goes on: it is never dropped
  silently, and one bad record cannot block a shop forever.

Connector contract (duck-typed, see docs/platforms.md): ``fetch_orders(cursor)``, ``fetch_messages(cursor)``
and ``fetch_returns(cursor)`` return a page with ``records``, ``cursor`` and ``more``.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from crossdesk.aftersales import CaseService
from crossdesk.customers import CustomerService
from crossdesk.errors import DeskError
from crossdesk.intake import IntakeService
from crossdesk.intake.sql import by_platform_key
from crossdesk.models import Actor
from crossdesk.orders import OrderService, Rates
from crossdesk.store import Store
from crossdesk.sync.connections import ConnectionError_, Connections, NoConnector
from crossdesk.sync.secrets import redact
from crossdesk.tickets import TicketService

log = logging.getLogger(__name__)

#: resource -> (capability, connector method), in the order a shop is synced.
RESOURCES: dict[str, tuple[str, str]] = {
    "orders": ("orders", "fetch_orders"),
    "messages": ("messages_in", "fetch_messages"),
    "returns": ("returns_in", "fetch_returns"),
}


@dataclass
class ResourceResult:
    pages: int = 0
    fetched: int = 0
    new: int = 0
    updated: int = 0
    rejected: int = 0
    complete: bool = False  # the platform said there is nothing more
    error: str = ""


@dataclass
class ShopResult:
    """What one shop's sync did, for the CLI and the TUI."""

    shop_id: int
    platform: str
    shop: str
    resources: dict[str, ResourceResult] = field(default_factory=dict)
    unsupported: list[str] = field(default_factory=list)
    error: str = ""
    skipped: str = ""  # why this shop was not synced when that is not a failure (no plugin for it)

    @property
    def ok(self) -> bool:
        return not self.error and all(not r.error for r in self.resources.values())


#: The largest amount the desk stores, in major units (10^15): far below what SQLite's 64-bit integers hold
#: in minor units, far above any real order.
MAX_DIGITS = 15


def to_minor(amount: Any, digits: int) -> int:
    """Decimal text ("12.30") to integer minor units (1230), rounding half-even past the currency's digits.
    :class:`DeskError` for what is not an amount the desk can hold: nothing (a null price is not zero),
    not a number, not finite ("Infinity", "NaN"), or beyond 10^15 ("1e999")."""
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        raise DeskError("the amount is missing (a null price is not zero)")
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise DeskError(f"{amount!r} is not a money amount") from None
    if not value.is_finite() or (value and value.adjusted() >= MAX_DIGITS):
        raise DeskError(f"{amount!r} is not a money amount the desk can hold")
    return int((value.scaleb(digits)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


class SyncEngine:
    """Pulls from the marketplaces into one desk. ``run()`` syncs every shop (or a filtered few)."""

    def __init__(
        self,
        store: Store,
        connections: Connections,
        *,
        tickets: TicketService,
        customers: CustomerService,
        orders: OrderService,
        cases: CaseService,
        rates: Rates,
        intake: IntakeService | None = None,
        actor: Actor | None = None,
        max_pages: int = 10_000,
        on_page: Callable[[ShopResult, str, ResourceResult], None] | None = None,
    ) -> None:
        self.store = store
        self.connections = connections
        self.tickets = tickets
        self.customers = customers
        self.orders = orders
        self.cases = cases
        self.rates = rates
        self.intake = intake
        self.actor = actor or Actor.system("sync")
        self.max_pages = max_pages
        self.on_page = on_page

    # ---- cursors -------------------------------------------------------------------------------

    def cursor(self, platform: str, shop_id: int, resource: str) -> str | None:
        row = self.store.db.execute(
            "SELECT cursor FROM sync_cursors WHERE platform = ? AND shop_id = ? AND resource = ?",
            [platform, shop_id, resource],
        ).fetchone()
        return None if row is None else row[0]

    def _save_cursor(self, platform: str, shop_id: int, resource: str, cursor: str | None) -> None:
        if cursor is None:
            return
        self.store.db.execute(
            "INSERT INTO sync_cursors (platform, shop_id, resource, cursor, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (platform, shop_id, resource) DO UPDATE SET cursor = excluded.cursor, "
            "updated_at = excluded.updated_at",
            [platform, shop_id, resource, cursor, self.store.now()],
        )

    def reset(self, platform: str, shop_id: int, resource: str | None = None) -> None:
        """Forget cursors so the next sync starts over (safe: every write is an upsert)."""
        self.store.require(self.actor, "manage_settings")
        with self.store.tx():
            sql = "DELETE FROM sync_cursors WHERE platform = ? AND shop_id = ?"
            args: list[Any] = [platform, shop_id]
            if resource:
                sql += " AND resource = ?"
                args.append(resource)
            self.store.db.execute(sql, args)
            self.store.audit(self.actor, "sync.reset", "shop", shop_id, None, {"resource": resource})

    # ---- running -------------------------------------------------------------------------------

    def run(
        self,
        *,
        platform: str | None = None,
        shop: str | None = None,
        resources: tuple[str, ...] | None = None,
    ) -> list[ShopResult]:
        """Sync the matching shops; one shop's failure is reported in its result, the others go on."""
        self.store.require(self.actor, "manage_settings")
        results = []
        for row in self.connections.shops(platform, shop):
            results.append(self.sync_shop(row, resources))
        return results

    def sync_shop(self, shop: Mapping[str, Any], resources: tuple[str, ...] | None = None) -> ShopResult:
        result = ShopResult(shop_id=shop["id"], platform=shop["platform"], shop=shop["name"])
        try:
            connector = self.connections.connector(shop)
        except NoConnector as exc:
            result.skipped = str(exc)
            return result
        except ConnectionError_ as exc:
            result.error = str(exc)
            log.info("sync %s %s: %s", shop["platform"], shop["external_id"], exc)
            return result
        for resource, (capability, method) in RESOURCES.items():
            if resources and resource not in resources:
                continue
            if capability not in connector.capabilities:
                result.unsupported.append(resource)
                continue
            res = result.resources[resource] = ResourceResult()
            try:
                self._sync_resource(shop, resource, getattr(connector, method), result, res)
            except Exception as exc:  # the platform failed after its retries: stop here, resume next run
                res.error = redact(str(exc)) or type(exc).__name__
                # Reported in the result; info, not warning, so the CLI does not print it twice.
                log.info("sync %s %s %s: %s", shop["platform"], shop["external_id"], resource, res.error)
        return result

    def _sync_resource(
        self,
        shop: Mapping[str, Any],
        resource: str,
        fetch: Callable[[str | None], Any],
        result: ShopResult,
        res: ResourceResult,
    ) -> None:
        platform, shop_id = shop["platform"], shop["id"]
        cursor = self.cursor(platform, shop_id, resource)
        for _ in range(self.max_pages):
            page = fetch(cursor)
            records = list(page.records)
            with self.store.tx():
                if resource == "messages" and self.intake is not None:
                    self._store_message_page(shop, records, res)
                else:
                    for record in records:
                        self._store(shop, resource, record, res)
                self._save_cursor(platform, shop_id, resource, page.cursor)
            res.pages += 1
            res.fetched += len(records)
            if self.on_page is not None:
                self.on_page(result, resource, res)
            if not page.more:
                res.complete = True
                return
            if page.cursor == cursor:
                # A platform that answers the same page forever would keep us here until max_pages.
                raise DeskError(f"{platform} returned the same {resource} page twice; stopping this run")
            cursor = page.cursor
        raise DeskError(
            f"{platform} {resource}: more than {self.max_pages} pages in one run; resuming next run"
        )

    def _store_message_page(
        self, shop: Mapping[str, Any], records: list[Mapping[str, Any]], res: ResourceResult
    ) -> None:
        """A page of buyer messages through bulk intake (``desk.intake``): each record checked, then the
        page's buyers matched and written together (``intake.customers``: one indexed lookup per page),
        its orders looked up together, then the messages set-based, with the pipeline run over the page.
        A record refused at any step is audited and skipped; nothing of it is written."""
        assert self.intake is not None
        checked: list[tuple[Mapping[str, Any], dict[str, Any], dict[str, Any] | None, str]] = []
        for record in records:
            try:
                order = record.get("order_external_id")
                checked.append(
                    (
                        record,
                        self._message_row(shop, record),
                        self._customer_row(shop, record.get("customer")),
                        str(order or ""),
                    )
                )
            except (DeskError, KeyError, TypeError, ValueError) as exc:
                self._reject(shop, "messages", record, exc, res)
        buyers = [buyer for _, _, buyer, _ in checked if buyer is not None]
        answers = iter(self.intake.customers(self.actor, buyers) if buyers else [])
        orders = by_platform_key(
            self.store, "orders", "id", {(shop["platform"], shop["id"], o) for _, _, _, o in checked if o}
        )
        rows, kept = [], []
        for record, row, buyer, order in checked:
            if buyer is not None:
                answer = next(answers)
                if isinstance(answer, Exception):
                    self._reject(shop, "messages", record, answer, res)
                    continue
                row["customer_id"] = answer[0]
            found = orders.get((shop["platform"], shop["id"], order)) if order else None
            row["order_id"] = None if found is None else found[0]
            rows.append(row)
            kept.append(record)
        for record, result in zip(kept, self.intake.messages(self.actor, rows), strict=True):
            if isinstance(result, Exception):
                self._reject(shop, "messages", record, result, res)
            elif result[2]:
                res.new += 1

    def _message_row(self, shop: Mapping[str, Any], rec: Mapping[str, Any]) -> dict[str, Any]:
        """The message of a record, its buyer and order not yet resolved."""
        return {
            "platform": shop["platform"],
            "shop_id": shop["id"],
            "thread_id": str(rec["thread_id"]),
            "external_id": str(rec["external_id"]),
            "body": rec["body"],
            "created_at": int(rec["created_at"]),
            "customer_id": None,
            "order_id": None,
            "subject": rec.get("subject") or "",
            "language": rec.get("language") or "",
            "author": rec.get("author") or "",
        }

    def _reject(
        self,
        shop: Mapping[str, Any],
        resource: str,
        record: Mapping[str, Any],
        exc: Exception,
        res: ResourceResult,
    ) -> None:
        res.rejected += 1
        reason = redact(f"{type(exc).__name__}: {exc}")
        self.store.audit(
            self.actor,
            "sync.reject",
            "shop",
            shop["id"],
            None,
            {"resource": resource, "external_id": str(record.get("external_id", "")), "error": reason},
        )
        log.warning(
            "sync %s %s: rejected %s: %s", shop["platform"], resource, record.get("external_id"), reason
        )

    def _store(
        self, shop: Mapping[str, Any], resource: str, record: Mapping[str, Any], res: ResourceResult
    ) -> None:
        """Upsert one record in its own savepoint; a refused record becomes an audit row, not a crash."""
        try:
            with self.store.tx():
                outcome = getattr(self, f"_store_{resource}")(shop, record)
        except (DeskError, KeyError, TypeError, ValueError, ArithmeticError, sqlite3.IntegrityError) as exc:
            self._reject(shop, resource, record, exc, res)
            return
        if outcome == "new":
            res.new += 1
        elif outcome == "updated":
            res.updated += 1

    # ---- records ---------------------------------------------------------------------------------

    def _customer(self, shop: Mapping[str, Any], customer: Any) -> int | None:
        """The desk's buyer for a record's ``customer``: a dict (``external_id`` and what the platform tells
        of the buyer), or the buyer's platform id alone (text or a number)."""
        row = self._customer_row(shop, customer)
        return None if row is None else self.customers.upsert(self.actor, **row)

    @staticmethod
    def _customer_row(shop: Mapping[str, Any], customer: Any) -> dict[str, Any] | None:
        """A record's ``customer`` as ``CustomerService.upsert`` takes it (None: the record names none)."""
        if customer is None or customer == "":
            return None
        if isinstance(customer, str | int) and not isinstance(customer, bool):
            customer = {"external_id": str(customer)}
        if not isinstance(customer, Mapping):  # refused (and audited) like any malformed record
            raise TypeError(f"customer must be a dict or the buyer's id, not {type(customer).__name__}")
        if not customer.get("external_id"):
            return None
        return {
            "platform": shop["platform"],
            "shop_id": shop["id"],
            "external_id": str(customer["external_id"]),
            **{
                k: customer.get(k) or ""
                for k in ("name", "email", "phone", "country", "region", "language", "handle")
            },
        }

    def _order_id(self, shop: Mapping[str, Any], external_id: str | None) -> int | None:
        if not external_id:
            return None
        return self.orders.id_of(shop["platform"], shop["id"], str(external_id))

    def _store_orders(self, shop: Mapping[str, Any], rec: Mapping[str, Any]) -> str:
        currency = str(rec.get("currency") or shop.get("currency") or "")
        digits = self.rates.minor_digits(currency) if currency else 2
        existed = self._order_id(shop, rec["external_id"]) is not None
        before = None
        if existed:
            before = self.store.db.execute(
                "SELECT * FROM orders WHERE platform = ? AND shop_id = ? AND external_id = ?",
                [shop["platform"], shop["id"], rec["external_id"]],
            ).fetchone()
        lines = [
            {
                "external_id": line.get("external_id") or str(i + 1),
                "sku": line.get("sku") or "",
                "title": line.get("title") or "",
                "quantity": int(line.get("quantity", 1)),
                "unit_price_minor": to_minor(line.get("unit_price", "0"), digits),
            }
            for i, line in enumerate(rec.get("lines") or [])
        ]
        if rec.get("ordered_at") is None:
            raise DeskError(f"order {rec['external_id']} has no order date")
        self.orders.upsert(
            self.actor,
            platform=shop["platform"],
            shop_id=shop["id"],
            external_id=str(rec["external_id"]),
            customer_id=self._customer(shop, rec.get("customer")),
            currency=currency,
            ordered_at=int(rec["ordered_at"]),
            lines=lines,
            status=rec.get("status") or "paid",
            shipped_at=rec.get("shipped_at"),
            delivered_at=rec.get("delivered_at"),
            tracking_number=rec.get("tracking_number") or "",
            carrier=rec.get("carrier") or "",
            country=rec.get("country") or "",
            region=rec.get("region") or "",
            total_minor=None if rec.get("total") is None else to_minor(rec["total"], digits),
        )
        if not existed:
            return "new"
        after = self.store.db.execute(
            "SELECT * FROM orders WHERE platform = ? AND shop_id = ? AND external_id = ?",
            [shop["platform"], shop["id"], rec["external_id"]],
        ).fetchone()
        return "updated" if tuple(after) != tuple(before) else "same"

    def _store_messages(self, shop: Mapping[str, Any], rec: Mapping[str, Any]) -> str:
        _, _, new = self.tickets.receive(
            self.actor,
            platform=shop["platform"],
            shop_id=shop["id"],
            thread_id=str(rec["thread_id"]),
            external_id=str(rec["external_id"]),
            body=rec["body"],
            created_at=int(rec["created_at"]),
            customer_id=self._customer(shop, rec.get("customer")),
            order_id=self._order_id(shop, rec.get("order_external_id")),
            subject=rec.get("subject") or "",
            language=rec.get("language") or "",
            author=rec.get("author") or "",
        )
        return "new" if new else "same"

    def _store_returns(self, shop: Mapping[str, Any], rec: Mapping[str, Any]) -> str:
        order_id = self._order_id(shop, rec.get("order_external_id"))
        customer_id = self._customer(shop, rec.get("customer"))
        currency = str(rec.get("currency") or shop.get("currency") or "")
        amount = rec.get("amount")
        requested_minor = (
            0 if amount in (None, "") else to_minor(amount, self.rates.minor_digits(currency or "USD"))
        )
        fields = {
            "platform": shop["platform"],
            "shop_id": shop["id"],
            "external_id": str(rec["external_id"]),
            "order_id": order_id,
            "customer_id": customer_id,
            "reason": " - ".join(x for x in (rec.get("reason"), rec.get("comment")) if x),
            "currency": currency,
            "requested_minor": requested_minor,
            "requested_at": int(rec.get("requested_at") or self.store.now()),
            "platform_state": rec.get("state") or "",
            "lines": list(rec.get("lines") or []),
        }
        existing = self.store.db.execute(
            "SELECT id FROM cases WHERE platform = ? AND shop_id = ? AND external_id = ?",
            [fields["platform"], fields["shop_id"], fields["external_id"]],
        ).fetchone()
        if existing is not None:
            return "same"  # the case's state is the after-sales service's business from here on
        if order_id is not None:
            items = []
            for line in fields["lines"]:
                line_id = self._order_line(order_id, line)
                qty = max(1, int(line.get("quantity") or 1))
                items.append(
                    {"order_line_id": line_id, "quantity": qty}
                    if line_id
                    else {"sku": line.get("sku"), "quantity": qty}
                )
            self.cases.open(
                self.actor,
                type="return",
                order_id=order_id,
                items=items,
                reason=fields["reason"],
                customer_id=customer_id,
                requested_at=fields["requested_at"],
                external_id=fields["external_id"],
                requested_minor=requested_minor if amount not in (None, "") else None,
            )
            return "new"
        # A return for an order older than the synced window: file the request as a plain case row so an
        # agent sees it.
        return self._store_case_row(fields)

    def _store_case_row(self, fields: dict[str, Any]) -> str:
        db = self.store.db
        ticket = None
        if fields["order_id"] is not None:
            ticket = db.execute(
                "SELECT id FROM tickets WHERE order_id = ? ORDER BY updated_at DESC LIMIT 1",
                [fields["order_id"]],
            ).fetchone()
        now = self.store.now()
        case = {
            "type": "return",
            "state": "requested",
            "ticket_id": ticket[0] if ticket else None,
            "order_id": fields["order_id"],
            "customer_id": fields["customer_id"],
            "platform": fields["platform"],
            "shop_id": fields["shop_id"],
            "external_id": fields["external_id"],
            "reason": fields["reason"],
            "currency": fields["currency"],
            "requested_minor": fields["requested_minor"],
            "requested_at": fields["requested_at"],
            "updated_at": now,
        }
        case_id = db["cases"].insert(case).last_pk
        for line in fields["lines"]:
            line_id = self._order_line(fields["order_id"], line)
            if line_id is not None:
                db.execute(
                    "INSERT OR IGNORE INTO case_lines (case_id, order_line_id, quantity) VALUES (?, ?, ?)",
                    [case_id, line_id, max(1, int(line.get("quantity") or 1))],
                )
        self.store.audit(
            self.actor,
            "case.create",
            "case",
            case_id,
            None,
            dict(case, platform_state=fields["platform_state"]),
        )
        return "new"

    def _order_line(self, order_id: int | None, line: Mapping[str, Any]) -> int | None:
        if order_id is None:
            return None
        if line.get("line_external_id"):
            row = self.store.db.execute(
                "SELECT id FROM order_lines WHERE order_id = ? AND external_id = ?",
                [order_id, str(line["line_external_id"])],
            ).fetchone()
            if row:
                return row[0]
        if line.get("sku"):
            row = self.store.db.execute(
                "SELECT id FROM order_lines WHERE order_id = ? AND sku = ? ORDER BY id LIMIT 1",
                [order_id, str(line["sku"])],
            ).fetchone()
            if row:
                return row[0]
        return None
