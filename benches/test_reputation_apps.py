"""Pulling a Shopify shop's reviews from its Judge.me app (every page each pull, the app's order not being
documented), 1,000 reviews on the loopback fake: a pull where nothing changed (each review compared with the
stored one: the baseline) against a pull where a tenth were edited since (each of those updated, audited and,
where it has a ticket, noted). ``benches/run.py`` prints the ratio."""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import pytest

from crossdesk.fakes.judgeme import JudgemeFake
from crossdesk.fakes.marketplace import BASE_TIME
from crossdesk.fakes.shopify import FakeShopify
from crossdesk.models import Actor
from crossdesk.vault import MemoryVault

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.sync.conftest import _NO_FILE, build

REVIEWS = int(os.environ.get("CROSSDESK_BENCH_REVIEWS", 1000))
ADMIN = Actor.system("bench")
_edits = itertools.count(1)


@pytest.fixture(scope="module")
def shop():
    with FakeShopify(orders=0) as shopify, JudgemeFake() as app:
        for i in range(REVIEWS):
            app.add(1 + i % 5, f"review {i}", email=f"buyer{i % 300}@example.com", created=BASE_TIME + i)
        h = build("shopify", shopify, plugins=("reviews_judgeme",))
        vault = MemoryVault()
        h.desk.reputation.apps.attach(
            ADMIN,
            h.shop_external_id,
            "judgeme",
            {"api_token": app.api_token, "base_url": app.base_url},
            vault=vault,
        )
        first = h.desk.reputation.pull(ADMIN, env=h.env, credentials_path=_NO_FILE, vault=vault)
        assert first.errors == [] and first.new == REVIEWS
        yield h, app, vault
        h.desk.close()


def _pull(shop) -> int:
    h, _, vault = shop
    report = h.desk.reputation.pull(ADMIN, env=h.env, credentials_path=_NO_FILE, vault=vault)
    assert report.errors == [] and report.new == 0 and report.fetched == REVIEWS
    return report.updated


def _edit_a_tenth(shop):
    def setup():
        _, app, _ = shop
        n = next(_edits)
        for review in app.reviews[::10]:
            app.edit(review["id"], BASE_TIME + 86400 * n, body=f"edited {n}: {review['body']}")
        return (shop,), {}

    return setup


@pytest.mark.benchmark(group="reputation-app")
def test_app_pull_nothing_changed(benchmark, shop):
    updated = benchmark.pedantic(_pull, args=(shop,), rounds=5, iterations=1)
    assert updated == 0


@pytest.mark.benchmark(group="reputation-app")
def test_app_pull_a_tenth_edited(benchmark, shop):
    updated = benchmark.pedantic(_pull, setup=_edit_a_tenth(shop), rounds=5, iterations=1)
    assert updated == len(shop[1].reviews[::10])
