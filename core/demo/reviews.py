"""Demo reviews and seller feedback: a few hundred on the marketplace orders (Amazon and eBay seller
feedback, Shopee product reviews), mostly praise, some negative. Each negative one is on an order whose
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
            texts = (COMPLAINT if negative else PRAISE).get((lang or "en")[:2], (COMPLAINT if negative else PRAISE)["en"])
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
                tags += [(ticket, "review"), (ticket, "negative-review")] + ([(ticket, f"sku:{sku}".lower())] if sku else [])
    with desk.tx():
        db["reviews"].insert_all(reviews, ignore=True)
        db.conn.executemany("INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)", tags)
        negatives = sum(r["negative"] for r in reviews)
        desk.audit(actor, "demo.reviews", "desk", None, None, {"reviews": len(reviews), "negative": negatives})
    return len(reviews)
