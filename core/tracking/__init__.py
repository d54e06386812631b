"""Carrier tracking (``desk.tracking``): shipments per order, their provider, states, events, return labels.

    desk.tracking.add(agent, "JD014600006281230704", order_id=7, carrier="DHL")
    desk.tracking.refresh(system)                 # discover, register, poll within quota, mark stalled
    desk.tracking.webhook(system, "17track", body, headers)
    labels.create_return_label(desk.tracking, agent, case_id, buyer_address)

The provider contract is :mod:`crossdesk.carriers`; the read models for templates and the conversation
are in :mod:`crossdesk.tracking.views`; state names in the 13 languages in :mod:`crossdesk.tracking.states`.
"""

from __future__ import annotations

from crossdesk.tracking import labels, states, views
from crossdesk.tracking.service import SHIPMENT_EVENTS, RefreshResult, TrackingError, TrackingService

__all__ = [
    "SHIPMENT_EVENTS",
    "RefreshResult",
    "TrackingError",
    "TrackingService",
    "labels",
    "states",
    "views",
]
