"""Polling parcels: one refresh of 400 open parcels against the 17TRACK fake on loopback, batched 40 numbers
a call (as the client sends them) against one number a call (the baseline a naive client would be)."""

from __future__ import annotations

import os

import pytest

from crossdesk.fakes.seventeentrack import SeventeenTrackFake
from crossdesk.models import Actor
from crossdesk.testing import FixedClock, make_desk

PARCELS = int(os.environ.get("CROSSDESK_BENCH_PARCELS", 400))
ADMIN = Actor.system("bench")


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    os.environ["CROSSDESK_17TRACK_TOKEN"] = "test-17token"
    with SeventeenTrackFake(quota=PARCELS, rate_limit=10_000) as fake:
        clock = FixedClock()
        desk = make_desk(clock=clock)
        desk.tracking.configure(
            ADMIN, provider="17track", providers={"17track": {"base_url": fake.base_url}}, max_per_run=PARCELS
        )
        shop = desk.upsert_shop(ADMIN, platform="shopify", external_id="S", name="S")
        buyer = desk.upsert_customer(ADMIN, platform="shopify", shop_id=shop, external_id="b", name="b")
        for i in range(PARCELS):
            desk.upsert_order(
                ADMIN,
                platform="shopify",
                shop_id=shop,
                external_id=f"o{i}",
                customer_id=buyer,
                currency="EUR",
                ordered_at=clock.now,
                tracking_number=f"JD{i:08d}",
                carrier="DHL",
                lines=[{"sku": "S", "quantity": 1, "unit_price_minor": 100}],
            )
        while desk.tracking.refresh(ADMIN).registered:  # registration goes 200 a run
            pass
        for i in range(PARCELS):
            fake.scan(f"JD{i:08d}", "InTransit", "Departed hub", at=clock.now - 60, location="Leipzig")
        yield desk, fake
        desk.close()


def _refresh(desk, batch):
    provider = desk.tracking.provider()
    provider.batch_size = batch
    result = desk.tracking.refresh(ADMIN, force=True)
    assert result.checked == PARCELS
    return result


@pytest.mark.benchmark(group="tracking")
def test_tracking_refresh_batched(benchmark, tracked):
    desk, _ = tracked
    benchmark.pedantic(lambda: _refresh(desk, 40), rounds=3, warmup_rounds=1)
    benchmark.extra_info["parcels"] = PARCELS


@pytest.mark.benchmark(group="tracking")
def test_tracking_refresh_one_by_one(benchmark, tracked):
    desk, _ = tracked
    benchmark.pedantic(lambda: _refresh(desk, 1), rounds=1)
