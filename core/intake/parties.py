"""Buyers and orders in batches: the same answers as ``CustomerService.upsert`` and ``OrderService.upsert``
record by record, with one indexed lookup per shop and batch instead of one query per record."""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from crossdesk.customers.identity import normalise_email
from crossdesk.customers.service import _seller_sql
from crossdesk.errors import DeskError
from crossdesk.intake.phones import normalise as normalise_phone
from crossdesk.intake.sql import audit_many, by_ids, by_platform_key, chunks, insert_many, next_id
from crossdesk.models import Actor
from crossdesk.store import Store, to_json
from crossdesk.store.values import amounts, currency_code, required

_PROFILE = ("name", "email", "phone", "country", "region", "language", "tier", "merged_into")


def upsert_customers(
    store: Store,
    actor: Actor,
    rows: Sequence[Mapping[str, Any]],
    phones: Callable[[str, str], str] = normalise_phone,
) -> list[tuple[int, str] | DeskError]:
    """Each row as ``CustomerService.upsert`` takes it; per row ``(customer_id, "added" | "unchanged")``
    (added: the identity is new) or the :class:`DeskError` that refused it. ``phones(phone, country)``
    normalises a number (:mod:`crossdesk.intake.phones`)."""
    now = store.now()
    results: list[tuple[int, str] | DeskError] = []
    prepared: list[dict[str, Any] | None] = []
    for row in rows:
        try:
            ext = required(str(row.get("external_id") or ""), "customer external_id")
        except DeskError as exc:
            results.append(exc)
            prepared.append(None)
            continue
        country = str(row.get("country") or "")
        prepared.append(
            {
                "key": (row["platform"], row["shop_id"], ext),
                "name": row.get("name") or "",
                "email": normalise_email(row.get("email") or ""),
                "phone": phones(str(row.get("phone") or ""), country),
                "country": country.upper(),
                "region": str(row.get("region") or "").upper(),
                "language": row.get("language") or "",
                "handle": row.get("handle") or "",
                "tier": row.get("tier"),
            }
        )
        results.append((0, ""))
    live = [p for p in prepared if p is not None]
    identities = {
        k: v[0]
        for k, v in by_platform_key(
            store, "customer_identities", "customer_id", (p["key"] for p in live)
        ).items()
    }
    # Contact details of profiles the new identities may join: the lowest id among the buyers of the same
    # seller (a shop's ``config.seller``), as in ``CustomerService._match``.
    emails = sorted({p["email"] for p in live if p["email"] and p["key"] not in identities})
    phones = sorted({p["phone"] for p in live if p["phone"] and p["key"] not in identities})
    contacts = _Contacts(store, [k[1] for k in identities] + [p["key"][1] for p in live])
    contacts.load(emails, phones)
    profiles: dict[int, dict[str, Any]] = {
        cid: dict(zip(_PROFILE, values, strict=True))
        for cid, values in by_ids(
            store,
            "customers",
            ", ".join(_PROFILE),
            [*identities.values(), *contacts.candidates()],
        ).items()
    }
    new_id = next_id(store, "customers")
    created: list[dict[str, Any]] = []
    new_identities: list[dict[str, Any]] = []
    audits: list[tuple[str, str, int | None, Any, Any]] = []
    patches: dict[int, dict[str, Any]] = {}
    for i, p in enumerate(prepared):
        if p is None:
            continue
        key = p["key"]
        outcome = "unchanged"
        made = False
        customer_id = identities.get(key)
        if customer_id is None:
            outcome = "added"
            customer_id = contacts.match(p["email"], p["phone"], key[1])
            if customer_id is None:
                customer_id, new_id = new_id, new_id + 1
                made = True
                profile = {
                    "id": customer_id,
                    "name": p["name"],
                    "email": p["email"],
                    "phone": p["phone"],
                    "country": p["country"],
                    "region": p["region"],
                    "language": p["language"],
                    "tier": int(p["tier"] or 0),
                    "created_at": now,
                    "updated_at": now,
                }
                created.append(profile)
                profiles[customer_id] = {**profile, "merged_into": None}
                contacts.remember(customer_id, p["email"], p["phone"], new=True)
                audits.append(
                    (
                        "customer.create",
                        "customer",
                        customer_id,
                        None,
                        {"name": p["name"], "country": p["country"]},
                    )
                )
            identities[key] = customer_id
            contacts.joined(customer_id, key[1])
            new_identities.append(
                {
                    "customer_id": customer_id,
                    "platform": key[0],
                    "shop_id": key[1],
                    "external_id": key[2],
                    "handle": p["handle"],
                    "email": p["email"],
                }
            )
            audits.append(
                (
                    "customer.identity_add",
                    "customer",
                    customer_id,
                    None,
                    {"platform": key[0], "shop_id": key[1], "external_id": key[2]},
                )
            )
        if made:  # the profile was made from this row just now: it has nothing to fill
            results[i] = (customer_id, outcome)
            continue
        current = profiles.get(customer_id)
        if current is None:  # an identity whose profile was not fetched yet
            fetched = by_ids(store, "customers", ", ".join(_PROFILE), [customer_id])[customer_id]
            current = profiles[customer_id] = dict(zip(_PROFILE, fetched, strict=True))
        patch = {
            k: p[k]
            for k in ("name", "email", "phone", "country", "region", "language")
            if p[k] and not current[k]
        }
        if p["tier"] is not None and int(p["tier"]) != current["tier"]:
            patch["tier"] = int(p["tier"])
        if patch:
            current.update(patch)
            if current.get("merged_into") is None:
                contacts.remember(customer_id, patch.get("email", ""), patch.get("phone", ""))
            patches.setdefault(customer_id, {}).update(patch, updated_at=now)
        results[i] = (customer_id, outcome)
    insert_many(store, "customers", created)
    insert_many(store, "customer_identities", new_identities)
    created_ids = {c["id"] for c in created}
    for customer_id, patch in patches.items():
        if customer_id not in created_ids or set(patch) - {"updated_at"}:
            store.update("customers", customer_id, patch)
    audit_many(store, actor, audits)
    return results


class _Contacts:
    """Profiles by exact e-mail and phone, with the sellers of their identities: a new identity joins the
    lowest profile whose identities are all with its own shop's seller (buyers of different sellers are
    never merged). Loaded once per batch; kept current as the batch creates profiles and identities."""

    def __init__(self, store: Store, shop_ids: list[int]) -> None:
        self.store = store
        self.seller_of: dict[int, str] = {}
        for part in chunks(sorted(set(shop_ids))):
            marks = ",".join("?" * len(part))
            self.seller_of.update(
                store.db.execute(
                    f"SELECT id, {_seller_sql().format(s='shops')} FROM shops WHERE id IN ({marks})",
                    list(part),
                )
            )
        self.ids: dict[str, dict[str, list[int]]] = {"email": {}, "phone": {}}
        self.sellers: dict[int, set[str]] = {}

    def load(self, emails: list[str], phones: list[str]) -> None:
        store = self.store
        for column, values in (("email", emails), ("phone", phones)):
            for part in chunks(values):
                marks = ",".join("?" * len(part))
                for value, cid in store.db.execute(
                    f"SELECT {column}, id FROM customers WHERE {column} IN ({marks}) AND {column} <> '' "
                    f"AND merged_into IS NULL ORDER BY id",
                    list(part),
                ):
                    self.ids[column].setdefault(value, []).append(cid)
        wanted = sorted(self.candidates())
        seller = _seller_sql().format(s="s")
        for part in chunks(wanted):
            marks = ",".join("?" * len(part))
            for cid, name in store.db.execute(
                f"SELECT i.customer_id, {seller} FROM customer_identities i JOIN shops s ON s.id = i.shop_id "
                f"WHERE i.customer_id IN ({marks})",
                list(part),
            ):
                self.sellers.setdefault(cid, set()).add(name)

    def candidates(self) -> set[int]:
        return {cid for column in self.ids.values() for ids in column.values() for cid in ids}

    def match(self, email: str, phone: str, shop_id: int) -> int | None:
        mine = {self.seller_of.get(shop_id, "")}
        for column, value in (("email", email), ("phone", phone)):
            for cid in self.ids[column].get(value, []) if value else []:
                if self.sellers.get(cid, set()) <= mine:
                    return cid
        return None

    def remember(self, customer_id: int, email: str, phone: str, *, new: bool = False) -> None:
        """``customer_id`` (``new``: created by this batch) now has this e-mail and phone."""
        if not new and customer_id not in self.sellers and (email or phone):
            self.sellers[customer_id] = {
                name
                for (name,) in self.store.db.execute(
                    f"SELECT {_seller_sql().format(s='s')} FROM customer_identities i JOIN shops s "
                    "ON s.id = i.shop_id WHERE i.customer_id = ?",
                    [customer_id],
                )
            }
        for column, value in (("email", email), ("phone", phone)):
            if value:
                ids = self.ids[column].setdefault(value, [])
                if customer_id not in ids:
                    insort(ids, customer_id)

    def joined(self, customer_id: int, shop_id: int) -> None:
        self.sellers.setdefault(customer_id, set()).add(self.seller_of.get(shop_id, ""))


_ORDER = (
    "platform",
    "shop_id",
    "external_id",
    "customer_id",
    "status",
    "currency",
    "total_minor",
    "ordered_at",
    "shipped_at",
    "delivered_at",
    "tracking_number",
    "carrier",
    "country",
    "region",
)


#: The columns of an order line's row after ``order_id``, as :func:`order_row` makes them.
_LINE = ("external_id", "sku", "title", "quantity", "unit_price_minor", "currency", "delivered_at")


def upsert_orders(
    store: Store, actor: Actor, rows: Sequence[Mapping[str, Any]], *, checked: bool = False
) -> list[tuple[int, str] | DeskError]:
    """Each row as ``OrderService.upsert`` takes it; per row ``(order_id, "added" | "updated" |
    "unchanged")`` (updated: the order row changed) or the :class:`DeskError` that refused it.

    ``checked``: each row is already the order's row as :func:`order_row` makes it, its lines' rows under
    ``"lines"``, from a caller whose checks are the same (the importer's record checks): not checked
    again."""
    results: list[tuple[int, str] | DeskError] = []
    prepared: list[tuple[dict[str, Any], list[dict[str, Any]]] | None] = []
    for row in rows:
        if checked:
            order = dict(row)
            prepared.append((order, order.pop("lines")))
            results.append((0, ""))
            continue
        try:
            prepared.append(order_row(row))
            results.append((0, ""))
        except (DeskError, KeyError, TypeError, ValueError) as exc:
            prepared.append(None)
            results.append(exc if isinstance(exc, DeskError) else DeskError(str(exc)))
    keys = [(o["platform"], o["shop_id"], o["external_id"]) for o, _ in filter(None, prepared)]
    existing = {
        k: dict(zip(("id", *_ORDER[3:]), v, strict=True))
        for k, v in by_platform_key(store, "orders", "id, " + ", ".join(_ORDER[3:]), keys).items()
    }
    new_id = next_id(store, "orders")
    inserts: list[dict[str, Any]] = []
    unwritten: dict[int, dict[str, Any]] = {}  # the rows of ``inserts`` by id
    audits: list[tuple[str, str, int | None, Any, Any]] = []
    lines: list[tuple] = []
    for i, item in enumerate(prepared):
        if item is None:
            continue
        order, order_lines = item
        key = (order["platform"], order["shop_id"], order["external_id"])
        before = existing.get(key)
        if before is None:
            order_id, new_id = new_id, new_id + 1
            # The row to insert is also what a later row of the batch with the same key compares with
            # and changes (the key columns are equal and compared harmlessly).
            inserts.append({"id": order_id, **order})
            unwritten[order_id] = existing[key] = inserts[-1]
            audits.append(("order.create", "order", order_id, None, to_json(order)))
            results[i] = (order_id, "added")
        else:
            order_id = before["id"]
            changed = {k: v for k, v in order.items() if k in before and before[k] != v}
            if changed:
                if order_id not in unwritten:  # one added by an earlier row of this batch is written below
                    store.update("orders", order_id, changed)
                audits.append(
                    ("order.update", "order", order_id, to_json({k: before[k] for k in changed}), to_json(changed))
                )
                before.update(changed)
            results[i] = (order_id, "updated" if changed else "unchanged")
        lines.extend((order_id, *(line[c] for c in _LINE)) for line in order_lines)
    insert_many(store, "orders", inserts)
    if lines:
        store.db.conn.executemany(
            "INSERT INTO order_lines (order_id, external_id, sku, title, quantity, unit_price_minor, "
            "currency, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id, external_id) DO UPDATE "
            "SET sku = excluded.sku, title = excluded.title, quantity = excluded.quantity, "
            "unit_price_minor = excluded.unit_price_minor, delivered_at = excluded.delivered_at",
            lines,
        )
    audit_many(store, actor, audits, encoded=True)  # an order's row is large: written once, here
    return results


def order_row(row: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The checks and the row of ``OrderService.upsert``: the order's row and its lines' rows."""
    external_id = required(row["external_id"], "order external_id")
    currency = currency_code(row["currency"])
    delivered_at = row.get("delivered_at")
    clean = []
    for i, line in enumerate(row["lines"]):
        qty = int(line.get("quantity", 1))
        price = int(line["unit_price_minor"])
        if qty <= 0:
            raise DeskError(f"order {external_id}: line {i + 1} has quantity {qty}; it must be positive")
        if price < 0:
            raise DeskError(f"order {external_id}: line {i + 1} has a negative price")
        clean.append(
            {
                "external_id": str(line.get("external_id") or i + 1),
                "sku": required(str(line.get("sku", "")), f"order {external_id} line sku"),
                "title": str(line.get("title", "")),
                "quantity": qty,
                "unit_price_minor": price,
                "currency": currency,
                "delivered_at": line.get("delivered_at", delivered_at),
            }
        )
    total = row.get("total_minor")
    order = {
        "platform": row["platform"],
        "shop_id": row["shop_id"],
        "external_id": external_id,
        "customer_id": row.get("customer_id"),
        "status": row.get("status") or "paid",
        "currency": currency,
        "total_minor": amounts(f"order {external_id}", clean, total),
        "ordered_at": int(row["ordered_at"]),
        "shipped_at": row.get("shipped_at"),
        "delivered_at": delivered_at,
        "tracking_number": row.get("tracking_number") or "",
        "carrier": row.get("carrier") or "",
        "country": str(row.get("country") or "").upper(),
        "region": str(row.get("region") or "").upper(),
    }
    return order, clean
