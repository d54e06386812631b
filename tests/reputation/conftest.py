"""Harnesses of the reputation tests: a desk synced from a marketplace fake (tests/sync/conftest.py), and
a pull of its reviews. A test file with its own seeded fake defines its own ``ebay`` fixture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from crossdesk.fakes.ebay import FakeEbay
from crossdesk.fakes.shopee import FakeShopee
from crossdesk.models import Actor
from tests.sync.conftest import _NO_FILE, Harness, build

ADMIN = Actor.system("test")


@pytest.fixture
def ebay() -> Iterator[Harness]:
    with FakeEbay() as fake:
        h = build("ebay", fake)
        yield h
        h.desk.close()


@pytest.fixture
def shopee() -> Iterator[Harness]:
    with FakeShopee() as fake:
        h = build("shopee", fake)
        yield h
        h.desk.close()


def pull(h: Harness, **kw: Any) -> Any:
    """The desk's review pull with the harness's credentials (no credentials file)."""
    return h.desk.reputation.pull(ADMIN, env=h.env, credentials_path=_NO_FILE, **kw)
