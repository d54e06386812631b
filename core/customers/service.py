"""Buyers: one profile per person across platforms, merged by contact details, with every order."""

from __future__ import annotations

from crossdesk.customers.identity import normalise_email, normalise_phone
from crossdesk.customers.segments import describe
from crossdesk.models import Actor
from crossdesk.orders import Rates
from crossdesk.store import Store
from crossdesk.store.values import required


class CustomerService:
    """``desk.customers``: the identity merge intake goes through, the merged profile, merges by hand."""

    def __init__(self, store: Store, rates: Rates) -> None:
        self.store = store
        self.rates = rates

    def upsert(
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
        store = self.store
        store.require(actor, "manage_settings")
        external_id = required(external_id, "customer external_id")
        email_n = normalise_email(email)
        phone_n = normalise_phone(phone, country)
        now = store.now()
        with store.tx():
            row = store.db.execute(
                "SELECT customer_id FROM customer_identities WHERE platform = ? AND shop_id = ? AND external_id = ?",
                [platform, shop_id, external_id],
            ).fetchone()
            if row is not None:
                customer_id = row[0]
            else:
                customer_id = self._match(email_n, phone_n, shop_id)
                if customer_id is None:
                    customer_id = store.insert(
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
                    store.audit(
                        actor,
                        "customer.create",
                        "customer",
                        customer_id,
                        None,
                        {"name": name, "country": country},
                    )
                store.insert(
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
                store.audit(
                    actor,
                    "customer.identity_add",
                    "customer",
                    customer_id,
                    None,
                    {"platform": platform, "shop_id": shop_id, "external_id": external_id},
                )
            # Fill what the profile lacks; never overwrite what an agent may have corrected.
            current = store.get("customers", customer_id)
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
                store.update("customers", customer_id, patch)
        return customer_id

    def _match(self, email: str, phone: str, shop_id: int) -> int | None:
        """The profile with this exact normalised e-mail or phone, among the buyers of the same seller (a
        shop's ``config.seller``): buyers of different sellers are never merged."""
        seller = _seller_sql()
        for column, value in (("email", email), ("phone", phone)):
            if value:
                row = self.store.db.execute(
                    f"SELECT c.id FROM customers c WHERE c.{column} = ? AND c.merged_into IS NULL AND NOT EXISTS ("
                    f"SELECT 1 FROM customer_identities i JOIN shops s ON s.id = i.shop_id WHERE i.customer_id = c.id "
                    f"AND {seller.format(s='s')} <> (SELECT {seller.format(s='h')} FROM shops h WHERE h.id = ?)) "
                    "ORDER BY c.id LIMIT 1",
                    [value, shop_id],
                ).fetchone()
                if row:
                    return row[0]
        return None

    def profile(self, actor: Actor, customer_id: int) -> dict:
        """The merged profile: identities on every platform, orders with lines, tickets, lifetime value."""
        store = self.store
        store.require(actor, "view")
        profile = store.get("customers", customer_id)
        profile["identities"] = store.rows(
            "SELECT i.*, s.name AS shop_name FROM customer_identities i JOIN shops s ON s.id = i.shop_id "
            "WHERE customer_id = ? ORDER BY i.id",
            [customer_id],
        )
        orders = store.rows(
            "SELECT o.*, s.name AS shop_name FROM orders o JOIN shops s ON s.id = o.shop_id "
            "WHERE customer_id = ? ORDER BY ordered_at DESC",
            [customer_id],
        )
        for order in orders:
            order["lines"] = store.rows(
                "SELECT * FROM order_lines WHERE order_id = ? ORDER BY id", [order["id"]]
            )
        profile["orders"] = orders
        profile["tickets"] = store.rows(
            "SELECT id, platform, subject, status, intent, created_at FROM tickets WHERE customer_id = ? "
            "ORDER BY created_at DESC",
            [customer_id],
        )
        profile["lifetime_value_usd"] = round(
            sum(self.rates.to_usd(o["total_minor"], o["currency"]) for o in orders), 2
        )
        # The segment and why (crossdesk.customers.segments); None before the first segmentation.
        profile["segment"] = describe(
            store.row("SELECT * FROM customer_segments WHERE customer_id = ?", [customer_id]), store.now()
        )
        return profile

    def summary(self, actor: Actor, customer_id: int) -> dict:
        """The buyer in one line: the customer row and ``lifetime_value_usd``, without the profile's orders
        and tickets (a conversation shows this beside every ticket)."""
        store = self.store
        store.require(actor, "view")
        summary = store.get("customers", customer_id)
        totals = store.db.execute(
            "SELECT total_minor, currency FROM orders WHERE customer_id = ?", [customer_id]
        ).fetchall()
        summary["lifetime_value_usd"] = round(sum(self.rates.to_usd(t, c) for t, c in totals), 2)
        summary["open_tickets"] = store.rows(  # the buyer's open tickets, newest first (a few)
            "SELECT id, subject, status, platform FROM tickets WHERE customer_id = ? AND status < 4 "
            "ORDER BY id DESC LIMIT 6",
            [customer_id],
        )
        return summary

    def merge_candidates(
        self, actor: Actor, customer_id: int, *, limit: int = 5, min_score: float = 88.0
    ) -> list[tuple[int, float]]:
        """Profiles that may be the same buyer: same country and a near-identical name (rapidfuzz).
        A suggestion for an agent to confirm, never merged automatically."""
        self.store.require(actor, "view")
        from rapidfuzz import fuzz, process

        me = self.store.get("customers", customer_id)
        others = {
            r[0]: r[1]
            for r in self.store.db.execute(
                "SELECT id, name FROM customers WHERE country = ? AND id <> ? AND merged_into IS NULL AND name <> ''",
                [me["country"], customer_id],
            )
        }
        found = process.extract(
            me["name"], others, scorer=fuzz.token_sort_ratio, limit=limit, score_cutoff=min_score
        )
        return [(key, float(score)) for _, score, key in found]


def _seller_sql() -> str:
    """A shop's seller in SQL (``{s}`` is the shop's alias): its ``config.seller``, "" for the desk's own."""
    return "COALESCE(json_extract(CASE WHEN json_valid({s}.config) THEN {s}.config END, '$.seller'), '')"
