"""The :class:`Desk`: one desk database, its plugins, and the services over them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import sqlite_utils

from crossdesk import db as storage
from crossdesk.api import pipeline
from crossdesk.api.text import clean_text
from crossdesk.models import (
    OPEN_STATUSES,
    Actor,
    Direction,
    Event,
    Role,
    TicketStatus,
)
from crossdesk.permissions import REFUND_LIMITS_USD_MINOR, PermissionDenied, check

if TYPE_CHECKING:
    import pluggy

    from crossdesk.aftersales import CaseService
    from crossdesk.queue import QueueService
    from crossdesk.rules import RuleService
    from crossdesk.sla import SlaService
    from crossdesk.sync import SyncService
    from crossdesk.templates import TemplateService
    from crossdesk.translation import TranslationService

#: Largest message body accepted, in characters. Bigger bodies are refused with a clear error rather
#: than silently cut: a platform that sends 1 MB of text is sending something other than a message.
MAX_BODY_CHARS = 1_000_000


class DeskError(Exception):
    """A request the desk cannot carry out; the message says why in one line."""


class NotFound(DeskError):
    """The object asked for does not exist."""


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


class Desk:
    """A desk: the database, the plugin manager, and every service over them.

    Area services hang off the desk as attributes (``desk.cases``, ``desk.queue``, ``desk.rules``,
    ``desk.templates``, ``desk.sla``, ``desk.translation``, ``desk.sync``) and follow the same rules: actor first,
    permission checked first, audit row in the same transaction.
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        pm: pluggy.PluginManager | None = None,
        *,
        clock: Callable[[], float] = time.time,
        path: str | Path | None = None,
    ) -> None:
        self.db = db
        self._pm = pm
        self.clock = clock
        self.path = path
        self._pending_events: list[Event] = []

    # ---- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None, pm: pluggy.PluginManager | None = None, **kw: Any) -> Desk:
        """Open the desk at ``path`` (default: ``CROSSDESK_DB`` or the user data dir), migrating it."""
        resolved = storage.default_path() if path is None else path
        return cls(storage.connect(resolved), pm, path=resolved, **kw)

    @classmethod
    def memory(cls, pm: pluggy.PluginManager | None = None, **kw: Any) -> Desk:
        """An in-memory desk (tests, plugin authors' fixtures)."""
        return cls(storage.connect(":memory:"), pm, path=":memory:", **kw)

    def close(self) -> None:
        self.db.conn.close()

    @property
    def pm(self) -> pluggy.PluginManager:
        """The plugin manager, built on first use so opening a desk stays cheap."""
        if self._pm is None:
            from crossdesk import plugins_manager

            self._pm = plugins_manager()
        return self._pm

    def now(self) -> int:
        return int(self.clock())

    # ---- rows ------------------------------------------------------------------------------------------
    # Plain SQL for single-row writes: sqlite-utils' table objects introspect the schema on every call,
    # which dominated the cost of message intake and import.

    def insert(self, table: str, row: Mapping[str, Any]) -> int:
        """Insert one row; return its rowid."""
        columns = ", ".join(row)
        marks = ", ".join("?" * len(row))
        return self.db.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())
        ).lastrowid

    def update(self, table: str, pk: int, patch: Mapping[str, Any]) -> None:
        """Update columns of the row with id ``pk``."""
        if patch:
            sets = ", ".join(f"{column} = ?" for column in patch)
            self.db.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*patch.values(), pk])

    def get(self, table: str, pk: int) -> dict:
        """The row with id ``pk`` as a dict; :class:`NotFound` when there is none."""
        cursor = self.db.execute(f"SELECT * FROM {table} WHERE id = ?", [pk])
        values = cursor.fetchone()
        if values is None:
            raise NotFound(f"no {table.removesuffix('s')} #{pk}")
        return dict(zip([d[0] for d in cursor.description], values, strict=True))

    # ---- area services -----------------------------------------------------------------------------

    @cached_property
    def cases(self) -> CaseService:
        from crossdesk.aftersales import CaseService

        return CaseService(self)

    @cached_property
    def queue(self) -> QueueService:
        from crossdesk.queue import QueueService

        return QueueService(self)

    @cached_property
    def rules(self) -> RuleService:
        from crossdesk.rules import RuleService

        return RuleService(self)

    @cached_property
    def templates(self) -> TemplateService:
        from crossdesk.templates import TemplateService

        return TemplateService(self)

    @cached_property
    def sla(self) -> SlaService:
        from crossdesk.sla import SlaService

        return SlaService(self)

    @cached_property
    def sync(self) -> SyncService:
        from crossdesk.sync import SyncService

        return SyncService(self)

    @cached_property
    def translation(self) -> TranslationService:
        from crossdesk.translation import TranslationService

        return TranslationService(self)

    # ---- transactions, permissions, audit, events ---------------------------------------------------

    @contextmanager
    def tx(self) -> Iterator[sqlite_utils.Database]:
        """One atomic unit of work; nested calls are savepoints. Events raised inside are delivered to
        ``crossdesk_event`` observers only after the outermost transaction commits."""
        outermost = not self.db.conn.in_transaction
        try:
            with storage.transaction(self.db):
                yield self.db
        except BaseException:
            if outermost:
                self._pending_events.clear()
            raise
        if outermost:
            events, self._pending_events = self._pending_events, []
            for event in events:
                self.pm.hook.crossdesk_event(event=event)

    def refund_limits(self) -> dict[Role, int | None]:
        custom = self.get_setting("refund_limits", None)
        if not custom:
            return dict(REFUND_LIMITS_USD_MINOR)
        return {Role(k): (None if v is None else int(v)) for k, v in custom.items()}

    def require(self, actor: Actor, permission: str, *, amount_usd_minor: int | None = None) -> None:
        """Raise :class:`PermissionDenied` unless ``actor`` may do ``permission``."""
        if not isinstance(actor, Actor):
            raise TypeError("every service call needs an Actor as its first argument")
        check(actor, permission, amount_usd_minor=amount_usd_minor, limits=self.refund_limits())

    def audit(
        self,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: int | None,
        before: Any = None,
        after: Any = None,
    ) -> int:
        """Write one audit row. Call inside the transaction of the change it records."""
        return self.insert(
            "audit",
            {
                "at": self.now(),
                "actor": actor.name,
                "role": actor.role.value,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "before": None if before is None else _json(before),
                "after": None if after is None else _json(after),
            },
        )

    def emit(self, actor: Actor, name: str, object_type: str, object_id: int | None, **data: Any) -> Event:
        """Raise a domain event: the pipeline steps (classification, SLA, rules) run now, inside the
        current transaction; plugin observers hear of it after commit."""
        event = Event(
            name=name,
            object_type=object_type,
            object_id=object_id,
            actor=actor.name,
            at=self.now(),
            data=data,
        )
        pipeline.run(self, actor, event)
        self._pending_events.append(event)
        if not self.db.conn.in_transaction:
            events, self._pending_events = self._pending_events, []
            for queued in events:
                self.pm.hook.crossdesk_event(event=queued)
        return event

    def audit_trail(
        self, actor: Actor, object_type: str | None = None, object_id: int | None = None, limit: int = 200
    ) -> list[dict]:
        self.require(actor, "view")
        where, args = [], []
        if object_type is not None:
            where.append("object_type = ?")
            args.append(object_type)
        if object_id is not None:
            where.append("object_id = ?")
            args.append(object_id)
        sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY id DESC LIMIT ?"
        rows = [dict(r) for r in self.db.query(sql, [*args, limit])]
        for row in rows:
            for key in ("before", "after"):
                if row[key] is not None:
                    row[key] = orjson.loads(row[key])
        return rows

    # ---- settings ----------------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return default if row is None else orjson.loads(row[0])

    def set_setting(self, actor: Actor, key: str, value: Any) -> None:
        self.require(actor, "manage_settings")
        with self.tx():
            before = self.get_setting(key)
            self.db["settings"].upsert({"key": key, "value": _json(value)}, pk="key")
            self.audit(actor, "setting.set", "setting", None, {key: before}, {key: value})

    # ---- team ----------------------------------------------------------------------------------------

    def create_team(
        self,
        actor: Actor,
        name: str,
        *,
        languages: Sequence[str] = (),
        skills: Sequence[str] = (),
        timezone: str = "UTC",
        calendar: Mapping | None = None,
    ) -> int:
        self.require(actor, "manage_settings")
        row = {
            "name": name,
            "languages": _json(list(languages)),
            "skills": _json(list(skills)),
            "timezone": timezone,
            "calendar": _json(dict(calendar or {})),
        }
        with self.tx():
            if self.db.execute("SELECT 1 FROM teams WHERE name = ?", [name]).fetchone():
                raise DeskError(f"a team named {name!r} already exists")
            team_id = self.insert("teams", row)
            self.audit(actor, "team.create", "team", team_id, None, row)
        return team_id

    def create_agent(
        self,
        actor: Actor,
        name: str,
        role: Role | str = Role.AGENT,
        *,
        email: str = "",
        languages: Sequence[str] = (),
        skills: Sequence[str] = (),
        capacity: int = 20,
        team_id: int | None = None,
        timezone: str = "UTC",
    ) -> int:
        self.require(actor, "manage_settings")
        role = Role(role)
        if capacity < 0:
            raise DeskError("capacity cannot be negative")
        row = {
            "name": name,
            "email": email,
            "role": role.value,
            "team_id": team_id,
            "languages": _json(list(languages)),
            "skills": _json(list(skills)),
            "capacity": capacity,
            "active": 1,
            "timezone": timezone,
            "created_at": self.now(),
        }
        with self.tx():
            if self.db.execute("SELECT 1 FROM agents WHERE name = ?", [name]).fetchone():
                raise DeskError(f"an agent named {name!r} already exists")
            agent_id = self.insert("agents", row)
            self.audit(actor, "agent.create", "agent", agent_id, None, row)
        return agent_id

    def agents(self, actor: Actor) -> list[dict]:
        self.require(actor, "view")
        rows = [dict(r) for r in self.db.query("SELECT * FROM agents ORDER BY id")]
        for row in rows:
            row["languages"] = orjson.loads(row["languages"])
            row["skills"] = orjson.loads(row["skills"])
        return rows

    def actor_for(self, name: str) -> Actor:
        """The actor of the agent called ``name`` (sign-in)."""
        row = self.db.execute("SELECT id, name, role, active FROM agents WHERE name = ?", [name]).fetchone()
        if row is None:
            raise NotFound(f"no agent named {name!r} on this desk")
        if not row[3]:
            raise DeskError(f"agent {name!r} is deactivated")
        return Actor(name=row[1], role=Role(row[2]), agent_id=row[0])

    # ---- shops, customers, orders --------------------------------------------------------------------

    def upsert_shop(
        self,
        actor: Actor,
        *,
        platform: str,
        external_id: str,
        name: str,
        country: str = "",
        currency: str = "USD",
        marketplace: str = "",
        config: Mapping | None = None,
    ) -> int:
        self.require(actor, "manage_settings")
        platform = _required(platform, "platform").lower()
        external_id = _required(external_id, "shop external_id")
        row = {
            "platform": platform,
            "external_id": external_id,
            "name": name or external_id,
            "country": country.upper(),
            "currency": currency.upper(),
            "marketplace": marketplace,
            "config": _json(dict(config or {})),
        }
        with self.tx():
            existing = self.db.execute(
                "SELECT * FROM shops WHERE platform = ? AND external_id = ?", [platform, external_id]
            ).fetchone()
            if existing is None:
                row["created_at"] = self.now()
                shop_id = self.insert("shops", row)
                self.audit(actor, "shop.create", "shop", shop_id, None, row)
            else:
                shop_id = existing[0]
                before = self.get("shops", shop_id)
                if any(before[k] != v for k, v in row.items()):
                    self.update("shops", shop_id, row)
                    self.audit(actor, "shop.update", "shop", shop_id, before, row)
        return shop_id

    def shop_id(self, platform: str, external_id: str) -> int:
        row = self.db.execute(
            "SELECT id FROM shops WHERE platform = ? AND external_id = ?", [platform.lower(), external_id]
        ).fetchone()
        if row is None:
            raise NotFound(f"no {platform} shop {external_id!r} on this desk")
        return row[0]

    def upsert_customer(
        self,
        actor: Actor,
        *,
        platform: str,
        shop_id: int,
        external_id: str,
        name: str = "",
        email: str = "",
        phone: str = "",
        country: str = "",
        region: str = "",
        language: str = "",
        handle: str = "",
        tier: int | None = None,
    ) -> int:
        """Find or create the buyer behind a platform identity, merging across platforms.

        The identity (platform, shop, external id) is looked up first; a new identity joins an existing
        profile when its normalised e-mail or phone number matches one; otherwise a profile is created.
        """
        self.require(actor, "manage_settings")
        from crossdesk.api.identity import normalise_email, normalise_phone

        external_id = _required(external_id, "customer external_id")
        email_n = normalise_email(email)
        phone_n = normalise_phone(phone, country)
        now = self.now()
        with self.tx():
            row = self.db.execute(
                "SELECT customer_id FROM customer_identities WHERE platform = ? AND shop_id = ? AND external_id = ?",
                [platform, shop_id, external_id],
            ).fetchone()
            if row is not None:
                customer_id = row[0]
            else:
                customer_id = self._match_customer(email_n, phone_n)
                if customer_id is None:
                    customer_id = self.insert(
                        "customers",
                        {
                            "name": name,
                            "email": email_n,
                            "phone": phone_n,
                            "country": country.upper(),
                            "region": region.upper(),
                            "language": language,
                            "tier": int(tier or 0),
                            "created_at": now,
                            "updated_at": now,
                        },
                    )
                    self.audit(
                        actor,
                        "customer.create",
                        "customer",
                        customer_id,
                        None,
                        {"name": name, "country": country},
                    )
                self.insert(
                    "customer_identities",
                    {
                        "customer_id": customer_id,
                        "platform": platform,
                        "shop_id": shop_id,
                        "external_id": external_id,
                        "handle": handle,
                        "email": email_n,
                    },
                )
                self.audit(
                    actor,
                    "customer.identity_add",
                    "customer",
                    customer_id,
                    None,
                    {"platform": platform, "shop_id": shop_id, "external_id": external_id},
                )
            # Fill what the profile lacks; never overwrite what an agent may have corrected.
            current = self.get("customers", customer_id)
            patch = {
                k: v
                for k, v in {
                    "name": name,
                    "email": email_n,
                    "phone": phone_n,
                    "country": country.upper(),
                    "region": region.upper(),
                    "language": language,
                }.items()
                if v and not current[k]
            }
            if tier is not None and int(tier) != current["tier"]:
                patch["tier"] = int(tier)
            if patch:
                patch["updated_at"] = now
                self.update("customers", customer_id, patch)
        return customer_id

    def _match_customer(self, email: str, phone: str) -> int | None:
        for column, value in (("email", email), ("phone", phone)):
            if value:
                row = self.db.execute(
                    f"SELECT id FROM customers WHERE {column} = ? AND merged_into IS NULL ORDER BY id LIMIT 1",
                    [value],
                ).fetchone()
                if row:
                    return row[0]
        return None

    def customer(self, actor: Actor, customer_id: int) -> dict:
        """The merged profile: identities on every platform, orders with lines, tickets, lifetime value."""
        self.require(actor, "view")
        row = self.db.execute("SELECT * FROM customers WHERE id = ?", [customer_id]).fetchone()
        if row is None:
            raise NotFound(f"no customer #{customer_id}")
        profile = dict(self.get("customers", customer_id))
        profile["identities"] = [
            dict(r)
            for r in self.db.query(
                "SELECT i.*, s.name AS shop_name FROM customer_identities i JOIN shops s ON s.id = i.shop_id "
                "WHERE customer_id = ? ORDER BY i.id",
                [customer_id],
            )
        ]
        orders = [
            dict(r)
            for r in self.db.query(
                "SELECT o.*, s.name AS shop_name FROM orders o JOIN shops s ON s.id = o.shop_id "
                "WHERE customer_id = ? ORDER BY ordered_at DESC",
                [customer_id],
            )
        ]
        for order in orders:
            order["lines"] = [
                dict(r)
                for r in self.db.query(
                    "SELECT * FROM order_lines WHERE order_id = ? ORDER BY id", [order["id"]]
                )
            ]
        profile["orders"] = orders
        profile["tickets"] = [
            dict(r)
            for r in self.db.query(
                "SELECT id, platform, subject, status, intent, created_at FROM tickets WHERE customer_id = ? "
                "ORDER BY created_at DESC",
                [customer_id],
            )
        ]
        profile["lifetime_value_usd"] = round(
            sum(self.to_usd(o["total_minor"], o["currency"]) for o in orders), 2
        )
        return profile

    def merge_candidates(
        self, actor: Actor, customer_id: int, *, limit: int = 5, min_score: float = 88.0
    ) -> list[tuple[int, float]]:
        """Profiles that may be the same buyer: same country and a near-identical name (rapidfuzz).
        A suggestion for an agent to confirm, never merged automatically."""
        self.require(actor, "view")
        from rapidfuzz import fuzz, process

        me = self.get("customers", customer_id)
        others = {
            r[0]: r[1]
            for r in self.db.execute(
                "SELECT id, name FROM customers WHERE country = ? AND id <> ? AND merged_into IS NULL AND name <> ''",
                [me["country"], customer_id],
            )
        }
        found = process.extract(
            me["name"], others, scorer=fuzz.token_sort_ratio, limit=limit, score_cutoff=min_score
        )
        return [(key, float(score)) for _, score, key in found]

    def merge_customers(self, actor: Actor, keep_id: int, other_id: int) -> None:
        """Merge ``other_id`` into ``keep_id``: identities, orders, tickets and cases move over."""
        self.require(actor, "manage_settings")
        if keep_id == other_id:
            raise DeskError("cannot merge a customer into itself")
        with self.tx():
            for cid in (keep_id, other_id):
                if self.db.execute("SELECT 1 FROM customers WHERE id = ?", [cid]).fetchone() is None:
                    raise NotFound(f"no customer #{cid}")
            for table in ("customer_identities", "orders", "tickets", "cases"):
                self.db.execute(
                    f"UPDATE {table} SET customer_id = ? WHERE customer_id = ?", [keep_id, other_id]
                )
            self.update("customers", other_id, {"merged_into": keep_id, "updated_at": self.now()})
            self.audit(actor, "customer.merge", "customer", keep_id, {"merged": other_id}, {"into": keep_id})

    def to_usd(self, amount_minor: int, currency: str) -> float:
        rate = self._rates().get(currency.upper())
        if rate is None:
            return 0.0
        usd_per_unit, digits = rate
        return amount_minor / (10**digits) * usd_per_unit

    def minor_digits(self, currency: str) -> int:
        rate = self._rates().get(currency.upper())
        return 2 if rate is None else rate[1]

    def _rates(self) -> dict[str, tuple[float, int]]:
        if not hasattr(self, "_rates_cache"):
            self._rates_cache = {
                r[0]: (r[1], r[2])
                for r in self.db.execute("SELECT currency, usd_per_unit, minor_digits FROM rates")
            }
        return self._rates_cache

    def upsert_order(
        self,
        actor: Actor,
        *,
        platform: str,
        shop_id: int,
        external_id: str,
        customer_id: int | None,
        currency: str,
        ordered_at: int,
        lines: Sequence[Mapping[str, Any]],
        status: str = "paid",
        shipped_at: int | None = None,
        delivered_at: int | None = None,
        tracking_number: str = "",
        carrier: str = "",
        country: str = "",
        region: str = "",
        total_minor: int | None = None,
    ) -> int:
        """Insert or update an order and its lines (each line: sku, quantity, unit_price_minor, and
        optionally external_id, title, delivered_at). The total defaults to the sum of the lines."""
        self.require(actor, "manage_settings")
        external_id = _required(external_id, "order external_id")
        currency = _currency(currency)
        clean_lines = []
        for i, line in enumerate(lines):
            qty = int(line.get("quantity", 1))
            price = int(line["unit_price_minor"])
            if qty <= 0:
                raise DeskError(f"order {external_id}: line {i + 1} has quantity {qty}; it must be positive")
            if price < 0:
                raise DeskError(f"order {external_id}: line {i + 1} has a negative price")
            clean_lines.append(
                {
                    "external_id": str(line.get("external_id") or i + 1),
                    "sku": _required(str(line.get("sku", "")), f"order {external_id} line sku"),
                    "title": str(line.get("title", "")),
                    "quantity": qty,
                    "unit_price_minor": price,
                    "currency": currency,
                    "delivered_at": line.get("delivered_at", delivered_at),
                }
            )
        total = (
            int(total_minor)
            if total_minor is not None
            else sum(line["quantity"] * line["unit_price_minor"] for line in clean_lines)
        )
        row = {
            "platform": platform,
            "shop_id": shop_id,
            "external_id": external_id,
            "customer_id": customer_id,
            "status": status,
            "currency": currency,
            "total_minor": total,
            "ordered_at": int(ordered_at),
            "shipped_at": shipped_at,
            "delivered_at": delivered_at,
            "tracking_number": tracking_number,
            "carrier": carrier,
            "country": country.upper(),
            "region": region.upper(),
        }
        with self.tx():
            existing = self.db.execute(
                "SELECT id FROM orders WHERE platform = ? AND shop_id = ? AND external_id = ?",
                [platform, shop_id, external_id],
            ).fetchone()
            if existing is None:
                order_id = self.insert("orders", row)
                self.audit(actor, "order.create", "order", order_id, None, row)
            else:
                order_id = existing[0]
                before = self.get("orders", order_id)
                changed = {k: v for k, v in row.items() if before[k] != v}
                if changed:
                    self.update("orders", order_id, changed)
                    self.audit(
                        actor, "order.update", "order", order_id, {k: before[k] for k in changed}, changed
                    )
            for line in clean_lines:
                line["order_id"] = order_id
                self.db.execute(
                    "INSERT INTO order_lines (order_id, external_id, sku, title, quantity, unit_price_minor, "
                    "currency, delivered_at) VALUES (:order_id, :external_id, :sku, :title, :quantity, "
                    ":unit_price_minor, :currency, :delivered_at) ON CONFLICT (order_id, external_id) DO UPDATE "
                    "SET sku = excluded.sku, title = excluded.title, quantity = excluded.quantity, "
                    "unit_price_minor = excluded.unit_price_minor, delivered_at = excluded.delivered_at",
                    line,
                )
        return order_id

    def order_id(self, platform: str, shop_id: int, external_id: str) -> int | None:
        row = self.db.execute(
            "SELECT id FROM orders WHERE platform = ? AND shop_id = ? AND external_id = ?",
            [platform, shop_id, external_id],
        ).fetchone()
        return None if row is None else row[0]

    # ---- messages and tickets ------------------------------------------------------------------------

    def receive_message(
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
        self.require(actor, "manage_settings")
        body, repaired = clean_text(body)
        if len(body) > MAX_BODY_CHARS:
            raise DeskError(
                f"message {external_id} is {len(body):,} characters; the limit is {MAX_BODY_CHARS:,}"
            )
        if not body.strip():
            raise DeskError(f"message {external_id} is empty")
        thread_id = _required(thread_id, "thread id")
        external_id = _required(external_id, "message external_id")
        created_at = int(created_at)
        with self.tx():
            dup = self.db.execute(
                "SELECT ticket_id, id FROM messages WHERE platform = ? AND shop_id = ? AND external_id = ?",
                [platform, shop_id, external_id],
            ).fetchone()
            if dup is not None:
                return dup[0], dup[1], False
            ticket = self.db.execute(
                "SELECT id, status, last_customer_msg_at, customer_id, order_id FROM tickets "
                "WHERE platform = ? AND shop_id = ? AND external_id = ?",
                [platform, shop_id, thread_id],
            ).fetchone()
            created_ticket = ticket is None
            if created_ticket:
                tier, value = self._ticket_context(customer_id, order_id)
                ticket_id = self.insert(
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
                self.audit(
                    actor,
                    "ticket.create",
                    "ticket",
                    ticket_id,
                    None,
                    {"platform": platform, "shop_id": shop_id, "external_id": thread_id},
                )
            else:
                ticket_id = ticket[0]
                patch: dict[str, Any] = {"updated_at": max(created_at, self.now())}
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
                    patch["tier"], patch["order_value_usd"] = self._ticket_context(
                        patch.get("customer_id", ticket[3]), patch.get("order_id", ticket[4])
                    )
                if "status" in patch:
                    self.audit(
                        actor,
                        "ticket.reopen",
                        "ticket",
                        ticket_id,
                        {"status": ticket[1]},
                        {"status": patch["status"]},
                    )
                self.update("tickets", ticket_id, patch)
            message_id = self.insert(
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
                self.db.execute(
                    "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, 'encoding-repaired')",
                    [ticket_id],
                )
            if created_ticket:
                self.emit(actor, "ticket_created", "ticket", ticket_id, message_id=message_id)
            self.emit(actor, "message_received", "ticket", ticket_id, message_id=message_id)
        return ticket_id, message_id, True

    def _ticket_context(self, customer_id: int | None, order_id: int | None) -> tuple[int, float]:
        tier = 0
        value = 0.0
        if customer_id is not None:
            row = self.db.execute("SELECT tier FROM customers WHERE id = ?", [customer_id]).fetchone()
            tier = row[0] if row else 0
        if order_id is not None:
            row = self.db.execute(
                "SELECT total_minor, currency FROM orders WHERE id = ?", [order_id]
            ).fetchone()
            if row:
                value = round(self.to_usd(row[0], row[1]), 2)
        return tier, value

    def ticket(self, actor: Actor, ticket_id: int) -> dict:
        """A ticket with its messages, tags, shop, customer and order."""
        self.require(actor, "view")
        row = self._ticket_row(ticket_id)
        row["tags"] = self.tags(ticket_id)
        row["messages"] = [
            dict(r)
            for r in self.db.query(
                "SELECT * FROM messages WHERE ticket_id = ? ORDER BY created_at, id", [ticket_id]
            )
        ]
        row["shop"] = dict(self.get("shops", row["shop_id"]))
        return row

    def _ticket_row(self, ticket_id: int) -> dict:
        cursor = self.db.execute("SELECT * FROM tickets WHERE id = ?", [ticket_id])
        values = cursor.fetchone()
        if values is None:
            raise NotFound(f"no ticket #{ticket_id}")
        return dict(zip([d[0] for d in cursor.description], values, strict=True))

    def tags(self, ticket_id: int) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT tag FROM ticket_tags WHERE ticket_id = ? ORDER BY tag", [ticket_id]
            )
        ]

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

    def update_ticket(self, actor: Actor, ticket_id: int, *, event: bool = True, **changes: Any) -> dict:
        """Change ticket fields (status, type, priority, assignee...). Returns the fields that changed."""
        self.require(actor, "reply")
        unknown = set(changes) - self.UPDATABLE
        if unknown:
            raise DeskError(f"cannot set {', '.join(sorted(unknown))} on a ticket")
        if "status" in changes:
            changes["status"] = int(TicketStatus.parse(changes["status"]))
        agent = changes.get("assignee_id")
        if agent is not None and not self.db.execute("SELECT 1 FROM agents WHERE id = ?", [agent]).fetchone():
            raise NotFound(f"no agent #{agent}")
        with self.tx():
            before = self._ticket_row(ticket_id)
            diff = {k: v for k, v in changes.items() if before[k] != v}
            if not diff:
                return {}
            patch = dict(diff, updated_at=self.now())
            if diff.get("status") in (TicketStatus.SOLVED, TicketStatus.CLOSED):
                patch["solved_at"] = self.now()
            self.update("tickets", ticket_id, patch)
            self.audit(actor, "ticket.update", "ticket", ticket_id, {k: before[k] for k in diff}, diff)
            if event:
                self.emit(
                    actor,
                    "ticket_updated",
                    "ticket",
                    ticket_id,
                    changes={k: (before[k], v) for k, v in diff.items()},
                )
        return diff

    def assign(self, actor: Actor, ticket_ids: Iterable[int], agent_id: int | None) -> dict[int, str]:
        """Assign tickets to an agent (None unassigns). Several tickets need the bulk permission.
        Returns a result per ticket: "ok", "unchanged" or the error."""
        ids = list(ticket_ids)
        if len(ids) > 1:
            self.require(actor, "bulk")
        return self._each(
            ids, lambda tid: "ok" if self.update_ticket(actor, tid, assignee_id=agent_id) else "unchanged"
        )

    def add_tags(self, actor: Actor, ticket_id: int, tags: Iterable[str]) -> list[str]:
        self.require(actor, "reply")
        added = []
        with self.tx():
            self._ticket_row(ticket_id)
            for tag in tags:
                tag = tag.strip().lower()
                if (
                    tag
                    and self.db.execute(
                        "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)", [ticket_id, tag]
                    ).rowcount
                ):
                    added.append(tag)
            if added:
                self.audit(actor, "ticket.tag", "ticket", ticket_id, None, {"added": added})
                self.emit(actor, "ticket_updated", "ticket", ticket_id, changes={"tags": (None, added)})
        return added

    def remove_tags(self, actor: Actor, ticket_id: int, tags: Iterable[str]) -> list[str]:
        self.require(actor, "reply")
        removed = []
        with self.tx():
            for tag in tags:
                tag = tag.strip().lower()
                if self.db.execute(
                    "DELETE FROM ticket_tags WHERE ticket_id = ? AND tag = ?", [ticket_id, tag]
                ).rowcount:
                    removed.append(tag)
            if removed:
                self.audit(actor, "ticket.untag", "ticket", ticket_id, {"removed": removed}, None)
                self.emit(actor, "ticket_updated", "ticket", ticket_id, changes={"tags": (removed, None)})
        return removed

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
    ) -> int:
        """Send a reply to the buyer: stored as an outbound message and queued in the outbox for the
        platform connector. ``body`` is what the buyer receives; ``translation`` the agent's own-language
        text when the reply was translated. Returns the message id."""
        self.require(actor, "reply")
        body, _ = clean_text(body)
        if not body.strip():
            raise DeskError("a reply cannot be empty")
        now = self.now()
        with self.tx():
            ticket = self._ticket_row(ticket_id)
            message_id = self._insert_outbound(actor, ticket, body, Direction.OUT, language, translation, now)
            self.enqueue_outbox(
                actor,
                kind="message",
                platform=ticket["platform"],
                shop_id=ticket["shop_id"],
                ticket_id=ticket_id,
                key=f"message:{message_id}",
                payload={
                    "thread_id": ticket["external_id"],
                    "body": body,
                    "message_id": message_id,
                    "template": template,
                },
            )
            patch: dict[str, Any] = {"last_agent_msg_at": now, "updated_at": now}
            if ticket["first_replied_at"] is None:
                patch["first_replied_at"] = now
            self.update("tickets", ticket_id, patch)
            self.audit(
                actor,
                "ticket.reply",
                "ticket",
                ticket_id,
                None,
                {"message_id": message_id, "template": template},
            )
            self.emit(actor, "replied", "ticket", ticket_id, message_id=message_id)
            if status is not None:
                self.update_ticket(actor, ticket_id, status=status)
        return message_id

    def add_note(self, actor: Actor, ticket_id: int, body: str) -> int:
        """An internal note: stored on the thread, never sent."""
        self.require(actor, "reply")
        body, _ = clean_text(body)
        if not body.strip():
            raise DeskError("a note cannot be empty")
        with self.tx():
            ticket = self._ticket_row(ticket_id)
            message_id = self._insert_outbound(actor, ticket, body, Direction.NOTE, "", "", self.now())
            self.audit(actor, "ticket.note", "ticket", ticket_id, None, {"message_id": message_id})
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
        pk = self.insert(
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
        self.db.execute("UPDATE messages SET external_id = ? WHERE id = ?", [f"crossdesk:{pk}", pk])
        return pk

    def enqueue_outbox(
        self,
        actor: Actor,
        *,
        kind: str,
        platform: str,
        key: str,
        payload: Mapping[str, Any],
        shop_id: int | None = None,
        ticket_id: int | None = None,
        case_id: int | None = None,
    ) -> int:
        """Queue an action for a platform connector. ``key`` makes it idempotent: queueing the same key twice
        returns the first item and queues nothing."""
        now = self.now()
        with self.tx():
            row = self.db.execute("SELECT id FROM outbox WHERE idempotency_key = ?", [key]).fetchone()
            if row is not None:
                return row[0]
            item = {
                "kind": kind,
                "platform": platform,
                "shop_id": shop_id,
                "ticket_id": ticket_id,
                "case_id": case_id,
                "payload": _json(dict(payload)),
                "idempotency_key": key,
                "status": "pending",
                "created_at": now,
                "next_attempt_at": now,
            }
            pk = self.insert("outbox", item)
            self.audit(actor, "outbox.enqueue", "outbox", pk, None, {"kind": kind, "key": key})
        return pk

    def list_tickets(
        self,
        actor: Actor,
        *,
        limit: int = 100,
        offset: int = 0,
        order: str = "priority",
        **filters: Any,
    ) -> list[dict]:
        """Tickets for the inbox filters (see :meth:`ticket_filter`), highest priority first
        (``order="created"`` for oldest first, ``"updated"`` for most recently changed)."""
        self.require(actor, "view")
        where, args = self.ticket_filter(**filters)
        order_sql = {
            "priority": "t.priority DESC, t.created_at ASC, t.id ASC",
            "created": "t.created_at ASC, t.id ASC",
            "updated": "t.updated_at DESC, t.id DESC",
        }.get(order)
        if order_sql is None:
            raise DeskError(f"unknown order {order!r}")
        sql = f"SELECT t.* FROM tickets t WHERE {where} ORDER BY {order_sql} LIMIT ? OFFSET ?"
        return [dict(r) for r in self.db.query(sql, [*args, limit, offset])]

    def count_tickets(self, actor: Actor, **filters: Any) -> int:
        """How many tickets :meth:`list_tickets` would page through for the same filters."""
        self.require(actor, "view")
        where, args = self.ticket_filter(**filters)
        return int(self.db.execute(f"SELECT COUNT(*) FROM tickets t WHERE {where}", args).fetchone()[0])

    @staticmethod
    def ticket_filter(
        *,
        status: Iterable[str | int] | None = None,
        platform: str | None = None,
        shop_id: int | None = None,
        language: str | None = None,
        intent: str | None = None,
        tier: int | None = None,
        assignee_id: int | None = None,
        unassigned: bool = False,
        tag: str | None = None,
        search: str | None = None,
        breaching_before: int | None = None,
    ) -> tuple[str, list[Any]]:
        """The SQL condition (over ``tickets t``) and its arguments for the inbox filters. Without
        ``status``, the open statuses; ``search`` is full text over message bodies and translations."""
        where: list[str] = []
        args: list[Any] = []
        statuses = (
            [int(TicketStatus.parse(s)) for s in status]
            if status is not None
            else [int(s) for s in OPEN_STATUSES]
        )
        where.append(f"t.status IN ({','.join('?' * len(statuses))})")
        args += statuses
        for column, value in (
            ("platform", platform),
            ("shop_id", shop_id),
            ("language", language),
            ("intent", intent),
            ("tier", tier),
            ("assignee_id", assignee_id),
        ):
            if value is not None:
                where.append(f"t.{column} = ?")
                args.append(value)
        if unassigned:
            where.append("t.assignee_id IS NULL")
        if tag:
            where.append("EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ?)")
            args.append(tag.lower())
        if breaching_before is not None:
            where.append("t.sla_due IS NOT NULL AND t.sla_due <= ?")
            args.append(breaching_before)
        if search:
            where.append(
                "t.id IN (SELECT m.ticket_id FROM messages m JOIN messages_fts f ON f.rowid = m.id "
                "WHERE messages_fts MATCH ?)"
            )
            args.append(fts_query(search))
        return " AND ".join(where), args

    def _each(self, ids: Sequence[int], fn: Callable[[int], str]) -> dict[int, str]:
        """Run ``fn`` per item, each in its own savepoint: a failure leaves that item untouched and is
        reported; the others go on."""
        results: dict[int, str] = {}
        for item in ids:
            try:
                with self.tx():
                    results[item] = fn(item)
            except PermissionDenied:
                raise
            except DeskError as exc:
                results[item] = f"error: {exc}"
        return results


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word quoted, all required."""
    words = [w.replace('"', '""') for w in text.split() if w.strip()]
    if not words:
        raise DeskError("search needs at least one word")
    return " ".join(f'"{w}"' for w in words)


def _required(value: str, what: str) -> str:
    value = (value or "").strip() if isinstance(value, str) else str(value)
    if not value:
        raise DeskError(f"{what} is missing")
    return value


def _currency(code: str) -> str:
    code = (code or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise DeskError(f"{code!r} is not an ISO 4217 currency code")
    return code
