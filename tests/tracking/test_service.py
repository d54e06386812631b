"""desk.tracking with the 17TRACK and AfterShip fakes: shipments from order data and agents, registration
within quota, state changes stored with their scans, events, stalls, webhooks, bad input."""

from __future__ import annotations

import pytest

from crossdesk.errors import NotFound
from crossdesk.models import Actor, Role
from crossdesk.tracking import TrackingError

DAY = 86400


def order_ticket(h, **kw):
    ticket_id = h.ticket("Where is my parcel?", order=True, **kw)
    order_id = h.desk.ticket(h.admin, ticket_id)["order_id"]
    return ticket_id, order_id


def test_shipped_order_state_changes_are_stored(desk17, track17):
    h = desk17
    _ticket_id, order_id = order_ticket(h, tracking="JD0001", platform="shopify")
    result = h.desk.tracking.refresh(h.admin)
    assert (result.discovered, result.registered) == (1, 1)
    [s] = h.desk.tracking.list(h.admin, order_id=order_id)
    assert (s["tracking_number"], s["carrier"], s["provider"], s["source"]) == (
        "JD0001",
        "DHL",
        "17track",
        "order",
    )
    assert track17.parcels["JD0001"].carrier == 7041

    now = h.clock.now
    track17.scan("JD0001", "InTransit", "Arrived at sort centre", at=now - 3600, location="Leipzig, DE")
    track17.set_eta("JD0001", "2025-12-01T00:00:00Z", "2025-12-03T00:00:00Z")
    h.clock.advance(7 * 3600)  # past the poll interval
    r2 = h.desk.tracking.refresh(h.admin)
    assert r2.checked == 1 and r2.changed == 1
    s = h.desk.tracking.get(h.admin, s["id"])
    assert (s["state"], s["last_place"], s["last_scan_at"]) == ("in_transit", "Leipzig, DE", now - 3600)
    assert s["eta"] is not None
    track17.scan("JD0001", "Delivered", "Delivered", at=h.clock.now - 60, location="Berlin, DE")
    h.clock.advance(7 * 3600)
    h.desk.tracking.refresh(h.admin)
    s = h.desk.tracking.get(h.admin, s["id"])
    assert s["state"] == "delivered" and s["delivered_at"] == h.clock.now - 7 * 3600 - 60
    assert [e["state"] for e in s["events"]] == ["in_transit", "delivered"]
    assert s["next_check_at"] is None  # final: never asked again
    trail = [r["action"] for r in h.desk.audit_trail(h.admin, "shipment", s["id"])]
    assert trail.count("shipment_state") == 2
    # Nothing due now: a refresh does not call gettrackinfo again.
    calls = len(track17.requests_to("/track/v2.2/gettrackinfo"))
    h.clock.advance(30 * DAY)
    h.desk.tracking.refresh(h.admin)
    assert len(track17.requests_to("/track/v2.2/gettrackinfo")) == calls


def test_refresh_stays_within_quota_and_loses_nothing(desk17, track17):
    h = desk17
    track17.quota_total = 2
    for i in range(3):
        order_ticket(h, tracking=f"JD10{i}")
    r = h.desk.tracking.refresh(h.admin)
    assert r.registered == 2 and r.quota_left == 0
    assert len([x for x in track17.requests_to("/track/v2.2/register")]) == 1
    assert (
        sum(len(x.json()) for x in track17.requests_to("/track/v2.2/register")) == 2
    )  # never asked past quota
    waiting = h.desk.db.execute(
        "SELECT tracking_number FROM shipments WHERE registered_at IS NULL"
    ).fetchall()
    assert len(waiting) == 1
    track17.quota_total = 5  # the quota resets: the next run registers the third
    r = h.desk.tracking.refresh(h.admin)
    assert r.registered == 1
    assert h.desk.db.execute("SELECT count(*) FROM shipments WHERE registered_at IS NULL").fetchone()[0] == 0


def test_rate_limit_stops_the_run_cleanly(desk17, track17):
    h = desk17
    order_ticket(h, tracking="JD200")
    from crossdesk.fakes.server import Fault

    track17.inject(Fault.rate_limited(1))  # the quota call
    r = h.desk.tracking.refresh(h.admin)
    assert "rate limited" in r.stopped
    assert h.desk.db.execute("SELECT count(*) FROM shipments").fetchone()[0] == 1
    assert h.desk.tracking.refresh(h.admin).registered == 1


def test_refused_number_is_kept_with_the_reason(desk17, track17):
    h = desk17
    _, order_id = order_ticket(h)
    s = h.desk.tracking.add(h.admin, "12345678", order_id=order_id)  # no carrier, not detectable
    r = h.desk.tracking.refresh(h.admin)
    assert "12345678" in r.refused and "-18019903" in r.refused["12345678"]
    assert "cannot be detected" in h.desk.tracking.get(h.admin, s["id"])["register_error"]


def test_agent_adds_a_parcel_and_bad_input_is_refused(desk17):
    h = desk17
    _ticket_id, order_id = order_ticket(h)
    s = h.desk.tracking.add(h.admin, " jd 555 ", order_id=order_id, carrier="UPS")
    assert s["tracking_number"] == "JD555" and s["source"] == "agent"
    assert h.desk.tracking.add(h.admin, "JD555", order_id=order_id, carrier="UPS")["id"] == s["id"]
    with pytest.raises(TrackingError, match="not a tracking number"):
        h.desk.tracking.add(h.admin, "JD-55/5", order_id=order_id)
    with pytest.raises(NotFound):
        h.desk.tracking.add(h.admin, "JD556", order_id=999_999)
    with pytest.raises(TrackingError, match="secret"):
        h.desk.tracking.configure(h.admin, providers={"17track": {"token": "x"}})
    assert h.desk.db.execute("SELECT count(*) FROM shipments").fetchone()[0] == 1


def test_viewer_permissions(desk17):
    h = desk17
    _, order_id = order_ticket(h)
    agent = Actor("ann", Role.AGENT)
    h.desk.tracking.add(agent, "JD777", order_id=order_id)
    from crossdesk.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        h.desk.tracking.configure(agent, poll_hours=1)


def test_events_reach_rules_and_stall_is_per_carrier(desk17, track17):
    h = desk17
    h.desk.tracking.configure(h.admin, stall_days={"default": 5, "dhl": 2})
    h.rules(
        {
            "name": "tag shipped",
            "event": "shipment_shipped",
            "actions": [{"action": "add_tag", "tag": "shipped"}],
        },
        {
            "name": "stuck",
            "event": "shipment_stalled",
            "all": [{"field": "shipment_stalled", "op": "is", "value": 1}],
            "actions": [{"action": "add_tag", "tag": "stuck"}],
        },
        {
            "name": "problem",
            "event": "shipment_exception",
            "actions": [{"action": "add_tag", "tag": "parcel-problem"}],
        },
    )
    dhl_ticket, _ = order_ticket(h, tracking="JD300")
    ups_ticket, ups_order = order_ticket(h, tracking="1Z300")
    h.desk.db.execute("UPDATE orders SET carrier = 'UPS' WHERE id = ?", [ups_order])
    h.desk.tracking.refresh(h.admin)
    assert "shipped" in h.tags(dhl_ticket) and "shipped" in h.tags(ups_ticket)
    h.clock.advance(2 * DAY + 60)
    h.desk.tracking.check_stalled(h.admin)
    assert "stuck" in h.tags(dhl_ticket) and "stuck" not in h.tags(ups_ticket)
    h.desk.tracking.check_stalled(h.admin)  # once per stall
    assert len(h.firings(dhl_ticket, "stuck")) == 1
    track17.scan("JD300", "DeliveryFailure", "Nobody at home", at=h.clock.now)
    h.desk.tracking.refresh(h.admin, force=True)
    assert "parcel-problem" in h.tags(dhl_ticket)
    s = h.desk.tracking.find(h.admin, "JD300")
    assert s["stalled_at"] is None  # a new scan: moving again


def test_webhook_applies_signed_updates_only(desk17, track17):
    h = desk17
    _ticket_id, _order_id = order_ticket(h, tracking="JD400")
    h.desk.tracking.refresh(h.admin)
    track17.scan("JD400", "OutForDelivery", "With the courier", at=h.clock.now, location="Köln")
    body, headers = track17.webhook("JD400", key="test-17token")
    assert h.desk.tracking.webhook(h.admin, "17track", body, headers) == 1
    assert h.desk.tracking.find(h.admin, "JD400")["state"] == "out_for_delivery"
    forged, forged_headers = track17.webhook("JD400", key="attacker")
    with pytest.raises(TrackingError, match="signature"):
        h.desk.tracking.webhook(h.admin, "17track", forged, forged_headers)
    assert h.desk.tracking.webhook(h.admin, "17track", body, headers) == 0  # the same body twice: no change


def test_aftership_end_to_end(desk_as, aship):
    h = desk_as
    _ticket_id, _order_id = order_ticket(h, tracking="RR900")
    h.desk.tracking.refresh(h.admin)
    aship.scan("RR900", "Delivered", "Delivered", at=h.clock.now, location="Madrid")
    r = h.desk.tracking.refresh(h.admin, force=True)
    assert r.changed == 1
    assert h.desk.tracking.find(h.admin, "RR900")["state"] == "delivered"
    body, headers = aship.webhook("RR900")
    assert h.desk.tracking.webhook(h.admin, "aftership", body, headers) == 0


def test_automate_without_provider_keys_still_discovers(h, monkeypatch):
    monkeypatch.delenv("CROSSDESK_17TRACK_TOKEN", raising=False)
    monkeypatch.delenv("CROSSDESK_AFTERSHIP_API_KEY", raising=False)
    order_ticket(h, tracking="JD500")
    out = h.desk.automate(h.admin)["shipments"]
    assert out["discovered"] == 1 and "no tracking provider" in out["stopped"]


def test_webhook_receiver_over_http(desk17, track17):
    """The fake pushes its signed body over HTTP to the receiver, as 17TRACK does."""
    import httpx

    from crossdesk.tracking.receiver import WebhookReceiver

    h = desk17
    h.ticket("where?", order=True, tracking="JD0777")
    h.desk.tracking.refresh(h.admin)
    track17.scan("JD0777", "Delivered", "Delivered", at=h.clock.now, location="Wien")
    with WebhookReceiver(h.desk.tracking, h.desk.lock) as receiver:
        answer = track17.push(f"{receiver.url}/webhooks/17track", "JD0777")
        assert answer.status_code == 200 and answer.json() == {"changed": 1}
        body, _ = track17.webhook("JD0777")
        forged = httpx.post(f"{receiver.url}/webhooks/17track", content=body, headers={"sign": "0" * 64})
        assert forged.status_code == 401 and "signature" in forged.json()["error"]
        assert httpx.post(f"{receiver.url}/webhooks/pigeon", content=b"{}").status_code == 404
        assert httpx.get(f"{receiver.url}/webhooks/17track").status_code == 405
    assert h.desk.tracking.find(h.admin, "JD0777")["state"] == "delivered"


def test_a_quota_refusal_per_number_leaves_the_parcel_pending(desk17, track17, monkeypatch):
    from crossdesk.carriers import Quota

    h = desk17
    track17.quota_total = 2
    for i in range(3):
        order_ticket(h, tracking=f"JD80{i}")
    provider = h.desk.tracking.provider()
    monkeypatch.setattr(provider, "quota", lambda: Quota(remaining=None))  # the account says nothing
    r = h.desk.tracking.refresh(h.admin)
    assert r.registered == 2 and "-18019908" in r.stopped and r.refused == {}
    pending = h.desk.db.execute("SELECT register_error FROM shipments WHERE registered_at IS NULL").fetchall()
    assert pending == [("",)]  # not marked as a bad number: tried again next run
    track17.quota_total = 3
    assert h.desk.tracking.refresh(h.admin).registered == 1


def test_discovery_looks_at_recent_orders_only_and_unfollowed_parcels_never_stall(desk17):
    h = desk17
    _, recent = order_ticket(h, tracking="JD901")
    _, old = order_ticket(h, tracking="JD902")
    h.desk.db.execute("UPDATE orders SET ordered_at = ? WHERE id = ?", [h.clock.now - 90 * DAY, old])
    assert h.desk.tracking.discover(h.admin) == 1
    assert [s["order_id"] for s in h.desk.tracking.list(h.admin)] == [recent]
    h.clock.advance(30 * DAY)  # never registered with a provider: unknown, not stalled
    assert h.desk.tracking.check_stalled(h.admin) == 0
