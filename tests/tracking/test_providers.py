"""The built-in provider clients against their loopback fakes: paths, auth, quotas, paging, errors,
webhook signatures."""

from __future__ import annotations

import pytest

from crossdesk.carriers import (
    DELIVERED,
    IN_TRANSIT,
    INFO_RECEIVED,
    RETURNED,
    CarrierError,
    NotConfigured,
    QuotaExceeded,
    RateLimited,
    TrackRequest,
    WebhookRejected,
)
from crossdesk.fakes.server import Fault
from crossdesk.plugins.carriers.aftership import AfterShip
from crossdesk.plugins.carriers.seventeentrack import SeventeenTrack

T0 = 1_764_000_000


def client17(fake, token="test-17token"):
    c = SeventeenTrack()
    c.configure({"token": token, "base_url": fake.base_url})
    return c


def test_17track_register_sends_token_and_carrier_code(track17):
    c = client17(track17)
    out = c.register([TrackRequest("JD0146000062", "DHL"), TrackRequest("1234567", "")])
    assert [(r.number, r.accepted) for r in out] == [("JD0146000062", True), ("1234567", False)]
    assert out[1].code == "-18019903"  # the carrier cannot be detected
    req = track17.requests_to("/track/v2.2/register")[0]
    assert req.header("17token") == "test-17token"
    assert req.json()[0] == {"number": "JD0146000062", "carrier": 7041}
    assert track17.quota_used == 1


def test_17track_already_registered_counts_as_registered(track17):
    c = client17(track17)
    c.register([TrackRequest("JD1", "DHL")])
    again = c.register([TrackRequest("JD1", "DHL")])
    assert again[0].accepted and again[0].code == "-18019901"
    assert track17.quota_used == 1


def test_17track_quota_and_batches_of_40(track17):
    track17.quota_total = 45
    c = client17(track17)
    out = c.register([TrackRequest(f"LX{i:08d}", "DHL") for i in range(50)])
    assert sum(r.accepted for r in out) == 45
    assert {r.code for r in out if not r.accepted} == {"-18019908"}
    assert [len(r.json()) for r in track17.requests if r.path.endswith("/register")] == [40, 10]
    quota = c.quota()
    assert (quota.remaining, quota.total) == (0, 45)


def test_17track_bad_key_is_not_configured(track17):
    with pytest.raises(NotConfigured, match="-18010002"):
        client17(track17, token="wrong").quota()


def test_17track_no_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("CROSSDESK_17TRACK_TOKEN", raising=False)
    c = SeventeenTrack()
    c.configure({})
    with pytest.raises(NotConfigured, match="CROSSDESK_17TRACK_TOKEN"):
        c.quota()


def test_17track_track_maps_states_events_and_eta(track17):
    c = client17(track17)
    c.register([TrackRequest("JD1", "DHL"), TrackRequest("JD2", "DHL")])
    track17.scan("JD1", "InTransit", "Departed hub", at=T0, location="Leipzig, DE")
    track17.scan("JD1", "Delivered", "Delivered to neighbour", at=T0 + 86400, location="Berlin, DE")
    track17.scan("JD2", "Exception", "Returned to sender", at=T0, sub_status="Exception_Returned")
    track17.set_eta("JD2", "2025-11-26T00:00:00Z", "2025-11-28T00:00:00Z")
    infos = {i.number: i for i in c.track([TrackRequest("JD1", "DHL"), TrackRequest("JD2", "DHL")])}
    assert infos["JD1"].state == DELIVERED
    assert infos["JD1"].last.place == "Berlin, DE" and infos["JD1"].last.at == T0 + 86400
    assert [e.state for e in sorted(infos["JD1"].events, key=lambda e: e.at)] == [IN_TRANSIT, DELIVERED]
    assert infos["JD2"].state == RETURNED
    assert infos["JD2"].eta == 1764288000


def test_17track_unregistered_number_is_left_out(track17):
    assert client17(track17).track([TrackRequest("NEVER1", "DHL")]) == []


def test_17track_rate_limit_and_outage(track17):
    c = client17(track17)
    track17.inject(Fault.rate_limited(1))
    with pytest.raises(RateLimited):
        c.quota()
    track17.inject(Fault.server_error(503))
    with pytest.raises(CarrierError) as exc:
        c.quota()
    assert exc.value.retryable


def test_17track_webhook_signature(track17):
    c = client17(track17)
    c.register([TrackRequest("JD1", "DHL")])
    track17.scan("JD1", "OutForDelivery", "With courier", at=T0)
    body, headers = track17.webhook("JD1")
    [info] = c.parse_webhook(body, headers)
    assert info.state == "out_for_delivery"
    bad_body, bad_headers = track17.webhook("JD1", key="someone-else")
    with pytest.raises(WebhookRejected):
        c.parse_webhook(bad_body, bad_headers)
    with pytest.raises(WebhookRejected):
        c.parse_webhook(body + b" ", headers)


def client_as(fake, key="test-as-key", secret="test-as-secret"):
    c = AfterShip()
    c.configure({"api_key": key, "webhook_secret": secret, "base_url": fake.base_url})
    return c


def test_aftership_create_duplicate_and_auth(aship):
    c = client_as(aship)
    out = c.register([TrackRequest("RR123456789DE", "DHL"), TrackRequest("RR123456789DE", "DHL")])
    assert all(r.accepted for r in out)
    assert [r.code for r in out] == ["201", "4003"]
    assert aship.requests[0].header("as-api-key") == "test-as-key"
    assert aship.requests[0].json() == {"tracking_number": "RR123456789DE", "slug": "dhl"}
    refused = c.register([TrackRequest("123", "")])
    assert not refused[0].accepted and refused[0].code == "4005"
    with pytest.raises(NotConfigured, match="Invalid API key"):
        client_as(aship, key="nope").register([TrackRequest("RR1", "DHL")])


def test_aftership_track_follows_cursor_pages(aship):
    c = client_as(aship)
    numbers = [f"LB{i:09d}CN" for i in range(45)]
    c.register([TrackRequest(n, "4px") for n in numbers])
    aship.scan(numbers[7], "Delivered", "Delivered", at=T0, location="Paris")
    aship.set_eta(numbers[8], "2025-11-30")
    before = len(aship.requests)
    infos = {i.number: i for i in c.track([TrackRequest(n, "4px") for n in numbers])}
    assert len(infos) == 45
    assert infos[numbers[7]].state == DELIVERED and infos[numbers[0]].state == INFO_RECEIVED
    assert infos[numbers[8]].eta == 1764460800
    lists = [r for r in aship.requests[before:] if r.path.endswith("/trackings")]
    # 45 numbers: one filter of 45 (<= 50), pages of 20 by cursor -> 3 calls
    assert [r.arg("cursor") for r in lists] == [None, "20", "40"]


def test_aftership_429_reports_reset(aship):
    aship.rate_limit = 2
    aship.window = 60
    c = client_as(aship)
    c.register([TrackRequest("RR1XX", "dhl")])
    c.register([TrackRequest("RR2XX", "dhl")])
    with pytest.raises(RateLimited) as exc:
        c.register([TrackRequest("RR3XX", "dhl")])
    assert exc.value.reset_at is not None and exc.value.reset_at > 0
    assert c.quota().remaining == 0 and c.quota().total == 2


def test_aftership_webhook_hmac(aship):
    c = client_as(aship)
    c.register([TrackRequest("RR1XX", "dhl")])
    aship.scan("RR1XX", "AttemptFail", "Nobody home", at=T0, location="Lyon")
    body, headers = aship.webhook("RR1XX")
    [info] = c.parse_webhook(body, headers)
    assert info.state == "failed_attempt" and info.last.description == "Nobody home"
    forged, forged_headers = aship.webhook("RR1XX", secret="guess")
    with pytest.raises(WebhookRejected):
        c.parse_webhook(forged, forged_headers)
    with pytest.raises(WebhookRejected):
        client_as(aship, secret="").parse_webhook(body, headers)


def test_quota_exceeded_code_raises(track17):
    track17.quota_total = 0
    c = client17(track17)
    out = c.register([TrackRequest("JD1", "DHL")])
    assert not out[0].accepted and out[0].code == "-18019908"
    assert QuotaExceeded.__mro__[1] is CarrierError


def test_hook_crossdesk_carriers(crossdesk_desk):
    providers = {p.name: p for batch in crossdesk_desk.pm.hook.crossdesk_carriers() for p in batch}
    assert {"17track", "aftership", "easypost"} <= set(providers)
    from crossdesk.carriers import CarrierProvider, ReturnLabelProvider

    assert all(isinstance(p, CarrierProvider) for p in providers.values())
    assert isinstance(providers["easypost"], ReturnLabelProvider)
    assert not isinstance(providers["17track"], ReturnLabelProvider)
