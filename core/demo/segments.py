"""After a demo build: the buyers' segments (and so the tickets' tiers) come from their orders.

The generator writes every buyer with tier 0; :func:`segment` runs the desk's own segmentation
(:class:`crossdesk.customers.SegmentService`) at the demo's "now", so a buyer with many high-value orders
on two platforms is high-value and a single recent buyer is new, exactly as on a real desk.
"""

from __future__ import annotations

from typing import Any

from crossdesk.models import Actor


def segment(desk: Any, actor: Actor, now: int) -> str:
    """Segment every demo buyer as of ``now``, and record marketing consent the way an own shop's checkout
    would (two in three own-shop buyers say yes, one in ten of those later opted out), so
    ``crossdesk outreach plan`` has both to show. Returns the one-line report."""
    report = str(desk.segments.recompute_all(actor, now=now, touch=False))
    with desk.tx():
        desk.db.execute(
            "INSERT INTO customer_consents (customer_id, purpose, granted, source, actor, at) "
            "SELECT DISTINCT customer_id, 'marketing', 1, 'checkout', ?, ? FROM customer_identities "
            "WHERE platform IN ('shopify', 'web') AND customer_id % 3 <> 0 ORDER BY customer_id",
            [actor.name, now - 90 * 86_400],
        )
        desk.db.execute(
            "INSERT INTO customer_consents (customer_id, purpose, granted, source, actor, at) "
            "SELECT customer_id, 'marketing', 0, 'replied \"stop\"', ?, ? FROM customer_consents "
            "WHERE customer_id % 10 = 1 ORDER BY customer_id",
            [actor.name, now - 10 * 86_400],
        )
    return report
