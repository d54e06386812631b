"""EasyPost API v2: return labels (``create_return_label``): create a shipment from the buyer to the
seller's return address, then buy its cheapest rate (or the preferred carrier's).

Auth is HTTP Basic with the key as user name (``CROSSDESK_EASYPOST_API_KEY``); ``base_url`` (setting or
``CROSSDESK_EASYPOST_BASE_URL``) overrides the host. Weights go in ounces, as EasyPost wants them. EasyPost
errors (``{"error": {"code", "message", "errors"}}``) become :class:`CarrierError` with the code and the
fields named. This provider tracks nothing itself: its labels are tracked by the desk's tracking provider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

import httpx
import orjson

from crossdesk import hookimpl
from crossdesk.carriers import (
    CarrierError,
    NotConfigured,
    Quota,
    Registration,
    ReturnLabel,
    ReturnLabelRequest,
    TrackInfo,
    TrackRequest,
    WebhookRejected,
)
from crossdesk.plugins.carriers._http import body_json, client, require, send, setting

HOST = "https://api.easypost.com"
ENV_KEY = "CROSSDESK_EASYPOST_API_KEY"
GRAMS_PER_OUNCE = 28.349523125


class EasyPost:
    name = "easypost"
    credentials = (ENV_KEY,)
    batch_size = 1
    tracks = False  # labels only: the desk's tracking provider follows the parcels

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self.transport = transport
        self.key = ""
        self.base_url = HOST
        self._http: httpx.Client | None = None

    def configure(self, settings: Mapping[str, str]) -> None:
        self.key = setting(settings, "api_key", ENV_KEY)
        self.base_url = setting(settings, "base_url", "CROSSDESK_EASYPOST_BASE_URL", HOST).rstrip("/")
        self._http = None

    @property
    def http(self) -> httpx.Client:
        require(self.key, self.name, ENV_KEY)
        if self._http is None:
            self._http = client(
                self.base_url,
                {"Content-Type": "application/json"},
                self.transport,
                auth=httpx.BasicAuth(self.key, ""),
            )
        return self._http

    def _post(self, path: str, payload: Any) -> dict[str, Any]:
        resp = send(self.http, "POST", path, self.name, content=orjson.dumps(payload))
        data = body_json(resp, self.name)
        if resp.status_code >= 400:
            err = (data.get("error") or {}) if isinstance(data, dict) else {}
            fields = ", ".join(f"{e.get('field')} {e.get('message')}" for e in err.get("errors") or [])
            text = f"{self.name}: {err.get('message') or resp.status_code}" + (
                f" ({fields})" if fields else ""
            )
            if resp.status_code in (401, 403):
                raise NotConfigured(text + f"; check {ENV_KEY}", code=str(err.get("code") or ""))
            exc = CarrierError(text, code=str(err.get("code") or ""))
            exc.retryable = resp.status_code >= 500 or resp.status_code == 429
            raise exc
        return data

    def create_return_label(self, request: ReturnLabelRequest) -> ReturnLabel:
        ounces = round(request.weight_grams / GRAMS_PER_OUNCE, 1)
        shipment = self._post(
            "/v2/shipments",
            {
                "shipment": {
                    "from_address": {k: v for k, v in asdict(request.from_address).items() if v},
                    "to_address": {k: v for k, v in asdict(request.to_address).items() if v},
                    "parcel": {"weight": max(ounces, 0.1)},
                    "reference": request.reference,
                }
            },
        )
        rates = shipment.get("rates") or []
        if request.carrier:
            rates = [
                r for r in rates if str(r.get("carrier", "")).lower() == request.carrier.lower()
            ] or rates
        if not rates:
            raise CarrierError(f"{self.name}: no rate for this parcel")
        rate = min(rates, key=lambda r: Decimal(str(r["rate"])))
        bought = self._post(f"/v2/shipments/{shipment['id']}/buy", {"rate": {"id": rate["id"]}})
        selected = bought.get("selected_rate") or rate
        return ReturnLabel(
            tracking_number=str(bought["tracking_code"]),
            carrier=str(selected["carrier"]),
            label_url=str((bought.get("postage_label") or {}).get("label_url") or ""),
            cost_minor=int(Decimal(str(selected["rate"])) * 100),
            currency=str(selected.get("currency") or "USD"),
            provider_id=str(bought["id"]),
        )

    # EasyPost is used here for labels only; the desk's tracking provider follows the parcels.
    def register(self, requests: Sequence[TrackRequest]) -> list[Registration]:
        raise CarrierError(f"{self.name} sells labels here; it does not track")

    def track(self, requests: Sequence[TrackRequest]) -> list[TrackInfo]:
        raise CarrierError(f"{self.name} sells labels here; it does not track")

    def quota(self) -> Quota:
        return Quota(remaining=None)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[TrackInfo]:
        raise WebhookRejected(f"{self.name}: no tracking webhooks")


@hookimpl
def crossdesk_carriers() -> list[EasyPost]:
    return [EasyPost()]
