"""AfterShip Tracking API (version 2024-07): ``/trackings`` with the ``as-api-key`` header.

Keys: ``CROSSDESK_AFTERSHIP_API_KEY``; the webhook secret ``CROSSDESK_AFTERSHIP_WEBHOOK_SECRET``
(webhooks carry ``aftership-hmac-sha256``, the base64 HMAC-SHA256 of the raw body). ``base_url``
(setting or ``CROSSDESK_AFTERSHIP_BASE_URL``) overrides the host. A number is registered by creating a
tracking (4003 "already exists" counts as registered); states are read in pages of the tracking list
filtered by number (cursor paging). A 429 raises :class:`RateLimited` with the ``x-ratelimit-reset``
time; the last ``x-ratelimit-remaining`` seen is the provider's quota.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import orjson

from crossdesk import hookimpl
from crossdesk.carriers import (
    DELIVERED,
    EXCEPTION,
    EXPIRED,
    FAILED_ATTEMPT,
    IN_TRANSIT,
    INFO_RECEIVED,
    OUT_FOR_DELIVERY,
    RETURNED,
    CarrierError,
    NotConfigured,
    Quota,
    RateLimited,
    Registration,
    TrackEvent,
    TrackInfo,
    TrackRequest,
    WebhookRejected,
)
from crossdesk.plugins.carriers._http import body_json, client, epoch, require, send, setting

HOST = "https://api.aftership.com"
BASE = "/tracking/2024-07"
ENV_KEY = "CROSSDESK_AFTERSHIP_API_KEY"
ENV_SECRET = "CROSSDESK_AFTERSHIP_WEBHOOK_SECRET"
PAGE = 50  # numbers per list call (the tracking_numbers filter)

SLUGS = {
    "dhl": "dhl",
    "ups": "ups",
    "usps": "usps",
    "fedex": "fedex",
    "royal mail": "royal-mail",
    "la poste": "la-poste-colissimo",
    "japan post": "japan-post",
    "yanwen": "yanwen",
    "4px": "4px",
    "dpd": "dpd",
    "gls": "gls",
}

TAGS = {
    "Pending": INFO_RECEIVED,
    "InfoReceived": INFO_RECEIVED,
    "InTransit": IN_TRANSIT,
    "OutForDelivery": OUT_FOR_DELIVERY,
    "AvailableForPickup": OUT_FOR_DELIVERY,
    "AttemptFail": FAILED_ATTEMPT,
    "Delivered": DELIVERED,
    "Exception": EXCEPTION,
    "Expired": EXPIRED,
}
#: Exception subtags that mean the parcel goes (or went) back to the sender.
RETURN_SUBTAGS = {"Exception_010", "Exception_011"}


class AfterShip:
    name = "aftership"
    credentials = (ENV_KEY, ENV_SECRET)
    batch_size = PAGE

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self.transport = transport
        self.key = self.secret = ""
        self.base_url = HOST
        self.remaining: int | None = None
        self.limit: int | None = None
        self.reset_at: float | None = None
        self._http: httpx.Client | None = None

    def configure(self, settings: Mapping[str, str]) -> None:
        self.key = setting(settings, "api_key", ENV_KEY)
        self.secret = setting(settings, "webhook_secret", ENV_SECRET)
        self.base_url = setting(settings, "base_url", "CROSSDESK_AFTERSHIP_BASE_URL", HOST).rstrip("/")
        self._http = None

    @property
    def http(self) -> httpx.Client:
        require(self.key, self.name, ENV_KEY)
        if self._http is None:
            self._http = client(
                self.base_url, {"as-api-key": self.key, "Content-Type": "application/json"}, self.transport
            )
        return self._http

    def _call(self, method: str, path: str, **kw: Any) -> tuple[int, dict[str, Any]]:
        resp = send(self.http, method, BASE + path, self.name, **kw)
        h = resp.headers
        if "x-ratelimit-remaining" in h:
            self.remaining = int(h["x-ratelimit-remaining"])
            self.limit = int(h.get("x-ratelimit-limit") or 0) or None
            self.reset_at = float(h.get("x-ratelimit-reset") or 0) or None
        if resp.status_code == 429:
            raise RateLimited(
                f"{self.name}: rate limited until {self.reset_at}", reset_at=self.reset_at, code="429"
            )
        data = body_json(resp, self.name)
        meta = data.get("meta") or {} if isinstance(data, dict) else {}
        code = int(meta.get("code") or resp.status_code)
        if resp.status_code in (401, 403):
            raise NotConfigured(
                f"{self.name}: {meta.get('message') or 'unauthorized'}; check {ENV_KEY}", code=str(code)
            )
        if resp.status_code >= 500:
            err = CarrierError(f"{self.name}: server error (HTTP {resp.status_code})", code=str(code))
            err.retryable = True
            raise err
        return code, data

    def register(self, requests: Sequence[TrackRequest]) -> list[Registration]:
        out = []
        for r in requests:
            body: dict[str, Any] = {"tracking_number": r.number}
            slug = SLUGS.get(r.carrier.strip().lower(), "") if r.carrier else ""
            if slug:
                body["slug"] = slug
            code, data = self._call("POST", "/trackings", content=orjson.dumps(body))
            if code in (200, 201) or code == 4003:
                slug = str((data.get("data") or {}).get("slug") or slug)
                out.append(Registration(r.number, True, carrier=slug, code=str(code), new=code != 4003))
            else:
                message = str((data.get("meta") or {}).get("message") or "refused")
                out.append(Registration(r.number, False, error=message, code=str(code)))
        return out

    def track(self, requests: Sequence[TrackRequest]) -> list[TrackInfo]:
        out: list[TrackInfo] = []
        for start in range(0, len(requests), PAGE):
            numbers = ",".join(r.number for r in requests[start : start + PAGE])
            cursor: str | None = None
            while True:
                params = {"tracking_numbers": numbers, "limit": "20"}
                if cursor:
                    params["cursor"] = cursor
                code, data = self._call("GET", "/trackings", params=params)
                if code != 200:
                    raise CarrierError(
                        f"{self.name}: {(data.get('meta') or {}).get('message')}", code=str(code)
                    )
                block = data.get("data") or {}
                out.extend(self.info(t) for t in block.get("trackings") or [])
                pagination = block.get("pagination") or {}
                cursor = pagination.get("next_cursor")
                if not pagination.get("has_next_page") or not cursor:
                    break
        return out

    def quota(self) -> Quota:
        return Quota(remaining=self.remaining, total=self.limit, reset_at=self.reset_at)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[TrackInfo]:
        sent = {k.lower(): v for k, v in headers.items()}.get("aftership-hmac-sha256", "")
        expected = base64.b64encode(hmac.new(self.secret.encode(), body, hashlib.sha256).digest()).decode()
        if not self.secret or not hmac.compare_digest(sent, expected):
            raise WebhookRejected(f"{self.name}: webhook signature does not match")
        try:
            payload = orjson.loads(body)
            msg = payload["msg"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise WebhookRejected(f"{self.name}: unreadable webhook body") from exc
        return [self.info(msg)] if payload.get("event") == "tracking_update" else []

    @staticmethod
    def info(t: Mapping[str, Any]) -> TrackInfo:
        tag, sub = str(t.get("tag") or "Pending"), str(t.get("subtag") or "")
        state = RETURNED if sub in RETURN_SUBTAGS else TAGS.get(tag, IN_TRANSIT)
        events = []
        for c in t.get("checkpoints") or []:
            at = epoch(c.get("checkpoint_time"))
            if at is None:
                continue
            c_sub = str(c.get("subtag") or "")
            c_state = RETURNED if c_sub in RETURN_SUBTAGS else TAGS.get(str(c.get("tag") or ""), "")
            events.append(TrackEvent(at, str(c.get("message") or ""), str(c.get("location") or ""), c_state))
        eta_block = t.get("courier_estimated_delivery_date") or {}
        eta = epoch(eta_block.get("estimated_delivery_date")) if isinstance(eta_block, dict) else None
        return TrackInfo(
            str(t.get("tracking_number")),
            state,
            carrier=str(t.get("slug") or ""),
            events=tuple(events),
            eta=eta,
            substate=sub,
        )


@hookimpl
def crossdesk_carriers() -> list[AfterShip]:
    return [AfterShip()]
