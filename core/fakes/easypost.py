"""A local fake of the EasyPost API v2 for return labels (create a shipment, buy a rate).

What it reproduces, as the client sees it:

- HTTP Basic auth with the API key as the user name and an empty password; a missing or unknown key
  answers 401 ``{"error": {"code": "APIKEY.INACTIVE", "message": ...}}``;
- ``POST /v2/shipments`` with ``{"shipment": {"from_address", "to_address", "parcel": {"weight"}}}``
  (weight in ounces): the shipment with ``id`` (``shp_...``) and its ``rates`` (``rate_...``, carrier,
  service, ``rate`` as a decimal string, currency); a missing field answers 422
  ``SHIPMENT.INVALID_PARAMS`` with ``errors [{field, message}]``;
- ``POST /v2/shipments/{id}/buy`` with ``{"rate": {"id"}}``: ``tracking_code``, ``postage_label.label_url``
  and ``selected_rate``; buying a shipment twice answers 422 ``SHIPMENT.POSTAGE.EXISTS``; an unknown rate
  422 ``SHIPMENT.RATE.INVALID``; an unknown shipment 404 ``NOT_FOUND``.
"""

from __future__ import annotations

import base64
import itertools
from typing import Any

from crossdesk.fakes.server import FakeRequest, FakeResponse, FakeServer

REQUIRED = ("name", "street1", "city", "zip", "country")


def _error(status: int, code: str, message: str, errors: list[dict] | None = None) -> FakeResponse:
    return FakeResponse.json(
        {"error": {"code": code, "message": message, "errors": errors or []}}, status=status
    )


class EasyPostFake(FakeServer):
    def __init__(self, keys: tuple[str, ...] = ("EZTKtest",)) -> None:
        super().__init__("easypost")
        self.keys = set(keys)
        self.shipments: dict[str, dict[str, Any]] = {}
        self._seq = itertools.count(1)
        self.add_route("POST", "/v2/shipments", self.create)
        self.add_route("POST", "/v2/shipments/{shipment_id}/buy", self.buy)

    def _authorised(self, request: FakeRequest) -> bool:
        auth = request.header("authorization")
        if not auth.lower().startswith("basic "):
            return False
        try:
            user, _, _ = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            return False
        return user in self.keys

    def create(self, request: FakeRequest) -> FakeResponse:
        if not self._authorised(request):
            return _error(401, "APIKEY.INACTIVE", "This api key is no longer active.")
        try:
            shipment = request.json().get("shipment") or {}
        except (ValueError, AttributeError):
            return _error(422, "SHIPMENT.INVALID_PARAMS", "Malformed request body.")
        errors = []
        for side in ("from_address", "to_address"):
            addr = shipment.get(side) or {}
            errors += [
                {"field": f"{side}.{k}", "message": "cannot be blank"} for k in REQUIRED if not addr.get(k)
            ]
        weight = (shipment.get("parcel") or {}).get("weight")
        if not isinstance(weight, int | float) or weight <= 0:
            errors.append({"field": "parcel.weight", "message": "must be greater than 0"})
        if errors:
            return _error(
                422,
                "SHIPMENT.INVALID_PARAMS",
                "Unable to create shipment, one or more parameters were invalid.",
                errors,
            )
        n = next(self._seq)
        sid = f"shp_{n:08x}"
        rates = [
            {
                "id": f"rate_{n:08x}a",
                "shipment_id": sid,
                "carrier": "USPS",
                "service": "Priority",
                "rate": f"{6.5 + weight * 0.05:.2f}",
                "currency": "USD",
            },
            {
                "id": f"rate_{n:08x}b",
                "shipment_id": sid,
                "carrier": "UPS",
                "service": "Ground",
                "rate": f"{8.1 + weight * 0.04:.2f}",
                "currency": "USD",
            },
        ]
        self.shipments[sid] = {
            "id": sid,
            "object": "Shipment",
            "reference": shipment.get("reference"),
            "is_return": bool(shipment.get("is_return")),
            "rates": rates,
            "from_address": shipment["from_address"],
            "to_address": shipment["to_address"],
            "tracking_code": None,
            "postage_label": None,
            "selected_rate": None,
        }
        return FakeResponse.json(self.shipments[sid], status=201)

    def buy(self, request: FakeRequest) -> FakeResponse:
        if not self._authorised(request):
            return _error(401, "APIKEY.INACTIVE", "This api key is no longer active.")
        shp = self.shipments.get(request.path_params["shipment_id"])
        if shp is None:
            return _error(404, "NOT_FOUND", "The requested resource could not be found.")
        if shp["postage_label"] is not None:
            return _error(422, "SHIPMENT.POSTAGE.EXISTS", "Postage already exists for this shipment.")
        try:
            rate_id = (request.json().get("rate") or {}).get("id")
        except (ValueError, AttributeError):
            rate_id = None
        rate = next((r for r in shp["rates"] if r["id"] == rate_id), None)
        if rate is None:
            return _error(422, "SHIPMENT.RATE.INVALID", "The rate is not valid for this shipment.")
        prefix = "9405" if rate["carrier"] == "USPS" else "1Z"
        shp["tracking_code"] = f"{prefix}{abs(hash(shp['id'])) % 10**16:016d}"
        shp["selected_rate"] = rate
        shp["postage_label"] = {
            "label_url": self.url(f"/labels/{shp['id']}.png"),
            "label_file_type": "image/png",
        }
        return FakeResponse.json(shp)
