"""A local fake of AfterShip's Tracking API (version 2024-07) and its webhooks.

What it reproduces, as the client sees it:

- the key in the ``as-api-key`` header; a missing or unknown key answers 401 with AfterShip's envelope
  ``{"meta": {"code": 401, "message", "type": "Unauthorized"}, "data": {}}``;
- ``POST /tracking/2024-07/trackings`` (``tracking_number``, optional ``slug``): 201 with the tracking;
  the same number and slug again answers 400 with ``meta.code`` 4003 "Tracking already exists.";
  a number without a slug that it cannot detect answers 400 with 4005;
- ``GET /tracking/2024-07/trackings`` with ``tracking_numbers`` (comma-separated), ``limit`` (1 to 200)
  and cursor paging: ``data.pagination {total, next_cursor, has_next_page}``;
- ``GET /tracking/2024-07/trackings/{id}`` (404 with 4004 when unknown);
- the rate limit: past ``rate_limit`` requests in a window, 429 with ``meta.code`` 429 and the headers
  ``x-ratelimit-limit``, ``x-ratelimit-remaining`` and ``x-ratelimit-reset`` (epoch seconds), which every
  answer carries;
- the tracking object: ``tag``/``subtag``, ``checkpoints[]`` (``checkpoint_time``, ``message``,
  ``location``, ``tag``), ``courier_estimated_delivery_date.estimated_delivery_date``;
- webhooks: :meth:`webhook` builds the ``tracking_update`` body and its ``aftership-hmac-sha256`` header
  (base64 HMAC-SHA256 of the raw body with the webhook secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from crossdesk.fakes.server import FakeRequest, FakeResponse, FakeServer

BASE = "/tracking/2024-07"
SLUGS = {
    "dhl",
    "ups",
    "usps",
    "fedex",
    "royal-mail",
    "la-poste-colissimo",
    "japan-post",
    "yanwen",
    "4px",
    "dpd",
    "gls",
    "dhl-germany",
}


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Tracking:
    id: str
    tracking_number: str
    slug: str
    created_at: int
    tag: str = "Pending"
    subtag: str = "Pending_001"
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    eta: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tracking_number": self.tracking_number,
            "slug": self.slug,
            "tag": self.tag,
            "subtag": self.subtag,
            "subtag_message": self.subtag.replace("_", " "),
            "created_at": iso(self.created_at),
            "checkpoints": list(self.checkpoints),
            "courier_estimated_delivery_date": {"estimated_delivery_date": self.eta} if self.eta else None,
        }


class AfterShipFake(FakeServer):
    """AfterShip Tracking API on loopback."""

    def __init__(
        self,
        keys: tuple[str, ...] = ("test-as-key",),
        *,
        webhook_secret: str = "test-as-secret",
        rate_limit: int = 100,
        window: float = 1.0,
    ):
        super().__init__("aftership")
        self.keys = set(keys)
        self.webhook_secret = webhook_secret
        self.rate_limit = rate_limit
        self.window = window
        self.trackings: dict[str, Tracking] = {}
        self._calls: list[float] = []
        self.add_route("POST", f"{BASE}/trackings", self.create)
        self.add_route("GET", f"{BASE}/trackings", self.list)
        self.add_route("GET", f"{BASE}/trackings/{{tracking_id}}", self.get)

    # ---- driving the fake ----------------------------------------------------------------------------

    def by_number(self, number: str) -> Tracking:
        return next(t for t in self.trackings.values() if t.tracking_number == number)

    def scan(
        self, number: str, tag: str, message: str, *, at: int, location: str = "", subtag: str = ""
    ) -> None:
        t = self.by_number(number)
        t.tag = tag
        t.subtag = subtag or f"{tag}_001"
        t.checkpoints.append(
            {
                "checkpoint_time": iso(at),
                "message": message,
                "location": location,
                "tag": tag,
                "subtag": t.subtag,
                "slug": t.slug,
            }
        )

    def set_eta(self, number: str, day: str) -> None:
        self.by_number(number).eta = day

    def webhook(self, number: str, secret: str | None = None) -> tuple[bytes, dict[str, str]]:
        t = self.by_number(number)
        body = orjson.dumps(
            {
                "event_id": str(uuid.uuid4()),
                "event": "tracking_update",
                "is_tracking_first_tag": False,
                "msg": t.as_json(),
                "ts": int(time.time()),
            }
        )
        sig = signature(body, self.webhook_secret if secret is None else secret)
        return body, {"content-type": "application/json", "aftership-hmac-sha256": sig}

    # ---- the API -----------------------------------------------------------------------------------------

    def _limits(self) -> tuple[dict[str, str], bool]:
        now = time.time()
        self._calls = [t for t in self._calls if now - t < self.window]
        over = len(self._calls) >= self.rate_limit
        if not over:
            self._calls.append(now)
        reset = int((self._calls[0] if self._calls else now) + self.window) + 1
        headers = {
            "x-ratelimit-limit": str(self.rate_limit),
            "x-ratelimit-remaining": str(max(0, self.rate_limit - len(self._calls))),
            "x-ratelimit-reset": str(reset),
        }
        return headers, over

    @staticmethod
    def _meta(code: int, message: str, kind: str, status: int, headers: dict[str, str]) -> FakeResponse:
        return FakeResponse.json(
            {"meta": {"code": code, "message": message, "type": kind}, "data": {}},
            status=status,
            headers=headers,
        )

    def _guard(self, request: FakeRequest) -> tuple[dict[str, str], FakeResponse | None]:
        headers, over = self._limits()
        if over:
            return headers, self._meta(
                429, "You have exceeded the API call rate limit.", "TooManyRequests", 429, headers
            )
        if request.header("as-api-key") not in self.keys:
            return headers, self._meta(401, "Invalid API key.", "Unauthorized", 401, headers)
        return headers, None

    @staticmethod
    def _ok(data: Any, headers: dict[str, str], status: int = 200) -> FakeResponse:
        return FakeResponse.json(
            {"meta": {"code": status, "message": "", "type": "OK"}, "data": data}, status=status, headers=headers
        )

    def create(self, request: FakeRequest) -> FakeResponse:
        headers, fail = self._guard(request)
        if fail:
            return fail
        try:
            body = request.json()
        except ValueError:
            return self._meta(4001, "Invalid JSON data.", "BadRequest", 400, headers)
        number = str(body.get("tracking_number") or "").strip() if isinstance(body, dict) else ""
        if not number:
            return self._meta(4007, "tracking_number is required.", "BadRequest", 400, headers)
        slug = str(body.get("slug") or "")
        if slug and slug not in SLUGS:
            return self._meta(4010, f"The value of slug {slug!r} is invalid.", "BadRequest", 400, headers)
        if not slug:
            if not number[:2].isalpha():
                return self._meta(
                    4005, "Cannot detect courier. Specify the slug.", "BadRequest", 400, headers
                )
            slug = "4px"
        if any(t.tracking_number == number and t.slug == slug for t in self.trackings.values()):
            return self._meta(4003, "Tracking already exists.", "BadRequest", 400, headers)
        t = Tracking(uuid.uuid4().hex, number, slug, int(time.time()))
        self.trackings[t.id] = t
        return self._ok(t.as_json(), headers, status=201)

    def list(self, request: FakeRequest) -> FakeResponse:
        headers, fail = self._guard(request)
        if fail:
            return fail
        try:
            limit = int(request.arg("limit", "100") or 100)
        except ValueError:
            limit = 0
        if not 1 <= limit <= 200:
            return self._meta(4001, "limit must be between 1 and 200.", "BadRequest", 400, headers)
        wanted = {n for n in (request.arg("tracking_numbers") or "").split(",") if n}
        rows = sorted(
            (t for t in self.trackings.values() if not wanted or t.tracking_number in wanted),
            key=lambda t: (t.created_at, t.id),
        )
        start = int(request.arg("cursor") or 0)
        page = rows[start : start + limit]
        more = start + limit < len(rows)
        pagination = {
            "total": len(rows),
            "next_cursor": str(start + limit) if more else None,
            "has_next_page": more,
        }
        return self._ok({"pagination": pagination, "trackings": [t.as_json() for t in page]}, headers)

    def get(self, request: FakeRequest) -> FakeResponse:
        headers, fail = self._guard(request)
        if fail:
            return fail
        t = self.trackings.get(request.path_params["tracking_id"])
        if t is None:
            return self._meta(4004, "Tracking does not exist.", "NotFound", 404, headers)
        return self._ok(t.as_json(), headers)
