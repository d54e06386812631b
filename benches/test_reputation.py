"""Pulling eBay feedback when nothing is new: the cursor's early stop (newest first: one page) against a
full read of every page (``reviews pull --full``), on a shop with 1,000 feedback, against the eBay fake on
loopback. Compare the two groups' means as a ratio."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from crossdesk.fakes.ebay import FakeEbay
from crossdesk.models import Actor

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.sync.conftest import _NO_FILE, build

FEEDBACK = int(os.environ.get("CROSSDESK_BENCH_FEEDBACK", 1000))
ADMIN = Actor.system("bench")


@pytest.fixture(scope="module")
def shop():
    with FakeEbay() as fake:
        for i in range(FEEDBACK):
            fake.add_feedback(("POSITIVE", "NEUTRAL", "NEGATIVE")[i % 3], order=i % len(fake.orders), days_later=i % 60)
        h = build("ebay", fake, page_size=200)
        assert h.sync().ok
        first = h.desk.reputation.pull(ADMIN, env=h.env, credentials_path=_NO_FILE)
        assert first.errors == [] and first.new == len(fake.feedback)
        yield h
        h.desk.close()


def _pull(h, full: bool) -> int:
    report = h.desk.reputation.pull(ADMIN, env=h.env, credentials_path=_NO_FILE, full=full)
    assert report.errors == [] and report.new == 0
    return report.fetched


@pytest.mark.benchmark(group="reputation")
def test_pull_nothing_new_with_the_cursor(benchmark, shop):
    fetched = benchmark.pedantic(_pull, args=(shop, False), rounds=5, iterations=1)
    assert fetched == 200  # one page


@pytest.mark.benchmark(group="reputation")
def test_pull_nothing_new_reading_every_page(benchmark, shop):
    fetched = benchmark.pedantic(_pull, args=(shop, True), rounds=5, iterations=1)
    assert fetched == len(shop.fake.feedback)
