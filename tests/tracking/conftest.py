"""Fixtures of the tracking tests: the loopback fakes of 17TRACK, AfterShip and EasyPost, and desks whose
tracking provider points at them (keys from the environment, as in production)."""

from __future__ import annotations

import pytest

from crossdesk.fakes.aftership import AfterShipFake
from crossdesk.fakes.easypost import EasyPostFake
from crossdesk.fakes.seventeentrack import SeventeenTrackFake

DAY = 86400


@pytest.fixture
def track17():
    with SeventeenTrackFake(quota=10) as fake:
        yield fake


@pytest.fixture
def aship():
    with AfterShipFake() as fake:
        yield fake


@pytest.fixture
def easypost():
    with EasyPostFake() as fake:
        yield fake


@pytest.fixture
def desk17(h, track17, monkeypatch):
    """The test desk (``h``) tracking with the 17TRACK fake."""
    monkeypatch.setenv("CROSSDESK_17TRACK_TOKEN", "test-17token")
    h.desk.tracking.configure(
        h.admin, provider="17track", providers={"17track": {"base_url": track17.base_url}}
    )
    return h


@pytest.fixture
def desk_as(h, aship, monkeypatch):
    monkeypatch.setenv("CROSSDESK_AFTERSHIP_API_KEY", "test-as-key")
    monkeypatch.setenv("CROSSDESK_AFTERSHIP_WEBHOOK_SECRET", "test-as-secret")
    h.desk.tracking.configure(
        h.admin, provider="aftership", providers={"aftership": {"base_url": aship.base_url}}
    )
    return h
