"""Demo reviews and seller feedback: a few hundred on the marketplace orders (Amazon and eBay seller
feedback, Shopee product reviews, and the Shopify shops' reviews as their Judge.me app gives them), mostly
praise, some negative. Each negative one is on an order whose
buyer already wrote in, and is linked to that ticket (tagged ``review``, ``negative-review``, ``sku:...``)
as a pull would join it, so ``crossdesk reviews list --negative``, ``reviews ratings`` and the SLA field
``review`` have something to show. The desk keeps its size in tickets. Deterministic for a seed; written in
bulk like the other demo history (no events).
"""

from __future__ import annotations

import random

from crossdesk.api import Desk
from crossdesk.models import Actor

PER_PLATFORM = 120  # reviews per marketplace, at most
NEGATIVE_SHARE = 0.08
KINDS = {"amazon": "seller_feedback", "ebay": "seller_feedback", "shopee": "product_review"}
PRAISE = {
    "en": ["Fast delivery, as described.", "Great seller, well packed.", "Good value."],
    "de": ["Schnelle Lieferung, wie beschrieben.", "Gut verpackt, gerne wieder."],
    "fr": ["Livraison rapide, conforme.", "Très bon vendeur."],
    "es": ["Envío rápido, como se describe.", "Muy buen vendedor."],
    "ja": ["迅速な発送、説明通りでした。", "丁寧な梱包でした。"],
}
COMPLAINT = {
    "en": ["Arrived broken and nobody answered.", "Wrong size sent, still waiting for a refund."],
    "de": ["Kam kaputt an, keine Antwort vom Verkäufer.", "Falsche Größe geliefert."],
    "fr": ["Arrivé cassé, aucune réponse.", "Mauvaise taille envoyée."],
    "es": ["Llegó roto y nadie responde.", "Talla equivocada."],
    "ja": ["壊れて届きました。返信もありません。", "サイズが違いました。"],
}


def _stars(rng: random.Random, platform: str, negative: bool) -> int:
    if platform == "ebay":  # eBay feedback is positive, neutral or negative: stored as 5, 3, 1
        return 1 if negative else rng.choice([5, 5, 5, 5, 3])
    return rng.choice([1, 2]) if negative else rng.choice([5, 5, 5, 4, 4, 3])


SHOPIFY_PER_SHOP = 6  # a few product reviews per Shopify shop, as its Judge.me app lists them
TITLES = {True: ["Disappointed", "Not as described"], False: ["Love it", "Great quality", "As pictured"]}


def _shopify_reviews(desk: Desk, rng: random.Random, now: int) -> tuple[list[dict], list[tuple[int, str]]]:
    """Product reviews of the Shopify shops attached to a reviews app (crossdesk.demo.binding), shaped as a
    pull from Judge.me stores them (``judgeme:<id>``, title, updated time): the buyer's order and that
    order's SKU, mostly praise; one negative, on an order whose buyer wrote in, joined to that ticket."""
    db = desk.db
    reviews: list[dict] = []
    tags: list[tuple[int, str]] = []
    negative_done = False
    shops = db.execute(
        "SELECT id, config FROM shops WHERE platform = 'shopify' AND config LIKE '%\"reviews_app\"%' ORDER BY id"
    ).fetchall()
    for shop_id, _ in shops:
        orders = db.execute(
            "SELECT o.id, o.customer_id, o.ordered_at, "
            "(SELECT l.sku FROM order_lines l WHERE l.order_id = o.id ORDER BY l.id LIMIT 1), "
            "(SELECT t.id FROM tickets t WHERE t.order_id = o.id ORDER BY t.id LIMIT 1) "
            "FROM orders o WHERE o.shop_id = ? AND o.customer_id IS NOT NULL ORDER BY o.id LIMIT 2000",
            [shop_id],
        ).fetchall()
        picked = rng.sample(orders, min(SHOPIFY_PER_SHOP, len(orders)))
        if not negative_done:  # the complaint: an order whose buyer already wrote in
            with_ticket = [o for o in orders if o[4] is not None]
            if with_ticket:
                complaint = rng.choice(with_ticket)
                picked = [complaint, *[o for o in picked if o[0] != complaint[0]][: SHOPIFY_PER_SHOP - 1]]
        for oid, cid, ordered, sku, ticket in picked:
            negative = not negative_done and ticket is not None
            negative_done = negative_done or negative
            created = min(now - 3600, max((ordered or 0) + 3 * 86400, now - rng.randint(1, 45) * 86400))
            reviews.append(
                {
                    "platform": "shopify",
                    "shop_id": shop_id,
                    "external_id": f"judgeme:{400_000_000 + oid}",
                    "kind": "product_review",
                    "rating": rng.choice([1, 2]) if negative else rng.choice([5, 5, 4]),
                    "negative": int(negative),
                    "title": rng.choice(TITLES[negative]),
                    "body": rng.choice(COMPLAINT["en"] if negative else PRAISE["en"]),
                    "customer_id": cid,
                    "order_id": oid,
                    "sku": sku or "",
                    "reply": "",
                    "ticket_id": ticket if negative else None,
                    "created_at": created,
                    "updated_at": created,
                    "status": "published",
                    "source": "judgeme",
                    "pulled_at": now,
                }
            )
            if negative:
                tags += [(ticket, "review"), (ticket, "negative-review")] + (
                    [(ticket, f"sku:{sku}".lower())] if sku else []
                )
    return reviews, tags


def add_reviews(desk: Desk, actor: Actor, seed: int, now: int) -> int:
    """Write the demo reviews; returns how many."""
    rng = random.Random(seed * 7919 + 19)
    db = desk.db
    reviews, tags = [], []
    for platform, kind in KINDS.items():
        orders = db.execute(
            "SELECT o.id, o.shop_id, o.external_id, o.customer_id, o.ordered_at, c.language, "
            "(SELECT l.sku FROM order_lines l WHERE l.order_id = o.id ORDER BY l.id LIMIT 1), "
            "(SELECT t.id FROM tickets t WHERE t.order_id = o.id ORDER BY t.id LIMIT 1) "
            "FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.platform = ? "
            "ORDER BY o.id LIMIT 5000",
            [platform],
        ).fetchall()
        for n, (oid, shop, ext, cid, ordered, lang, sku, ticket) in enumerate(
            rng.sample(orders, min(PER_PLATFORM, len(orders)))
        ):
            negative = ticket is not None and rng.random() < NEGATIVE_SHARE  # only buyers who wrote in
            stars = _stars(rng, platform, negative)
            texts = (COMPLAINT if negative else PRAISE).get(
                (lang or "en")[:2], (COMPLAINT if negative else PRAISE)["en"]
            )
            created = min(now - 3600, max((ordered or 0) + 86400, now - rng.randint(1, 45) * 86400))
            external = {"amazon": ext, "ebay": f"fb-{seed}-{oid}", "shopee": str(7_000_000 + oid)}[platform]
            reviews.append(
                {
                    "platform": platform,
                    "shop_id": shop,
                    "external_id": external,
                    "kind": kind,
                    "rating": stars,
                    "negative": int(negative),
                    "body": rng.choice(texts),
                    "customer_id": cid,
                    "order_id": oid,
                    "sku": sku or "",
                    "reply": "" if negative or n % 3 else "Thank you!",
                    "ticket_id": ticket if negative else None,
                    "created_at": created,
                    "pulled_at": now,
                }
            )
            if negative:
                tags += [(ticket, "review"), (ticket, "negative-review")] + (
                    [(ticket, f"sku:{sku}".lower())] if sku else []
                )
    shopify, shopify_tags = _shopify_reviews(desk, rng, now)
    reviews += shopify
    tags += shopify_tags
    with desk.tx():
        db["reviews"].insert_all(reviews, ignore=True)
        db.conn.executemany("INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)", tags)
        negatives = sum(r["negative"] for r in reviews)
        desk.audit(
            actor, "demo.reviews", "desk", None, None, {"reviews": len(reviews), "negative": negatives}
        )
    return len(reviews)
