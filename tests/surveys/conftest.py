"""The small-desk builders of tests/customers, for surveys."""

from __future__ import annotations

import pytest
from customers.conftest import Buyers

from crossdesk.models import Actor


@pytest.fixture
def desk(crossdesk_desk):
    return crossdesk_desk


@pytest.fixture
def admin():
    return Actor.system("test")


@pytest.fixture
def b(crossdesk_desk, crossdesk_clock) -> Buyers:
    return Buyers(crossdesk_desk, crossdesk_clock)
