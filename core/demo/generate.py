"""Generating the demo desk's rows, one chunk of tickets at a time.

A chunk is generated from its own seed (``seed`` and the chunk number), so chunks can be made in worker
processes in any order and the same seed always gives the same desk. Rows use chunk-local ids for
customers, orders, tickets and messages; the writer turns them into desk ids as it inserts the chunks
in order (see :mod:`crossdesk.demo.build`). Everything that must be unique across the desk (phone
numbers, e-mail addresses, platform ids) is derived from the buyer's or order's global ordinal through a
bijection, so uniqueness holds by construction rather than by luck.
"""

from __future__ import annotations

import random
import re
import sqlite3
import time
from bisect import bisect
from functools import cache

from crossdesk.demo import world
from crossdesk.demo.context import Context, ShopRow
from crossdesk.demo.proportions import (
    AGE_HOURS,
    CROSS_PLATFORM,
    GAP_HOURS,
    GIVES_EMAIL,
    GIVES_PHONE,
    HAS_ORDER,
    NEW,
    NOTES,
    ON_HOLD,
    OPEN,
    SOLVED,
    STATUS,
    TAGS,
    mix,
    seq,
)

HOUR = 3600
DAY = 24 * HOUR

#: Column order of each generated table. ``*_local`` columns hold chunk-local ids (see REFS).
COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": (
        "id",
        "name",
        "email",
        "phone",
        "country",
        "region",
        "language",
        "tier",
        "created_at",
        "updated_at",
    ),
    "customer_identities": ("customer_id", "platform", "shop_id", "external_id", "handle", "email"),
    "orders": (
        "id",
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
    ),
    "order_lines": (
        "order_id",
        "external_id",
        "sku",
        "title",
        "quantity",
        "unit_price_minor",
        "currency",
        "delivered_at",
    ),
    "tickets": (
        "id",
        "platform",
        "shop_id",
        "external_id",
        "customer_id",
        "order_id",
        "subject",
        "status",
        "type",
        "assignee_id",
        "team_id",
        "language",
        "tier",
        "order_value_usd",
        "escalated",
        "created_at",
        "updated_at",
        "last_customer_msg_at",
        "last_agent_msg_at",
        "first_replied_at",
        "solved_at",
    ),
    "messages": (
        "id",
        "ticket_id",
        "platform",
        "shop_id",
        "external_id",
        "direction",
        "author",
        "body",
        "language",
        "translation",
        "created_at",
    ),
    "ticket_tags": ("ticket_id", "tag"),
    # Sent replies, turned into outbox rows by the writer once message ids are known.
    "replies": (
        "message_id",
        "ticket_id",
        "platform",
        "shop_id",
        "shop_external_id",
        "thread_id",
        "order_external_id",
        "buyer_external_id",
        "body",
        "created_at",
    ),
}

#: Which columns hold chunk-local ids of which kind of row.
REFS: dict[str, dict[str, str]] = {
    "customers": {"id": "customer"},
    "customer_identities": {"customer_id": "customer"},
    "orders": {"id": "order", "customer_id": "customer"},
    "order_lines": {"order_id": "order"},
    "tickets": {"id": "ticket", "customer_id": "customer", "order_id": "order"},
    "messages": {"id": "message", "ticket_id": "ticket"},
    "ticket_tags": {"ticket_id": "ticket"},
    "replies": {"message_id": "message", "ticket_id": "ticket"},
}


class Chunk:
    """The rows of one chunk, per table, as tuples in :data:`COLUMNS` order."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = {name: [] for name in COLUMNS}

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.rows.items()}

    def image(self) -> tuple[bytes, dict[str, int]]:
        """The rows as an in-memory SQLite database image (plain tables, no indexes), and the row counts.

        The desk's writer deserializes the image and merges it with ``INSERT ... SELECT``, which runs in
        SQLite's C code: the per-value binding work happens here, in the worker process, instead of in
        the single writer; no scratch file is written or read on the way.
        """
        conn = sqlite3.connect(":memory:", isolation_level=None)
        try:
            conn.execute("BEGIN")
            for name, cols in COLUMNS.items():
                conn.execute(f"CREATE TABLE {name} ({', '.join(cols)})")
                rows = self.rows[name]
                if rows:
                    marks = ", ".join("?" * len(cols))
                    conn.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
            conn.execute("COMMIT")
            return conn.serialize(), self.counts()
        finally:
            conn.close()


def generate_chunk(ctx: Context, index: int, n_tickets: int) -> Chunk:
    """The rows of ``n_tickets`` tickets (with their buyers, orders and messages) for chunk ``index``."""
    return _Generator(ctx, index).run(n_tickets)


class _Generator:
    def __init__(self, ctx: Context, index: int) -> None:
        self.ctx = ctx
        self.t = ctx.tables
        self.pb = ctx.phrases
        self.rng = random.Random(f"{ctx.seed}:chunk:{index}")
        self.base = index * ctx.chunk_size  # global ordinals: unique across chunks
        self.chunk = Chunk()
        self.rows = self.chunk.rows
        self.n_messages = 0

    def pick(self, cum: list[float]) -> int:
        return bisect(cum, self.rng.random() * cum[-1])

    def hours(self, lo: float, hi: float) -> int:
        return int((lo + (hi - lo) * self.rng.random()) * HOUR)

    def run(self, n_tickets: int) -> Chunk:
        made = 0
        while made < n_tickets:
            tickets, cum = self.t.per_buyer
            k = min(tickets[self.pick(cum)], n_tickets - made)
            self.buyer(k)
            made += k
        return self.chunk

    # ---- buyers --------------------------------------------------------------------------------------

    def buyer(self, k: int) -> None:
        rng, t = self.rng, self.t
        local = len(self.rows["customers"])
        ordinal = self.base + local
        ci = self.pick(t.country_cum)
        country = t.countries[ci]
        langs, lcum = t.country_langs[ci]
        language = langs[self.pick(lcum)]
        firsts, lasts, family_first, sep = t.names[country.names]
        r = rng.random
        (first, first_r), (last, last_r) = firsts[int(r() * len(firsts))], lasts[int(r() * len(lasts))]
        name = f"{last}{sep}{first}" if family_first else f"{first} {last}"
        region = country.regions[int(r() * len(country.regions))]
        prefix, free = self.ctx.phone_schemes.get(country.code, ("", 0))
        phone = f"{prefix}{mix(ordinal, 10**free, 7919):0{free}d}" if free else ""
        form = ordinal % 3
        local_part = (
            f"{first_r}.{last_r}{ordinal}"
            if form == 0
            else f"{first_r}{last_r}{ordinal}"
            if form == 1
            else f"{first_r[:1]}{last_r}{ordinal}"
        )
        email = f"{local_part}@{country.email_domains[ordinal % len(country.email_domains)]}"
        # Tiers are not made up: the desk segments buyers from their orders after the build
        # (crossdesk.demo.segments). The draw stays so every later draw, and so the desk, is unchanged.
        rng.random()
        tier = 0
        shops, scum = t.country_shops[ci]
        home = shops[self.pick(scum)]
        cross = None
        if k > 1 and home.platform in GIVES_PHONE and rng.random() < CROSS_PLATFORM:
            others = [s for s in shops if s.platform != home.platform and s.platform in GIVES_PHONE]
            cross = rng.choice(others) if others else t.fallback_store[country.code]
            if cross.platform == home.platform:
                cross = None
        identities: dict[int, str] = {}
        profile = {"email": "", "phone": ""}
        first_seen = self.ctx.now
        buyer = {
            "local": local,
            "ordinal": ordinal,
            "name": name,
            "first": first,
            "first_r": first_r,
            "last_r": last_r,
            "language": language,
            "country": country,
            "region": region,
            "tier": tier,
        }
        for j in range(k):
            shop = cross if (cross is not None and j == k - 1) else home
            if shop.id not in identities:
                identities[shop.id] = self.identity(buyer, shop, phone, email, profile, len(identities))
            first_seen = min(first_seen, self.ticket(buyer, shop, identities[shop.id]))
        self.rows["customers"].append(
            (
                local,
                name,
                profile["email"],
                profile["phone"],
                country.code,
                region,
                language,
                tier,
                first_seen,
                first_seen,
            )
        )

    def identity(self, buyer: dict, shop: ShopRow, phone: str, email: str, profile: dict, nth: int) -> str:
        ordinal = buyer["ordinal"] * 2 + nth
        platform = shop.platform
        if platform == "amazon":
            ext, handle = f"A{seq(ordinal, 16**12, 104729):012X}", ""
        elif platform == "ebay":
            ext = handle = f"{buyer['first_r']}_{buyer['last_r'][:1]}{ordinal}"
        elif platform == "shopee":
            ext = str(100_000_000 + seq(ordinal, 900_000_000, 15485863))
            handle = f"{buyer['first_r']}.{buyer['last_r']}{ordinal % 1000}"
        else:
            ext, handle = f"7{seq(ordinal, 10**12, 32452843):012d}", email
        given_email = email if platform in GIVES_EMAIL else ""
        # What the service layer's identity merge leaves on the profile: the first non-empty value.
        if given_email and not profile["email"]:
            profile["email"] = given_email
        if platform in GIVES_PHONE and not profile["phone"]:
            profile["phone"] = phone
        self.rows["customer_identities"].append((buyer["local"], platform, shop.id, ext, handle, given_email))
        return ext

    # ---- tickets -------------------------------------------------------------------------------------

    def ticket(self, buyer: dict, shop: ShopRow, identity: str) -> int:
        """Append one ticket with its order and messages; return the earliest time the buyer was seen.
        ``identity`` is the buyer's id on ``shop`` (the outbox rows of the replies carry it)."""
        rng, t, now = self.rng, self.t, self.ctx.now
        local = len(self.rows["tickets"])
        ordinal = self.base + local
        r = rng.random
        intent = t.intents[bisect(t.intent_cum, r())]
        # Plain ints from here on: IntEnum comparisons cost a Python call each, per ticket.
        status = int(STATUS[bisect(t.status_cum.get(intent, t.status_cum["default"]), r())])
        lo, hi = AGE_HOURS[status]
        created = now - int((lo + (hi - lo) * r()) * HOUR)
        language = buyer["language"]
        order = None
        if r() < HAS_ORDER.get(intent, 0.97):
            order = self.order(buyer, shop, intent, status, created, ordinal)
        seen = order["ordered_at"] if order else created

        plans, pcum = t.plans[status]
        plan = plans[bisect(pcum, r())]
        if intent == "praise":
            plan = "b" if status == NEW else "br"
        times = [created]
        for step in plan[1:]:
            lo, hi = GAP_HOURS[step]
            times.append(times[-1] + int((lo + (hi - lo) * r()) * HOUR))
        latest = now - 60
        if times[-1] > latest:  # squeeze the conversation into the time since it started
            span = times[-1] - created
            room = max(0, latest - created)
            times = [created + (x - created) * room // span for x in times] if span else times

        speakers = t.agents_for.get((language, shop.platform))
        pool = speakers or t.fallback_agents[shop.platform]
        agent = pool[int(r() * len(pool))]
        translated = not speakers  # the reply went through the translator; the agent's text is kept
        thread = self.thread_id(shop, ordinal)
        if order:
            item, size, ref = order["item"], order["size"], order["ref"]
            days = max(1, (created - order["ordered_at"]) // DAY)
            carrier, tracking = order["carrier"], order["tracking"]
        else:
            item = t.short[int(r() * len(t.short))]
            size = world.SIZES[self.pick(t.size_cum)]
            ref, days, carrier, tracking = "", 2 + int(r() * 8), "", ""
        values = {
            "order": ref,
            "item": item,
            "days": days,
            "size": size,
            "name": buyer["first"],
            "agent": agent.name.split()[0],
            "carrier": carrier,
            "tracking": tracking,
        }
        subject = ""
        last_in = last_out = first_reply = None
        pb = self.pb
        messages = self.rows["messages"].append
        replies = self.rows["replies"].append
        platform, shop_id, author = shop.platform, shop.id, buyer["name"]
        order_ext = order["external_id"] if order else None
        for j, (step, at) in enumerate(zip(plan, times, strict=True)):
            mid = self.n_messages
            self.n_messages += 1
            if step == "b":
                pool = pb.buyer[language, intent]
                text, subj = pool[int(r() * len(pool))]
                subject = subj.format_map(values)[:120]
            elif step == "f":
                pool = pb.followup[language]
                text = pool[int(r() * len(pool))]
            elif step == "a":
                pool = pb.ack[language]
                text = pool[int(r() * len(pool))]
            elif step == "r":
                body = pb.reply[language, intent].format_map(values)
                translation = pb.reply["en", intent].format_map(values) if translated else ""
                messages(
                    (mid, local, platform, shop_id, None, "out", agent.name, body, language, translation, at)
                )
                replies(
                    (mid, local, platform, shop_id, shop.external_id, thread, order_ext, identity, body, at)
                )
                last_out = at
                first_reply = first_reply or at
                continue
            else:
                note = NOTES[int(r() * len(NOTES))].format_map(values)
                messages((mid, local, platform, shop_id, None, "note", agent.name, note, "", "", at))
                continue
            messages(
                (
                    mid,
                    local,
                    platform,
                    shop_id,
                    f"{thread}:{j + 1}",
                    "in",
                    author,
                    text.format_map(values),
                    language,
                    "",
                    at,
                )
            )
            last_in = at
        end = times[-1]
        solved_at = None
        if status >= SOLVED:
            solved_at = min(latest, end + int((0.1 + 3.9 * r()) * HOUR)) if latest > end else end
        assigned = status != NEW and (first_reply is not None or r() < 0.4)
        escalated = int(intent == "complaint" and status in (OPEN, ON_HOLD) and r() < 0.3)
        value = round(order["total"] / 10**shop.digits * shop.usd_rate, 2) if order else 0.0
        self.rows["tickets"].append(
            (
                local,
                shop.platform,
                shop.id,
                thread,
                buyer["local"],
                order["local"] if order else None,
                subject,
                status,
                "question",
                agent.id if assigned else None,
                agent.team_id if assigned else None,
                language,
                buyer["tier"],
                value,
                escalated,
                created,
                max(end, solved_at or 0),
                last_in,
                last_out,
                first_reply,
                solved_at,
            )
        )
        tag = TAGS.get(intent)
        if tag and (first_reply is not None or intent == "complaint") and r() < 0.5:
            self.rows["ticket_tags"].append((local, tag))
        return seen

    def thread_id(self, shop: ShopRow, ordinal: int) -> str:
        if shop.platform == "amazon":
            return f"amzn1.thread.{seq(ordinal, 16**20, 999331):020x}"
        if shop.platform == "ebay":
            return str(10**11 + seq(ordinal, 9 * 10**11, 6700417))
        if shop.platform == "shopee":
            return str(10**17 + seq(ordinal, 9 * 10**17, 2147483647))
        return f"conv_{seq(ordinal, 16**14, 1000003):014x}"

    # ---- orders --------------------------------------------------------------------------------------

    def order(self, buyer: dict, shop: ShopRow, intent: str, status: int, created: int, ordinal: int) -> dict:
        rng, t = self.rng, self.t
        r = rng.random
        local = len(self.rows["orders"])
        solved = status >= SOLVED
        if intent == "cancellation":
            ordered = created - self.hours(0.2, 30)
            shipped = delivered = None
            state = "cancelled" if solved else "paid"
        elif intent == "shipping_status":
            ordered = created - self.hours(4 * 24, 20 * 24)
            shipped = ordered + self.hours(6, 60)
            # Some trackings say delivered while the buyer says nothing arrived.
            delivered = shipped + self.hours(48, 120) if rng.random() < 0.15 else None
            if delivered is not None and delivered > created:
                delivered = None
            state = "delivered" if delivered else "shipped"
        elif intent == "product_question":
            ordered = created - self.hours(24, 60 * 24)
            shipped = ordered + self.hours(6, 48)
            delivered = shipped + self.hours(36, 150)
            state = "delivered"
        else:
            back = (10 * 24, 45 * 24) if intent == "refund_request" else (3 * 24, 28 * 24)
            ordered = created - self.hours(*back)
            shipped = ordered + self.hours(6, 48)
            delivered = min(shipped + self.hours(36, 150), created - HOUR)
            state = "refunded" if intent in ("refund_request", "complaint") and solved else "delivered"
        n_lines = 1 if rng.random() < 0.75 else (2 if rng.random() < 0.8 else 3)
        lines = []
        item = size = ""
        total = 0
        for n in range(n_lines):
            if n == 0 and intent == "wrong_item" and rng.random() < 0.8:
                pi = t.sized[int(r() * len(t.sized))]
            else:
                pi = int(r() * len(t.products))
            product = t.products[pi]
            line_size = world.SIZES[self.pick(t.size_cum)]
            sku = product.sku.format(size=line_size) if product.sized else product.sku
            title = f"{product.title}, size {line_size}" if product.sized else product.title
            qty = 1 if rng.random() < 0.88 else (2 if rng.random() < 0.8 else 3)
            price = t.prices[pi, shop.currency]
            total += qty * price
            lines.append((local, str(n + 1), sku, title, qty, price, shop.currency, delivered))
            if n == 0:
                item, size = t.short[pi], line_size
        ext, ref = self.order_number(shop, ordinal, ordered)
        country = buyer["country"]
        carrier = country.carriers[int(r() * len(country.carriers))] if shipped else ""
        tracking = self.tracking(carrier) if shipped else ""
        self.rows["orders"].append(
            (
                local,
                shop.platform,
                shop.id,
                ext,
                buyer["local"],
                state,
                shop.currency,
                total,
                ordered,
                shipped,
                delivered,
                tracking,
                carrier,
                country.code,
                buyer["region"],
            )
        )
        self.rows["order_lines"].extend(lines)
        return {
            "local": local,
            "external_id": ext,
            "ordered_at": ordered,
            "item": item,
            "size": size,
            "ref": ref,
            "total": total,
            "carrier": carrier,
            "tracking": tracking,
        }

    def order_number(self, shop: ShopRow, ordinal: int, ordered: int) -> tuple[str, str]:
        """The platform's order id, and how the buyer quotes it."""
        if shop.platform == "amazon":
            n = seq(ordinal, 10**15, 48271)
            head = {"US": "11", "JP": "25", "GB": "20"}.get(shop.country, "30")
            ext = f"{head}{n // 10**14}-{n // 10**7 % 10**7:07d}-{n % 10**7:07d}"
            return ext, ext
        if shop.platform == "ebay":
            n = seq(ordinal, 10**12, 3571)
            ext = f"{n // 10**10:02d}-{n // 10**5 % 10**5:05d}-{n % 10**5:05d}"
            return ext, ext
        if shop.platform == "shopee":
            day = time.strftime("%y%m%d", time.gmtime(ordered))
            ext = f"{day}{seq(ordinal, 16**8, 7):08X}"
            return ext, ext
        ext = str(5 * 10**12 + seq(ordinal, 10**12, 65537))
        return ext, f"#{1001 + ordinal}"

    def tracking(self, carrier: str) -> str:
        bits = self.rng.getrandbits
        parts = []
        for kind, n in _tracking_format(carrier):
            if kind == "D":
                parts.append(f"{bits(4 * n) % 10**n:0{n}d}")
            elif kind == "A":
                parts.append(f"{bits(4 * n):0{n}X}")
            else:
                parts.append(kind)
        return "".join(parts)


@cache
def _tracking_format(carrier: str) -> tuple[tuple[str, int], ...]:
    """``("1Z", "A16", "")`` -> ``(("1Z", 0), ("A", 16))``: literal parts and random digit/hex runs."""
    prefix, body, suffix = world.TRACKING.get(carrier, ("", "D12", ""))
    parts: list[tuple[str, int]] = [(prefix, 0)] if prefix else []
    for kind, n in re.findall(r"([AD])(\d+)", body):
        parts.append((kind, int(n)))
    if suffix:
        parts.append((suffix, 0))
    return tuple(parts)
