"""A local fake of the 17TRACK tracking API v2.2 (register, gettrackinfo, getquota, webhooks).

What it reproduces, as the client sees it:

- ``POST /track/v2.2/register``, ``/gettrackinfo``, ``/getquota``, ``/stoptrack`` with the key in the
  ``17token`` header; an unknown key answers HTTP 200 with ``code`` -18010002 (17TRACK reports errors in
  the body, not the status);
- a body of 1 to 40 numbers (``[{"number": ..., "carrier": 3011}]``); more answers -18010014;
- per number, ``data.accepted`` or ``data.rejected`` with ``error.code``: -18019901 already registered,
  -18019902 not registered yet, -18019903 carrier not detected, -18019908 quota used up;
- the registration quota: each accepted number spends one; ``getquota`` reports
  ``quota_total/quota_used/quota_remain/today_used``;
- the v2.2 ``track_info`` shape: ``latest_status {status, sub_status}``, ``latest_event``,
  ``time_metrics.estimated_delivery_date {from, to}`` and ``tracking.providers[].events[]``;
- the request rate limit (HTTP 429 past ``rate_limit`` requests a second);
- webhooks: :meth:`webhook` builds the ``TRACKING_UPDATED`` body and its ``sign`` header (SHA-256 of
  the body, ``/`` and the key), as 17TRACK pushes it; :meth:`push` posts it to a receiver.

Tests drive parcels with :meth:`scan` and :meth:`set_eta`.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from crossdesk.fakes.server import FakeRequest, FakeResponse, FakeServer

MAX_NUMBERS = 40

#: 17TRACK's carrier codes for a few carriers the demo desk uses (0 = auto-detect).
CARRIER_CODES = {
    "dhl": 7041,
    "ups": 100002,
    "usps": 21051,
    "royal mail": 11031,
    "la poste": 6051,
    "japan post": 15031,
    "yanwen": 190012,
    "4px": 190094,
    "dpd": 100007,
    "gls": 100005,
}

ERRORS = {
    -18010002: "Invalid access key.",
    -18010013: "The submitted data is invalid.",
    -18010014: "The submitted tracking numbers exceed the limit of 40.",
    -18019901: "The tracking number '{0}' has been registered, don't need to repeat registration.",
    -18019902: "The tracking number '{0}' does not register, please register first.",
    -18019903: "The carrier cannot be detected for '{0}'.",
    -18019908: "Your quota is used up.",
}


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(body: bytes, key: str) -> str:
    """17TRACK's webhook signature: SHA-256 (hex) of the raw body, ``/`` and the security key."""
    return hashlib.sha256(body + b"/" + key.encode()).hexdigest()


@dataclass
class Parcel:
    number: str
    carrier: int
    registered_at: int
    status: str = "NotFound"
    sub_status: str = "NotFound_Other"
    events: list[dict[str, Any]] = field(default_factory=list)
    eta: tuple[str, str] | None = None

    def track_info(self) -> dict[str, Any]:
        events = sorted(self.events, key=lambda e: e["time_utc"], reverse=True)
        eta = {"source": "17TRACK", "from": self.eta[0], "to": self.eta[1]} if self.eta else None
        return {
            "latest_status": {"status": self.status, "sub_status": self.sub_status},
            "latest_event": events[0] if events else None,
            "time_metrics": {"days_after_order": 0, "estimated_delivery_date": eta},
            "tracking": {
                "providers_hash": len(events),
                "providers": [{"provider": {"key": self.carrier, "name": ""}, "events": events}],
            },
        }


class SeventeenTrackFake(FakeServer):
    """17TRACK API v2.2 on loopback. ``keys``: accepted ``17token`` values; ``quota``: registrations."""

    def __init__(self, keys: tuple[str, ...] = ("test-17token",), *, quota: int = 100, rate_limit: int = 50):
        super().__init__("17track")
        self.keys = set(keys)
        self.quota_total = quota
        self.quota_used = 0
        self.rate_limit = rate_limit
        self.parcels: dict[str, Parcel] = {}
        self._window: list[float] = []
        for op in ("register", "gettrackinfo", "getquota", "stoptrack"):
            self.add_route("POST", f"/track/v2.2/{op}", getattr(self, op))

    # ---- driving the fake (tests) ----------------------------------------------------------------------

    def scan(
        self, number: str, status: str, description: str, *, at: int, location: str = "", sub_status: str = ""
    ) -> None:
        """A new scan of a registered parcel; ``status`` in 17TRACK's words (``InTransit``, ``Delivered``)."""
        parcel = self.parcels[number]
        parcel.status = status
        parcel.sub_status = sub_status or f"{status}_Other"
        parcel.events.append(
            {
                "time_iso": iso(at),
                "time_utc": iso(at),
                "description": description,
                "location": location,
                "stage": status,
                "sub_status": parcel.sub_status,
            }
        )

    def set_eta(self, number: str, day_from: str, day_to: str) -> None:
        self.parcels[number].eta = (day_from, day_to)

    def webhook(self, number: str, key: str | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and headers 17TRACK pushes when ``number`` changes, signed with ``key``."""
        parcel = self.parcels[number]
        body = orjson.dumps(
            {
                "event": "TRACKING_UPDATED",
                "data": {
                    "number": number,
                    "carrier": parcel.carrier,
                    "tag": "",
                    "track_info": parcel.track_info(),
                },
            }
        )
        return body, {"content-type": "application/json", "sign": sign(body, key or next(iter(self.keys)))}

    def push(self, url: str, number: str) -> httpx.Response:
        body, headers = self.webhook(number)
        return httpx.post(url, content=body, headers=headers, timeout=5)

    # ---- the API -----------------------------------------------------------------------------------------

    def _check(self, request: FakeRequest) -> tuple[list[dict], FakeResponse | None]:
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < 1.0]
        if len(self._window) >= self.rate_limit:
            return [], FakeResponse.text("Too Many Requests", status=429, headers={"Retry-After": "1"})
        self._window.append(now)
        if request.header("17token") not in self.keys:
            return [], self._fail(-18010002)
        try:
            items = request.json() if request.body else []
        except ValueError:
            return [], self._fail(-18010013)
        if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("number") for i in items):
            return [], self._fail(-18010013)
        if len(items) > MAX_NUMBERS:
            return [], self._fail(-18010014)
        return items, None

    @staticmethod
    def _fail(code: int) -> FakeResponse:
        return FakeResponse.json(
            {"code": code, "data": {"errors": [{"code": code, "message": ERRORS[code]}]}}
        )

    @staticmethod
    def _reject(number: str, code: int) -> dict[str, Any]:
        return {"number": number, "error": {"code": code, "message": ERRORS[code].format(number)}}

    def register(self, request: FakeRequest) -> FakeResponse:
        items, fail = self._check(request)
        if fail:
            return fail
        accepted, rejected = [], []
        for item in items:
            number = str(item["number"])
            carrier = int(item.get("carrier") or 0)
            if number in self.parcels:
                rejected.append(self._reject(number, -18019901))
            elif self.quota_used >= self.quota_total:
                rejected.append(self._reject(number, -18019908))
            elif not carrier and not number[:2].isalpha():
                rejected.append(self._reject(number, -18019903))
            else:
                carrier = carrier or 190094
                self.parcels[number] = Parcel(number, carrier, int(time.time()))
                self.quota_used += 1
                accepted.append({"origin": 1, "number": number, "carrier": carrier})
        return FakeResponse.json({"code": 0, "data": {"accepted": accepted, "rejected": rejected}})

    def gettrackinfo(self, request: FakeRequest) -> FakeResponse:
        items, fail = self._check(request)
        if fail:
            return fail
        accepted, rejected = [], []
        for item in items:
            parcel = self.parcels.get(str(item["number"]))
            if parcel is None:
                rejected.append(self._reject(str(item["number"]), -18019902))
            else:
                accepted.append(
                    {"number": parcel.number, "carrier": parcel.carrier, "track_info": parcel.track_info()}
                )
        return FakeResponse.json({"code": 0, "data": {"accepted": accepted, "rejected": rejected}})

    def stoptrack(self, request: FakeRequest) -> FakeResponse:
        items, fail = self._check(request)
        if fail:
            return fail
        accepted = [{"number": i["number"]} for i in items if str(i["number"]) in self.parcels]
        return FakeResponse.json({"code": 0, "data": {"accepted": accepted, "rejected": []}})

    def getquota(self, request: FakeRequest) -> FakeResponse:
        _, fail = self._check(request)
        if fail:
            return fail
        remain = self.quota_total - self.quota_used
        return FakeResponse.json(
            {
                "code": 0,
                "data": {
                    "quota_total": self.quota_total,
                    "quota_used": self.quota_used,
                    "quota_remain": remain,
                    "today_used": self.quota_used,
                    "max_track_daily": self.quota_total,
                },
            }
        )
