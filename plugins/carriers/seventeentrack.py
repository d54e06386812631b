"""17TRACK tracking API v2.2 (``POST /track/v2.2/register``, ``/gettrackinfo``, ``/getquota``).

Auth is the ``17token`` header (``CROSSDESK_17TRACK_TOKEN``); ``base_url`` (setting or
``CROSSDESK_17TRACK_BASE_URL``) overrides the host, for tests and proxies. 17TRACK answers HTTP 200 with a
``code`` in the body for most errors, and per number ``accepted``/``rejected`` lists: an account-level code
raises, a number-level one becomes that number's refusal. Up to 40 numbers go in one call. Registering
spends the account's quota (``getquota``); fetching does not. HTTP 429 raises :class:`RateLimited`.
Webhooks are signed with ``sign`` = SHA-256 of the raw body, ``/`` and the key.
"""

from __future__ import annotations

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
    QuotaExceeded,
    RateLimited,
    Registration,
    TrackEvent,
    TrackInfo,
    TrackRequest,
    WebhookRejected,
)
from crossdesk.plugins.carriers._http import body_json, client, epoch, require, send, setting

HOST = "https://api.17track.net"
ENV_TOKEN = "CROSSDESK_17TRACK_TOKEN"

#: 17TRACK carrier codes of the carriers our sellers use most (by the names orders carry).
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

STATUS = {
    "NotFound": INFO_RECEIVED,
    "InfoReceived": INFO_RECEIVED,
    "InTransit": IN_TRANSIT,
    "AvailableForPickup": OUT_FOR_DELIVERY,
    "OutForDelivery": OUT_FOR_DELIVERY,
    "DeliveryFailure": FAILED_ATTEMPT,
    "Delivered": DELIVERED,
    "Exception": EXCEPTION,
    "Expired": EXPIRED,
}
RETURN_SUBSTATES = {"Exception_Returned", "Exception_Returning"}

#: Account-level codes (the whole call failed) and what they mean for us.
ACCOUNT_ERRORS = {
    -18010001: "IP address not in the whitelist",
    -18010002: "invalid access key",
    -18010004: "account disabled",
    -18010005: "unauthorized",
}
QUOTA_CODES = {-18019908, -18019907}


class SeventeenTrack:
    name = "17track"
    credentials = (ENV_TOKEN,)
    batch_size = 40

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self.transport = transport
        self.token = ""
        self.base_url = HOST
        self._http: httpx.Client | None = None

    def configure(self, settings: Mapping[str, str]) -> None:
        self.token = setting(settings, "token", ENV_TOKEN)
        self.base_url = setting(settings, "base_url", "CROSSDESK_17TRACK_BASE_URL", HOST).rstrip("/")
        self._http = None

    @property
    def http(self) -> httpx.Client:
        require(self.token, self.name, ENV_TOKEN)
        if self._http is None:
            self._http = client(
                self.base_url, {"17token": self.token, "Content-Type": "application/json"}, self.transport
            )
        return self._http

    # ---- calls -------------------------------------------------------------------------------------------

    def _post(self, op: str, payload: Any) -> dict[str, Any]:
        resp = send(self.http, "POST", f"/track/v2.2/{op}", self.name, content=orjson.dumps(payload))
        if resp.status_code == 429:
            raise RateLimited(f"{self.name}: rate limited (HTTP 429)", code="429")
        if resp.status_code in (401, 403):
            raise NotConfigured(f"{self.name}: access refused (HTTP {resp.status_code}); check {ENV_TOKEN}")
        if resp.status_code >= 500:
            err = CarrierError(f"{self.name}: server error (HTTP {resp.status_code})")
            err.retryable = True
            raise err
        data = body_json(resp, self.name)
        code = int(data.get("code", -1)) if isinstance(data, dict) else -1
        if code != 0:
            errors = (data.get("data") or {}).get("errors") or [{}] if isinstance(data, dict) else [{}]
            message = errors[0].get("message") or ACCOUNT_ERRORS.get(code, "error")
            if code in ACCOUNT_ERRORS:
                raise NotConfigured(f"{self.name}: {message} ({code})", code=str(code))
            if code in QUOTA_CODES:
                raise QuotaExceeded(f"{self.name}: {message} ({code})", code=str(code))
            raise CarrierError(f"{self.name}: {message} ({code})", code=str(code))
        return data.get("data") or {}

    @staticmethod
    def _body(requests: Sequence[TrackRequest]) -> list[dict[str, Any]]:
        out = []
        for r in requests:
            item: dict[str, Any] = {"number": r.number}
            code = CARRIER_CODES.get(r.carrier.strip().lower()) if r.carrier else None
            if code is None and r.carrier.isdigit():
                code = int(r.carrier)
            if code:
                item["carrier"] = code
            out.append(item)
        return out

    def register(self, requests: Sequence[TrackRequest]) -> list[Registration]:
        out: list[Registration] = []
        for start in range(0, len(requests), self.batch_size):
            data = self._post("register", self._body(requests[start : start + self.batch_size]))
            for a in data.get("accepted") or []:
                out.append(Registration(str(a["number"]), True, carrier=str(a.get("carrier") or "")))
            for r in data.get("rejected") or []:
                err = r.get("error") or {}
                code = int(err.get("code") or 0)
                if code == -18019901:  # already registered: that is what we wanted
                    out.append(Registration(str(r["number"]), True, code=str(code), new=False))
                    continue
                out.append(
                    Registration(
                        str(r["number"]),
                        False,
                        error=str(err.get("message") or ""),
                        code=str(code),
                        retryable=code in QUOTA_CODES,
                    )
                )
        return out

    def track(self, requests: Sequence[TrackRequest]) -> list[TrackInfo]:
        out: list[TrackInfo] = []
        for start in range(0, len(requests), self.batch_size):
            data = self._post("gettrackinfo", self._body(requests[start : start + self.batch_size]))
            for a in data.get("accepted") or []:
                out.append(self.info(a))
        return out

    def quota(self) -> Quota:
        data = self._post("getquota", [])
        return Quota(remaining=int(data.get("quota_remain", 0)), total=int(data.get("quota_total", 0)))

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[TrackInfo]:
        sent = {k.lower(): v for k, v in headers.items()}.get("sign", "")
        expected = hashlib.sha256(body + b"/" + self.token.encode()).hexdigest()
        if not self.token or not hmac.compare_digest(sent, expected):
            raise WebhookRejected(f"{self.name}: webhook signature does not match")
        try:
            payload = orjson.loads(body)
            data = payload["data"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise WebhookRejected(f"{self.name}: unreadable webhook body") from exc
        if payload.get("event") not in ("TRACKING_UPDATED", "TRACKING_STOPPED"):
            return []
        return [self.info(data)]

    # ---- shapes ------------------------------------------------------------------------------------------

    @staticmethod
    def info(item: Mapping[str, Any]) -> TrackInfo:
        ti = item.get("track_info") or {}
        latest = ti.get("latest_status") or {}
        status, sub = str(latest.get("status") or "NotFound"), str(latest.get("sub_status") or "")
        state = RETURNED if sub in RETURN_SUBSTATES else STATUS.get(status, IN_TRANSIT)
        events = []
        for provider in (ti.get("tracking") or {}).get("providers") or []:
            for e in provider.get("events") or []:
                at = epoch(e.get("time_utc") or e.get("time_iso"))
                if at is None:
                    continue
                e_sub = str(e.get("sub_status") or "")
                e_state = RETURNED if e_sub in RETURN_SUBSTATES else STATUS.get(str(e.get("stage") or ""), "")
                events.append(
                    TrackEvent(at, str(e.get("description") or ""), str(e.get("location") or ""), e_state)
                )
        eta_block = (ti.get("time_metrics") or {}).get("estimated_delivery_date") or {}
        eta = epoch(eta_block.get("to") or eta_block.get("from"))
        return TrackInfo(
            str(item["number"]),
            state,
            carrier=str(item.get("carrier") or ""),
            events=tuple(events),
            eta=eta,
            substate=sub,
        )


@hookimpl
def crossdesk_carriers() -> list[SeventeenTrack]:
    return [SeventeenTrack()]
