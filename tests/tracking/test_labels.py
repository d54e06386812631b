"""Return labels bought from EasyPost's fake: the label's parcel becomes the case's return shipment and is
tracked like the others; a refusal changes nothing."""

from __future__ import annotations

import pytest

from crossdesk.tracking import TrackingError
from crossdesk.tracking.labels import create_return_label

BUYER = {"name": "Anna Schmidt", "street1": "Hauptstr. 5", "city": "Berlin", "zip": "10115", "country": "DE"}
WAREHOUSE = {
    "name": "Acme Returns",
    "street1": "1 Dock Rd",
    "city": "Leipzig",
    "zip": "04103",
    "country": "DE",
}


@pytest.fixture
def labels(desk17, easypost, monkeypatch):
    h = desk17
    monkeypatch.setenv("CROSSDESK_EASYPOST_API_KEY", "EZTKtest")
    providers = dict(h.desk.tracking.config()["providers"])
    providers["easypost"] = {"base_url": easypost.base_url}
    h.desk.tracking.configure(
        h.admin, providers=providers, label_provider="easypost", return_address=WAREHOUSE
    )
    return h


def approved_case(h, tracking="JD0999"):
    ticket_id = h.ticket("I want to return the lamp", order=True, tracking=tracking)
    order_id = h.desk.ticket(h.admin, ticket_id)["order_id"]
    case_id = h.desk.cases.open(
        h.admin,
        type="return",
        order_id=order_id,
        ticket_id=ticket_id,
        items=[{"sku": "SKU-1", "quantity": 1}],
    )
    h.desk.cases.approve(h.admin, case_id)
    return ticket_id, case_id


def test_label_becomes_the_cases_return_shipment_and_is_tracked(labels, easypost, track17):
    h = labels
    h.rules(
        {"name": "back", "event": "return_received", "actions": [{"action": "add_tag", "tag": "return-back"}]}
    )
    ticket_id, case_id = approved_case(h)
    s = create_return_label(h.desk.tracking, h.admin, case_id, BUYER, weight_grams=1500)
    case = h.desk.db.execute("SELECT state, return_tracking FROM cases WHERE id = ?", [case_id]).fetchone()
    assert case == ("label_issued", s["tracking_number"])
    assert (s["kind"], s["case_id"], s["source"]) == ("return", case_id, "label")
    assert s["label"]["carrier"] == "USPS" and s["label"]["cost_minor"] > 0  # the cheapest rate
    create, buy = easypost.requests
    assert create.header("authorization").startswith("Basic ")
    assert create.json()["shipment"]["parcel"]["weight"] == pytest.approx(52.9, abs=0.1)  # ounces
    assert create.json()["shipment"]["from_address"]["city"] == "Berlin"
    shipment_id = buy.path.split("/")[3]
    assert buy.json() == {"rate": {"id": easypost.shipments[shipment_id]["rates"][0]["id"]}}  # USPS, cheaper
    # tracked like the others: registered with 17TRACK, its delivery is the return received
    h.desk.tracking.refresh(h.admin)
    assert s["tracking_number"] in track17.parcels
    track17.scan(s["tracking_number"], "Delivered", "Delivered to Acme Returns", at=h.clock.now)
    h.desk.tracking.refresh(h.admin, force=True)
    assert h.desk.tracking.find(h.admin, s["tracking_number"])["state"] == "delivered"
    assert "return-back" in h.tags(ticket_id)
    assert [x["kind"] for x in h.desk.conversation.view(h.admin, ticket_id).shipments] == [
        "outbound",
        "return",
    ]


def test_refusals_change_nothing(labels, easypost, monkeypatch):
    h = labels
    _, case_id = approved_case(h)
    with pytest.raises(TrackingError, match="buyer address lacks zip"):
        create_return_label(h.desk.tracking, h.admin, case_id, {**BUYER, "zip": ""})
    with pytest.raises(TrackingError, match="between 1 g and 70 kg"):
        create_return_label(h.desk.tracking, h.admin, case_id, BUYER, weight_grams=0)
    monkeypatch.setenv("CROSSDESK_EASYPOST_API_KEY", "wrong")
    h.desk.tracking._providers = None  # keys are read when providers are configured
    with pytest.raises(TrackingError, match="no longer active"):
        create_return_label(h.desk.tracking, h.admin, case_id, BUYER)
    assert h.desk.db.execute(
        "SELECT state, return_tracking FROM cases WHERE id = ?", [case_id]
    ).fetchone() == (
        "approved",
        "",
    )
    assert h.desk.db.execute("SELECT count(*) FROM shipments WHERE kind = 'return'").fetchone()[0] == 0


def test_only_an_approved_case_gets_a_label(labels, easypost):
    h = labels
    ticket_id = h.ticket("return", order=True)
    order_id = h.desk.ticket(h.admin, ticket_id)["order_id"]
    case_id = h.desk.cases.open(
        h.admin, type="return", order_id=order_id, items=[{"sku": "SKU-1", "quantity": 1}]
    )
    with pytest.raises(TrackingError, match="once it is approved"):
        create_return_label(h.desk.tracking, h.admin, case_id, BUYER)
    assert easypost.requests == []
