"""Read models of tracking for the other areas: an order's shipment timeline (the conversation screen) and
the placeholder values a template fills (``{shipment_state}``, ``{last_scan}``, ``{eta}`` ...).

Both read the database only (no provider call): what they show is what the last refresh or webhook stored.
"""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from crossdesk.tracking.states import state_name

#: Public tracking pages per carrier (lower-case name -> URL with ``{number}``); others use 17TRACK's.
TRACKING_PAGES = {
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?tracking-id={number}",
    "ups": "https://www.ups.com/track?tracknum={number}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "royal mail": "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
    "la poste": "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    "japan post": "https://trackings.post.japanpost.jp/services/srv/search/?requestNo1={number}",
}
GENERIC_PAGE = "https://t.17track.net/en#nums={number}"

#: Template placeholders this module fills, and what each is.
PLACEHOLDERS: dict[str, str] = {
    "shipment_state": "the parcel's state, in the buyer's language",
    "last_scan": "the carrier's last scan, as the carrier wrote it",
    "last_scan_place": "where the last scan was made",
    "last_scan_date": "the date of the last scan, in the buyer's locale",
    "eta": "the estimated delivery date, in the buyer's locale",
    "tracking_link": "the carrier's public tracking page (only where the platform allows links)",
}


def tracking_link(number: str, carrier: str) -> str:
    page = TRACKING_PAGES.get(carrier.strip().lower(), GENERIC_PAGE)
    return page.format(number=urllib.parse.quote(number, safe=""))


def _date(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def order_shipment(db: sqlite_utils.Database, order_id: int) -> dict | None:
    """The order's latest outbound shipment, or None."""
    cur = db.execute(
        "SELECT * FROM shipments WHERE order_id = ? AND kind = 'outbound' ORDER BY id DESC LIMIT 1",
        [order_id],
    )
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))


def template_values(
    db: sqlite_utils.Database, order_id: int, overrides: dict | None = None
) -> dict[str, Any]:
    """Placeholder values of an order's latest outbound shipment (absent keys: no value)."""
    s = order_shipment(db, order_id)
    if s is None:
        return {}
    out: dict[str, Any] = {
        "tracking_number": s["tracking_number"],
        "shipment_state": state_name(s["state"], overrides),
        "tracking_link": tracking_link(s["tracking_number"], s["carrier"]),
    }
    if s["carrier"]:
        out["carrier"] = s["carrier"]
    if s["last_scan"]:
        out["last_scan"] = s["last_scan"]
    if s["last_place"]:
        out["last_scan_place"] = s["last_place"]
    if s["last_scan_at"] is not None:
        out["last_scan_date"] = _date(s["last_scan_at"])
    if s["eta"] is not None and s["state"] not in ("delivered", "returned"):
        out["eta"] = _date(s["eta"])
    return out


def timeline(
    db: sqlite_utils.Database, order_id: int | None, case_ids: list[int] | None = None
) -> list[dict]:
    """The shipments of an order (outbound) and of its cases (returns), each with its scans oldest first."""
    where, args = [], []
    if order_id is not None:
        where.append("order_id = ?")
        args.append(order_id)
    if case_ids:
        where.append(f"case_id IN ({','.join('?' * len(case_ids))})")
        args.extend(case_ids)
    if not where:
        return []
    cur = db.execute(f"SELECT * FROM shipments WHERE {' OR '.join(where)} ORDER BY kind = 'return', id", args)
    names = [d[0] for d in cur.description]
    shipments = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    for s in shipments:
        s["events"] = [
            {"at": r[0], "state": r[1], "description": r[2], "place": r[3]}
            for r in db.execute(
                "SELECT at, state, description, place FROM shipment_events WHERE shipment_id = ? ORDER BY at, id",
                [s["id"]],
            )
        ]
    return shipments
