"""The demo desk's sales and after-sales, for rates per SKU and quality warnings (docs/analytics.md).

The generator writes only the orders buyers wrote about; a shop sells many more that nobody writes about.
This module adds, with the rows the services would write:

- quiet orders: for each order, ``QUIET`` more of the same lines from the same shop, placed at seeded
  times over the desk's history, so a complaint rate has a true denominator;
- return, refund and exchange cases for the tickets that ask for one (by their classified intent), with
  the order line they concern, and the refund of the solved ones;
- a planted rise in complaints: on ``SPIKED`` SKUs, about half of the orders placed in the last two weeks
  get a buyer message saying the item arrived damaged (through ``desk.receive_message``, so the
  classifier decides it is a complaint), then the quality check ``crossdesk automate`` runs, so the
  desk opens with its warnings.
"""

from __future__ import annotations

import random
from typing import Any

from crossdesk.models import Actor

DAY = 86_400
QUIET = 2
SPIKED = 2
SPIKE_SHARE = 0.6
SPIKE_DAYS = 14
#: intent -> case type opened for it
CASES = {
    "return_request": "return",
    "damaged_item": "return",
    "wrong_item": "exchange",
    "exchange": "exchange",
    "refund_request": "refund",
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def add_sales(desk: Any, actor: Actor, seed: int = 7) -> dict[str, int]:
    """Quiet orders, after-sales cases and refunds, and the planted complaint rise; returns counts."""
    rng = random.Random(f"sales:{seed}")
    db = desk.db
    now = desk.now()
    counts = {"quiet orders": 0, "cases": 0, "refunds": 0, "planted complaints": 0}
    with desk.tx():
        counts["quiet orders"] = _quiet_orders(db, rng, now)
        counts["cases"], counts["refunds"] = _cases(db, now)
    counts["planted complaints"] = _spike(desk, rng, now, seed)
    counts["quality warnings"] = len(desk.analytics.quality.check(actor))  # as crossdesk automate would
    return counts


def _quiet_orders(db: Any, rng: random.Random, now: int) -> int:
    first = db.execute("SELECT MIN(ordered_at) FROM orders").fetchone()[0]
    if first is None:
        return 0
    last = now - DAY
    orders = db.execute(
        "SELECT id, platform, shop_id, external_id, customer_id, currency, total_minor, country FROM orders ORDER BY id"
    ).fetchall()
    lines: dict[int, list[tuple]] = {}
    for row in db.execute(
        "SELECT order_id, external_id, sku, title, quantity, unit_price_minor, currency FROM order_lines"
    ):
        lines.setdefault(row[0], []).append(row[1:])
    next_id = db.execute("SELECT COALESCE(MAX(id), 0) FROM orders").fetchone()[0] + 1
    new_orders, new_lines = [], []
    for oid, platform, shop, ext, customer, currency, total, country in orders:
        for j in range(QUIET):
            at = first + int(rng.random() * max(1, last - first))
            new_orders.append(
                (
                    next_id,
                    platform,
                    shop,
                    f"{ext}-q{j + 1}",
                    customer,
                    "delivered",
                    currency,
                    total,
                    at,
                    at + 2 * DAY,
                    at + 5 * DAY,
                    country,
                )
            )
            new_lines.extend((next_id, *line, at + 5 * DAY) for line in lines.get(oid, ()))
            next_id += 1
    db.conn.executemany(
        "INSERT INTO orders (id, platform, shop_id, external_id, customer_id, status, currency, total_minor, "
        "ordered_at, shipped_at, delivered_at, country) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        new_orders,
    )
    db.conn.executemany(
        "INSERT INTO order_lines (order_id, external_id, sku, title, quantity, unit_price_minor, currency, "
        "delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        new_lines,
    )
    return len(new_orders)


def _cases(db: Any, now: int) -> tuple[int, int]:
    marks = ",".join("?" * len(CASES))
    rows = db.execute(
        "SELECT t.id, t.intent, t.status, t.created_at, t.solved_at, t.platform, t.shop_id, t.customer_id, "
        "t.order_id, l.id, l.unit_price_minor, l.currency FROM tickets t JOIN order_lines l ON l.id = "
        "(SELECT MIN(id) FROM order_lines WHERE order_id = t.order_id) "
        f"WHERE t.intent IN ({marks}) AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.ticket_id = t.id)",
        list(CASES),
    ).fetchall()
    refunds = 0
    for tid, intent, status, created, solved, platform, shop, customer, order, line, price, currency in rows:
        kind = CASES[intent]
        done = status >= 4 and solved is not None
        state = ("refunded" if kind != "exchange" else "replacement_shipped") if done else "requested"
        case = db.execute(
            "INSERT INTO cases (type, state, ticket_id, order_id, customer_id, platform, shop_id, reason, currency, "
            "requested_minor, refunded_minor, requested_at, updated_at, decided_at, closed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                kind,
                state,
                tid,
                order,
                customer,
                platform,
                shop,
                intent,
                currency,
                price,
                price if done and kind != "exchange" else 0,
                created,
                solved or created,
                solved if done else None,
                None,
            ],
        ).lastrowid
        db.execute("INSERT INTO case_lines (case_id, order_line_id, quantity) VALUES (?, ?, 1)", [case, line])
        if done and kind != "exchange" and price > 0:
            refund = db.execute(
                "INSERT INTO refunds (case_id, order_id, amount_minor, currency, reason, actor, created_at) "
                "VALUES (?, ?, ?, ?, ?, 'demo', ?)",
                [case, order, price, currency, intent, solved],
            ).lastrowid
            db.execute(
                "INSERT OR IGNORE INTO refund_lines (refund_id, order_line_id, quantity, amount_minor) VALUES (?, ?, 1, ?)",
                [refund, line, price],
            )
            refunds += 1
    return len(rows), refunds


def _spike(desk: Any, rng: random.Random, now: int, seed: int) -> int:
    from crossdesk.demo.phrases import PhraseBank

    db = desk.db
    skus = [
        r[0]
        for r in db.execute("SELECT sku FROM order_lines GROUP BY sku ORDER BY COUNT(*) DESC, sku LIMIT 12")
    ]
    if not skus:
        return 0
    chosen = rng.sample(skus, min(SPIKED, len(skus)))
    bank = PhraseBank(seed, variants=4).buyer
    sync = Actor.system("sync")
    rows = db.execute(
        "SELECT o.id, o.platform, o.shop_id, o.external_id, o.customer_id, o.ordered_at, "
        "COALESCE(NULLIF(c.language, ''), 'en') FROM orders o JOIN order_lines l ON l.order_id = o.id "
        f"LEFT JOIN customers c ON c.id = o.customer_id WHERE l.sku IN ({','.join('?' * len(chosen))}) "
        "AND o.ordered_at >= ? AND o.ordered_at < ? AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = o.id) "
        "ORDER BY o.id",
        [*chosen, now - SPIKE_DAYS * DAY, now - DAY],
    ).fetchall()
    planted = 0
    for oid, platform, shop, ext, customer, ordered, language in rows:
        if rng.random() >= SPIKE_SHARE:
            continue
        pool = bank.get((language, "damaged_item")) or bank[("en", "damaged_item")]
        text = pool[int(rng.random() * len(pool))][0].format_map(_Blank(order=ext))
        desk.receive_message(
            sync,
            platform=platform,
            shop_id=shop,
            thread_id=f"quality-{ext}",
            external_id=f"quality-{ext}:1",
            body=text,
            created_at=min(now - 60, ordered + int((1 + 4 * rng.random()) * DAY)),
            customer_id=customer,
            order_id=oid,
            language=language,
        )
        planted += 1
    return planted
