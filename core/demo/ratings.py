"""The demo desk's product reviews, for the ratings figures and the rating warning (docs/analytics.md).

Reviews are written as ``crossdesk.reputation`` stores what it pulls (the ``reviews`` table): for the
most-sold SKUs, about one order in ``PER_ORDERS`` of the last ``DAYS`` days gets a review, mostly four
or five stars; on one planted SKU the share of one- and two-star reviews rises in the last two weeks, so
`crossdesk report --quality` shows a ``ratings`` warning for it and no other.
"""

from __future__ import annotations

import random
from typing import Any

DAY = 86_400
DAYS = 90
PER_ORDERS = 2
RECENT_DAYS = 14
#: stars and their weights for a product buyers are happy with
STARS = ((5, 0.62), (4, 0.25), (3, 0.06), (2, 0.04), (1, 0.03))
PLANTED_NEGATIVE = 0.85


def _stars(rng: random.Random, negative_share: float | None) -> int:
    if negative_share is not None and rng.random() < negative_share:
        return 1 if rng.random() < 0.6 else 2
    r, acc = rng.random(), 0.0
    for stars, weight in STARS:
        acc += weight
        if r < acc:
            return stars
    return 5


def _top(db: Any) -> list[str]:
    return [
        r[0]
        for r in db.execute("SELECT sku FROM order_lines GROUP BY sku ORDER BY COUNT(*) DESC, sku LIMIT 10")
    ]


def planted_sku(db: Any) -> str | None:
    """The SKU whose negative reviews rise: the tenth most sold (it may also be one of the two drawn for
    the complaint rise; the two warnings are of different kinds)."""
    top = _top(db)
    return top[-1] if top else None


def add_reviews(desk: Any, seed: int = 7) -> dict[str, int]:
    """Reviews of the top SKUs over the last 90 days, with a planted rise of negative ones on one SKU."""
    rng = random.Random(f"reviews:{seed}")
    db = desk.db
    now = desk.now()
    skus = _top(db)
    if not skus:
        return {"reviews": 0}
    planted = planted_sku(db)
    rows = []
    for sku in skus:
        orders = db.execute(
            "SELECT o.id, o.platform, o.shop_id, o.customer_id, o.ordered_at FROM orders o "
            "JOIN order_lines l ON l.order_id = o.id WHERE l.sku = ? AND o.ordered_at >= ? AND o.ordered_at < ? "
            "ORDER BY o.id",
            [sku, now - DAYS * DAY, now - DAY],
        ).fetchall()
        for oid, platform, shop, customer, ordered in orders:
            if rng.random() >= 1 / PER_ORDERS:
                continue
            at = min(now - 60, ordered + int((2 + 6 * rng.random()) * DAY))
            recent = at >= now - RECENT_DAYS * DAY
            stars = _stars(rng, PLANTED_NEGATIVE if sku == planted and recent else None)
            rows.append(
                [platform, shop, f"demo-review-{oid}", stars, int(stars <= 2), customer, oid, sku, at, now]
            )
    with desk.tx():
        db.conn.executemany(
            "INSERT OR IGNORE INTO reviews (platform, shop_id, external_id, kind, rating, negative, customer_id, "
            "order_id, sku, created_at, pulled_at) VALUES (?, ?, ?, 'product_review', ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return {"reviews": len(rows)}
