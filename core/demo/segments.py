"""After a demo build: the buyers' segments (and so the tickets' tiers) come from their orders.

The generator writes every buyer with tier 0; :func:`segment` runs the desk's own segmentation
(:class:`crossdesk.customers.SegmentService`) at the demo's "now", so a buyer with many high-value orders
on two platforms is high-value and a single recent buyer is new, exactly as on a real desk.
"""

from __future__ import annotations

from typing import Any

from crossdesk.models import Actor


def segment(desk: Any, actor: Actor, now: int) -> str:
    """Segment every demo buyer as of ``now``; returns the one-line report."""
    return str(desk.segments.recompute_all(actor, now=now, touch=False))
