"""Outreach campaigns that respect each marketplace's rules: plan (who gets what, who is excluded and why),
then send through the outbox, in the buyer's language and time zone, at a rate each platform accepts.

The rules are enforced here, not linted: :meth:`OutreachService.plan` decides per buyer, and
:meth:`OutreachService.schedule` writes only what the plan allows.

- Marketing (holiday greetings, win-back) goes only to buyers reachable on the seller's own channels
  (own shop, Shopify) whose latest marketing consent is a "yes"; an opt-out is recorded and honoured.
- Amazon allows only its permitted message types, never marketing: an order-status notice goes as
  ``unexpectedProblem``; a follow-up after delivery has no permitted type (reviews only through Amazon's
  "Request a Review") and is refused.
- eBay and Shopee allow messages about a transaction only: order status and follow-up after delivery.
- A buyer who left negative feedback or a negative review on a platform in the last 90 days gets no campaign
  there but order status: it would read as pressure to change it, which Amazon forbids (docs/reputation.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from crossdesk.errors import DeskError
from crossdesk.models import Actor
from crossdesk.outbox import OutboxService
from crossdesk.outreach.texts import TEXTS, text
from crossdesk.platforms import MessageOut
from crossdesk.store import Store

MARKETING = frozenset({"holiday_greeting", "win_back"})
KINDS = tuple(TEXTS)
OWN_CHANNELS = frozenset({"shopify", "web"})
#: platform -> campaign kind -> the platform's message type ("" free text); a kind not listed is refused.
PERMITTED: dict[str, dict[str, str]] = {
    "amazon": {"order_status": "unexpectedProblem"},
    "ebay": {"order_status": "", "delivery_follow_up": ""},
    "shopee": {"order_status": "", "delivery_follow_up": ""},
    "shopify": {k: "" for k in KINDS},
    "web": {k: "" for k in KINDS},
}
REFUSED: dict[str, str] = {
    "amazon": "Amazon permits only its message types about an order; no marketing, and reviews only through "
    "Request a Review",
    "ebay": "eBay allows messages about a transaction only; no marketing",
    "shopee": "Shopee chat allows messages about an order only; no marketing",
}
#: Messages per hour a platform accepts from one shop (the outbox is spaced to stay under it).
RATE_PER_HOUR: dict[str, int] = {"amazon": 20, "ebay": 30, "shopee": 30, "shopify": 200, "web": 200}
#: A country's main time zone where it has several (else the first babel lists, else UTC).
MAIN_ZONE = {
    "US": "America/New_York",
    "CA": "America/Toronto",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "MX": "America/Mexico_City",
    "RU": "Europe/Moscow",
    "CN": "Asia/Shanghai",
    "ID": "Asia/Jakarta",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
}
SEND_HOUR = 10  # local time
FOLLOW_UP_DAYS = 14  # a follow-up goes to orders delivered this recently
COMPLAINT_DAYS = 90  # no campaign to a buyer whose negative review or feedback is this recent


@dataclass(frozen=True)
class PlanRow:
    customer_id: int
    name: str
    included: bool
    reason: str  # why excluded, or what is sent where
    platform: str = ""
    shop_id: int | None = None
    order_id: int | None = None
    language: str = ""
    timezone: str = ""
    send_at: int | None = None
    message_type: str = ""
    body: str = ""


def zone_of(country: str) -> str:
    from babel.core import get_global

    code = (country or "").upper()
    if code in MAIN_ZONE:
        return MAIN_ZONE[code]
    zones = get_global("territory_zones").get(code)
    return zones[0] if zones else "UTC"


class OutreachService:
    """``desk.outreach``: consent, campaign plans, scheduling and sending through the outbox."""

    def __init__(self, store: Store, outbox: OutboxService) -> None:
        self.store = store
        self.outbox = outbox

    # ---- consent ------------------------------------------------------------------------------------

    def set_consent(self, actor: Actor, customer_id: int, granted: bool, *, source: str = "") -> None:
        """Record a buyer's marketing consent or opt-out (the latest record counts), audited."""
        store = self.store
        store.require(actor, "reply")
        with store.tx():
            if store.row("SELECT id FROM customers WHERE id = ?", [customer_id]) is None:
                raise DeskError(f"no customer #{customer_id}")
            store.insert(
                "customer_consents",
                {
                    "customer_id": customer_id,
                    "purpose": "marketing",
                    "granted": int(bool(granted)),
                    "source": source,
                    "actor": actor.name,
                    "at": store.now(),
                },
            )
            store.audit(actor, "customer.consent", "customer", customer_id, None, {"marketing": bool(granted), "source": source})

    def consent(self, customer_id: int) -> tuple[bool | None, int | None]:
        """The latest marketing consent (True, False for an opt-out, None never asked) and when."""
        row = self.store.db.execute(
            "SELECT granted, at FROM customer_consents WHERE customer_id = ? AND purpose = 'marketing' "
            "ORDER BY id DESC LIMIT 1",
            [customer_id],
        ).fetchone()
        return (None, None) if row is None else (bool(row[0]), row[1])

    # ---- planning -----------------------------------------------------------------------------------

    def plan(
        self,
        actor: Actor,
        kind: str,
        *,
        segment: str | None = None,
        country: str | None = None,
        platform: str | None = None,
        customer_ids: Sequence[int] | None = None,
        day: dt.date | None = None,
    ) -> list[PlanRow]:
        """Who would get what (and when, in their time zone), and who is excluded and why. Sends nothing."""
        store = self.store
        store.require(actor, "view")
        if kind not in KINDS:
            raise DeskError(f"unknown campaign {kind!r}; known: {', '.join(KINDS)}")
        where, args = ["c.merged_into IS NULL"], []
        if segment:
            where.append("EXISTS (SELECT 1 FROM customer_segments g WHERE g.customer_id = c.id AND g.segment = ?)")
            args.append(segment)
        if country:
            where.append("c.country = ?")
            args.append(country.upper())
        if platform:
            where.append("EXISTS (SELECT 1 FROM customer_identities i WHERE i.customer_id = c.id AND i.platform = ?)")
            args.append(platform)
        if customer_ids is not None:
            ids = [int(i) for i in customer_ids] or [-1]
            where.append(f"c.id IN ({','.join('?' * len(ids))})")
            args.extend(ids)
        buyers = store.rows(
            f"SELECT c.id, c.name, c.country, c.language FROM customers c WHERE {' AND '.join(where)} ORDER BY c.id",
            args,
        )
        now = store.now()
        day = day or dt.datetime.fromtimestamp(now, dt.UTC).date()
        rows = [self._decide(b, kind, now, day) for b in buyers]
        return self._space(rows)

    def _decide(self, buyer: dict, kind: str, now: int, day: dt.date) -> PlanRow:
        cid, name = buyer["id"], buyer["name"]
        identities = self.store.rows(
            "SELECT platform, shop_id FROM customer_identities WHERE customer_id = ? ORDER BY id", [cid]
        )
        if not identities:
            return PlanRow(cid, name, False, "no platform identity to write to")
        order = None
        if kind in MARKETING:
            own = [i for i in identities if i["platform"] in OWN_CHANNELS]
            if not own:
                platforms = sorted({i["platform"] for i in identities})
                why = "; ".join(REFUSED.get(p, f"{p}: not an own channel") for p in platforms)
                return PlanRow(cid, name, False, f"marketing only on own channels: {why}")
            granted, at = self.consent(cid)
            if granted is False:
                when = dt.datetime.fromtimestamp(at or 0, dt.UTC).date().isoformat()
                return PlanRow(cid, name, False, f"opted out of marketing on {when}")
            if granted is None:
                return PlanRow(cid, name, False, "no marketing consent recorded")
            target = own[0]
        else:
            order = self._order_for(cid, kind, now)
            if order is None:
                need = f"delivered in the last {FOLLOW_UP_DAYS} days" if kind == "delivery_follow_up" else "on its way"
                return PlanRow(cid, name, False, f"no order {need}")
            target = {"platform": order["platform"], "shop_id": order["shop_id"]}
            if kind not in PERMITTED.get(order["platform"], {}):
                return PlanRow(cid, name, False, REFUSED.get(order["platform"], f"{order['platform']}: not permitted"))
        platform = target["platform"]
        complaint = self._complaint(cid, platform, now) if kind != "order_status" else ""
        if complaint:
            return PlanRow(cid, name, False, complaint)
        message_type = PERMITTED.get(platform, {}).get(kind, "")
        zone = zone_of(buyer["country"])
        local = dt.datetime.combine(day, dt.time(SEND_HOUR), ZoneInfo(zone))
        send_at = max(int(local.timestamp()), now)
        body, lang = text(kind, buyer["language"], (name or "").split(" ")[0], order["external_id"] if order else "")
        what = f"{kind} on {platform}" + (f" as {message_type}" if message_type else "")
        return PlanRow(
            cid, name, True, what, platform, target["shop_id"], order["id"] if order else None, lang, zone, send_at, message_type, body
        )

    def _complaint(self, customer_id: int, platform: str, now: int) -> str:
        """Why no campaign goes to a buyer who left negative feedback or a negative review there lately: an
        unasked message then reads as pressure to change it (Amazon forbids asking for that). "" if none."""
        row = self.store.row(
            "SELECT kind, created_at FROM reviews WHERE customer_id = ? AND platform = ? AND negative = 1 "
            "AND created_at >= ? ORDER BY created_at DESC LIMIT 1",
            [customer_id, platform, now - COMPLAINT_DAYS * 86400],
        )
        if row is None:
            return ""
        when = dt.datetime.fromtimestamp(row["created_at"], dt.UTC).date().isoformat()
        why = f"left negative {row['kind'].replace('_', ' ')} on {platform} on {when}: answer it on its ticket"
        if platform == "amazon":
            why += "; Amazon forbids asking a buyer to change or remove feedback, and a campaign now reads as that"
        return why

    def _order_for(self, customer_id: int, kind: str, now: int) -> dict | None:
        if kind == "delivery_follow_up":
            sql = (
                "SELECT id, platform, shop_id, external_id FROM orders WHERE customer_id = ? AND delivered_at "
                "BETWEEN ? AND ? ORDER BY delivered_at DESC LIMIT 1"
            )
            return self.store.row(sql, [customer_id, now - FOLLOW_UP_DAYS * 86400, now])
        return self.store.row(
            "SELECT id, platform, shop_id, external_id FROM orders WHERE customer_id = ? AND delivered_at IS NULL "
            "AND lower(status) NOT IN ('cancelled', 'canceled', 'refunded') ORDER BY ordered_at DESC LIMIT 1",
            [customer_id],
        )

    def _space(self, rows: list[PlanRow]) -> list[PlanRow]:
        """Space the sends of each shop by its platform's rate, from each buyer's local send hour."""
        from dataclasses import replace

        next_free: dict[int, int] = {}
        out = []
        for row in sorted(rows, key=lambda r: (r.send_at or 0, r.customer_id)):
            if row.included and row.shop_id is not None and row.send_at is not None:
                gap = 3600 // RATE_PER_HOUR.get(row.platform, 60)
                at = max(row.send_at, next_free.get(row.shop_id, 0))
                next_free[row.shop_id] = at + gap
                row = replace(row, send_at=at)
            out.append(row)
        return sorted(out, key=lambda r: r.customer_id)

    # ---- scheduling and sending ---------------------------------------------------------------------

    def schedule(self, actor: Actor, campaign: str, kind: str, rows: Sequence[PlanRow]) -> int:
        """Write the included rows of a plan as scheduled messages of ``campaign`` (once per buyer)."""
        store = self.store
        store.require(actor, "reply")
        if not campaign.strip():
            raise DeskError("a campaign needs a name")
        made = 0
        with store.tx():
            for r in rows:
                if not r.included:
                    continue
                cur = store.db.execute(
                    "INSERT OR IGNORE INTO outreach_messages (campaign, kind, customer_id, platform, shop_id, order_id, "
                    "language, timezone, send_at, body, message_type, status, created_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?, 'scheduled', ?)",
                    [campaign, kind, r.customer_id, r.platform, r.shop_id, r.order_id, r.language, r.timezone,
                     r.send_at, r.body, r.message_type, store.now()],
                )
                made += cur.rowcount
            store.audit(actor, "outreach.schedule", "campaign", None, None, {"campaign": campaign, "kind": kind, "messages": made})
        return made

    def send_due(self, actor: Actor, *, limit: int = 1000) -> int:
        """Queue in the outbox the scheduled messages whose time has come; an opt-out since planning is
        honoured (the message is dropped). Returns how many were queued."""
        store = self.store
        store.require(actor, "reply")
        due = store.rows(
            "SELECT * FROM outreach_messages WHERE status = 'scheduled' AND send_at <= ? ORDER BY send_at, id LIMIT ?",
            [store.now(), int(limit)],
        )
        queued = 0
        for m in due:
            with store.tx():
                if m["kind"] in MARKETING and self.consent(m["customer_id"])[0] is not True:
                    store.update("outreach_messages", m["id"], {"status": "dropped"})
                    continue
                where = self.outbox.address(m["shop_id"], customer_id=m["customer_id"], order_id=m["order_id"])
                action = MessageOut(
                    platform=where.platform,
                    shop_external_id=where.shop_external_id,
                    idempotency_key=f"outreach:{m['id']}",
                    buyer_external_id=where.buyer_external_id,
                    order_external_id=where.order_external_id,
                    body=m["body"],
                    created_at=store.now(),
                    template=f"outreach:{m['kind']}",
                    message_type=m["message_type"],
                )
                outbox_id = self.outbox.enqueue(actor, action)
                store.update("outreach_messages", m["id"], {"status": "queued", "outbox_id": outbox_id})
                queued += 1
        return queued
