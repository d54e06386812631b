"""Demo parcels: the shipped orders of the demo desk's tickets get tracked shipments with scans, in every
state a seller meets (in transit, out for delivery, delivered, a failed attempt, held in customs, stalled,
sent back), so the conversation screen shows timelines and the parcel rules and templates have something
to work on. Deterministic for a seed; written in bulk (no events: the demo's history is already settled).
"""

from __future__ import annotations

import random

from crossdesk.api import Desk

#: Most demo parcels, whatever the desk's size (the ones with tickets first).
MAX_PARCELS = 3000

HUBS = {
    "DE": ["Leipzig", "Hamburg", "Köln"],
    "FR": ["Roissy", "Lyon"],
    "ES": ["Madrid", "Zaragoza"],
    "IT": ["Milano", "Bologna"],
    "NL": ["Amsterdam"],
    "PL": ["Warszawa"],
    "TR": ["İstanbul"],
    "BR": ["São Paulo", "Curitiba"],
    "PT": ["Lisboa"],
    "JP": ["東京", "大阪"],
    "CN": ["上海", "深圳"],
    "KR": ["인천", "서울"],
    "US": ["Chicago", "Memphis"],
    "GB": ["Coventry", "London"],
    "SA": ["الرياض"],
    "AE": ["دبي"],
}
ORIGINS = ["Shenzhen, CN", "Leipzig, DE", "Dongguan, CN", "Venlo, NL"]

# (state, weight, stalled)
MIX = [
    ("in_transit", 30, False),
    ("out_for_delivery", 8, False),
    ("failed_attempt", 4, False),
    ("exception", 5, False),
    ("in_transit", 6, True),  # no scan for days
    ("returned", 2, False),
    ("info_received", 5, False),
]

SCANS = {
    "info_received": "Shipment information received",
    "accepted": "Accepted by carrier",
    "export": "Departed export hub",
    "customs": "Customs clearance completed",
    "customs_hold": "Held by customs: import duties due",
    "arrived": "Arrived at delivery depot",
    "out_for_delivery": "Out for delivery",
    "failed_attempt": "Delivery attempted: recipient not at home",
    "delivered": "Delivered",
    "returned": "Returned to sender: address unknown",
}


def add_parcels(desk: Desk, seed: int, now: int) -> int:
    """Track the demo's shipped orders (those with tickets first). Returns the parcels added."""
    rng = random.Random(seed * 7919 + 11)
    db = desk.db
    # Orders with tickets first: their parcels show in the conversation. One pass over tickets, not one
    # lookup per order (tickets.order_id has no index of its own).
    orders = db.execute(
        "SELECT o.id, o.tracking_number, o.carrier, o.country, o.shipped_at, o.delivered_at FROM orders o "
        "LEFT JOIN (SELECT DISTINCT order_id FROM tickets WHERE order_id IS NOT NULL) t ON t.order_id = o.id "
        "WHERE o.tracking_number != '' ORDER BY t.order_id IS NULL, o.id LIMIT ?",
        [MAX_PARCELS],
    ).fetchall()
    weights = [w for _, w, _ in MIX]
    shipments, events = [], []
    for order_id, number, carrier, country, shipped_at, delivered_at in orders:
        shipped = int(shipped_at or now - rng.randint(2, 12) * 86400)
        if delivered_at:
            state, stalled = "delivered", False
        else:
            state, _, stalled = rng.choices(MIX, weights)[0]
        city = rng.choice(HUBS.get(country or "", ["Hub"]))
        place = f"{city}, {country}" if country else city
        steps = _steps(state, rng)
        end = (
            int(delivered_at)
            if delivered_at
            else now - (rng.randint(4, 9) if stalled else rng.randint(0, 2)) * 86400
        )
        end = max(end, shipped + 3600 * len(steps))
        times = sorted(shipped + int((end - shipped) * i / max(1, len(steps) - 1)) for i in range(len(steps)))
        rows = []
        for i, (key, scan_state) in enumerate(steps):
            where = rng.choice(ORIGINS) if i < 2 else place
            rows.append((times[i], scan_state, SCANS[key], where))
        last = rows[-1]
        eta = None if state in ("delivered", "returned") else now + rng.randint(1, 6) * 86400
        shipments.append(
            (
                order_id,
                number,
                carrier or "",
                "demo",
                "17track",
                shipped,
                state,
                last[0],
                last[2],
                last[3],
                eta,
                shipped,
                int(delivered_at) if delivered_at else None,
                now if stalled else None,
                now,
                now,
                now,
            )
        )
        events.append(rows)
    with desk.tx():
        for values, rows in zip(shipments, events, strict=True):
            sid = db.execute(
                "INSERT OR IGNORE INTO shipments (order_id, tracking_number, carrier, source, provider, "
                "registered_at, state, last_scan_at, last_scan, last_place, eta, shipped_at, delivered_at, "
                "stalled_at, checked_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                values,
            ).lastrowid
            db.conn.executemany(
                "INSERT OR IGNORE INTO shipment_events (shipment_id, at, state, description, place) "
                "VALUES (?, ?, ?, ?, ?)",
                [(sid, *r) for r in rows],
            )
    return len(shipments)


def _steps(state: str, rng: random.Random) -> list[tuple[str, str]]:
    """The scans that lead to ``state``: (scan key, state it implies)."""
    start = [("info_received", "info_received")]
    if state == "info_received":
        return start
    moving = [*start, ("accepted", "in_transit"), ("export", "in_transit"), ("customs", "in_transit")]
    if state == "exception":
        return [*moving[:3], ("customs_hold", "exception")]
    if state == "in_transit":
        return moving[: rng.randint(2, 4)]
    near = [*moving, ("arrived", "in_transit"), ("out_for_delivery", "out_for_delivery")]
    if state == "out_for_delivery":
        return near
    if state == "failed_attempt":
        return [*near, ("failed_attempt", "failed_attempt")]
    if state == "returned":
        return [*near, ("failed_attempt", "failed_attempt"), ("returned", "returned")]
    return [*near, ("delivered", "delivered")]
