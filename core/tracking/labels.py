"""Return labels: bought from a provider that sells them (``create_return_label``), their tracking number
made the after-sales case's return shipment, and tracked like every other parcel.

The case must be approved (the label step of :mod:`crossdesk.aftersales.states`); the label is bought
first, then, in one transaction, the return shipment is stored and the case moves to ``label_issued`` with
the label's tracking number (``cases.return_tracking``). When the provider refuses, nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossdesk.carriers import Address, CarrierError, ReturnLabel, ReturnLabelRequest
from crossdesk.errors import NotFound
from crossdesk.models import Actor
from crossdesk.tracking.service import TrackingError, TrackingService

ADDRESS_FIELDS = ("name", "street1", "street2", "city", "zip", "state", "country", "phone", "email")


def address(data: Mapping[str, Any], what: str) -> Address:
    """An :class:`Address` from a mapping; a missing field is named."""
    missing = [k for k in ("name", "street1", "city", "zip", "country") if not str(data.get(k) or "").strip()]
    if missing:
        raise TrackingError(f"{what} address lacks {', '.join(missing)}")
    unknown = set(data) - set(ADDRESS_FIELDS)
    if unknown:
        raise TrackingError(f"{what} address has unknown field(s) {', '.join(sorted(unknown))}")
    return Address(**{k: str(data[k]).strip() for k in ADDRESS_FIELDS if data.get(k)})


def create_return_label(
    service: TrackingService,
    actor: Actor,
    case_id: int,
    buyer_address: Mapping[str, Any],
    *,
    weight_grams: int = 1000,
    provider: str | None = None,
    to_address: Mapping[str, Any] | None = None,
) -> dict:
    """Buy a return label for case ``case_id`` and make it the case's return shipment. Returns the shipment
    (with ``label``: carrier, label URL, cost)."""
    store = service.store
    store.require(actor, "handle_cases")
    case = store.row("SELECT id, state, order_id, type FROM cases WHERE id = ?", [case_id])
    if case is None:
        raise NotFound(f"no case #{case_id}")
    if case["state"] != "approved":
        raise TrackingError(
            f"case #{case_id} is {case['state']}: a return label is issued once it is approved"
        )
    if service.cases is None:
        raise TrackingError("this desk has no after-sales service to record the label on")
    if not 1 <= int(weight_grams) <= 70_000:
        raise TrackingError("weight must be between 1 g and 70 kg")
    warehouse = to_address or service.config().get("return_address") or {}
    request = ReturnLabelRequest(
        from_address=address(buyer_address, "buyer"),
        to_address=address(warehouse, "return (set the tracking return_address setting)"),
        weight_grams=int(weight_grams),
        reference=f"case-{case_id}",
    )
    seller = _label_provider(service, provider)
    try:
        label: ReturnLabel = seller.create_return_label(request)
    except CarrierError as exc:
        raise TrackingError(str(exc)) from exc
    with store.tx():
        shipment = service.add(
            actor,
            label.tracking_number,
            order_id=case["order_id"],
            carrier=label.carrier,
            kind="return",
            case_id=case_id,
            source="label",
            label_url=label.label_url,
        )
        store.audit(
            actor,
            "return_label",
            "case",
            case_id,
            None,
            {
                "tracking": label.tracking_number,
                "carrier": label.carrier,
                "provider": seller.name,
                "cost_minor": label.cost_minor,
                "currency": label.currency,
            },
        )
        service.cases.issue_label(actor, case_id, tracking=label.tracking_number, carrier=label.carrier)
    shipment = dict(shipment)
    shipment["label"] = {
        "carrier": label.carrier,
        "url": label.label_url,
        "cost_minor": label.cost_minor,
        "currency": label.currency,
        "provider": seller.name,
        "id": label.provider_id,
    }
    return shipment


def _label_provider(service: TrackingService, name: str | None) -> Any:
    providers = service.providers()
    wanted = name or service.config().get("label_provider") or ""
    sellers = {n: p for n, p in providers.items() if callable(getattr(p, "create_return_label", None))}
    if wanted:
        if wanted not in sellers:
            raise TrackingError(
                f"no return-label provider {wanted!r} (installed: {', '.join(sellers) or 'none'})"
            )
        return sellers[wanted]
    if not sellers:
        raise TrackingError("no installed provider sells return labels")
    return next(iter(sellers.values()))
