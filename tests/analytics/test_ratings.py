"""Ratings from the reviews crossdesk.reputation pulls: a report metric (count, mean stars, share
negative) by platform, shop, SKU and day, and a SKU whose share of negative reviews rises is warned about
(and a steady SKU with the same number of negative reviews is not)."""

from __future__ import annotations

import itertools

import orjson
import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.models import Actor

ADMIN = Actor.system("test")
DAY = 86_400
_n = itertools.count(1)


def _reviews(
    desk, shop: int, platform: str, sku: str, stars: list[int], *, days: tuple[int, int], ticket=None
):
    """Reviews of ``sku`` written between ``days`` ago (as the reputation pull stores them)."""
    now = desk.store.now()
    newest, oldest = days
    with desk.store.tx():
        for i, rating in enumerate(stars):
            at = now - oldest * DAY + (oldest - newest) * DAY * i // len(stars)
            desk.store.db.execute(
                "INSERT INTO reviews (platform, shop_id, external_id, kind, rating, negative, sku, ticket_id, "
                "created_at, pulled_at) VALUES (?, ?, ?, 'product_review', ?, ?, ?, ?, ?, ?)",
                [platform, shop, f"R{next(_n)}", rating, int(rating <= 2), sku, ticket, at, now],
            )


@pytest.fixture
def shops(crossdesk_desk):
    desk = crossdesk_desk
    amazon = desk.upsert_shop(ADMIN, platform="amazon", external_id="a-1", name="Amazon DE")
    ebay = desk.upsert_shop(ADMIN, platform="ebay", external_id="e-1", name="eBay UK")
    return desk, amazon, ebay


def test_ratings_metric_by_sku_platform_and_shop(shops):
    desk, amazon, ebay = shops
    _reviews(desk, amazon, "amazon", "LAMP", [5, 4, 1, 2], days=(1, 5))
    _reviews(desk, ebay, "ebay", "LAMP", [3], days=(1, 2))
    _reviews(desk, ebay, "ebay", "MUG", [5, 5], days=(1, 3))
    _reviews(desk, ebay, "ebay", "MUG", [1], days=(40, 41))  # before the period
    report = desk.analytics.report(ADMIN, by=["sku"], metrics=["volume", "ratings"])
    by = {g["key"]["sku"]: g["ratings"] for g in report.groups}
    assert by["LAMP"] == {"count": 5, "mean": pytest.approx(15 / 5), "negative": 2, "negative_rate": 2 / 5}
    assert by["MUG"] == {"count": 2, "mean": 5.0, "negative": 0, "negative_rate": 0.0}
    assert report.total["ratings"]["count"] == 7
    shop = desk.analytics.report(ADMIN, by=["shop", "platform"], metrics=["ratings"])
    assert {(g["key"]["shop"], g["key"]["platform"]): g["ratings"]["count"] for g in shop.groups} == {
        ("Amazon DE", "amazon"): 4,
        ("eBay UK", "ebay"): 3,
    }
    daily = desk.analytics.report(ADMIN, by=["day"], metrics=["ratings"])
    assert sum(g["ratings"]["count"] for g in daily.groups) == 7
    # A dimension reviews do not have: ratings in the total only, not under "(none)".
    agent = desk.analytics.report(ADMIN, by=["agent"], metrics=["ratings"])
    assert agent.total["ratings"]["count"] == 7 and agent.groups == []
    # The rollup report and the row-by-row reference agree, and the CLI shows the same.
    slow = desk.analytics.reports.build_direct(None, None, ["sku"], ["volume", "ratings"])
    assert slow.as_dict()["groups"] == report.as_dict()["groups"]


def test_cli_json_and_table_show_ratings(tmp_path):
    path = tmp_path / "desk.db"
    desk = Desk.open(path)
    try:
        amazon = desk.upsert_shop(ADMIN, platform="amazon", external_id="a-1", name="Amazon DE")
        _reviews(desk, amazon, "amazon", "LAMP", [5, 1], days=(1, 3))
    finally:
        desk.close()
    out = CliRunner().invoke(cli, ["report", "--db", str(path), "--format", "json", "--metric", "ratings"])
    data = orjson.loads(out.stdout)
    assert data["total"]["ratings"]["negative"] == 1 and data["total"]["ratings"]["mean"] == 3.0
    table = CliRunner().invoke(cli, ["report", "--db", str(path), "--metric", "ratings", "--by", "sku"])
    assert table.exit_code == 0 and "stars" in table.stdout and "50.0%" in table.stdout


def test_a_rise_in_negative_reviews_warns_for_that_sku_only(shops):
    desk, amazon, _ = shops
    tid, _, _ = desk.receive_message(
        ADMIN,
        platform="amazon",
        shop_id=amazon,
        thread_id="T-r",
        external_id="M-r",
        body="The handle broke after a day",
        language="en",
        created_at=desk.store.now() - 3 * DAY,
    )
    _reviews(desk, amazon, "amazon", "KETTLE", [5] * 95 + [1] * 5, days=(14, 70))
    _reviews(desk, amazon, "amazon", "KETTLE", [5] * 8 + [1] * 12, days=(1, 14), ticket=tid)
    _reviews(desk, amazon, "amazon", "TOASTER", [5] * 88 + [1] * 12, days=(14, 70))  # 17 negative in all
    _reviews(desk, amazon, "amazon", "TOASTER", [5] * 15 + [1] * 5, days=(1, 14))  # at a steady share
    warnings = [w for w in desk.analytics.quality.detect(ADMIN) if w.kind == "ratings"]
    assert {(w.sku, w.platform) for w in warnings} == {("KETTLE", "amazon"), ("KETTLE", "")}
    w = next(w for w in warnings if w.platform == "amazon")
    assert (w.count_now, w.base_now, w.count_before, w.base_before) == (12, 20, 5, 100)
    assert w.tickets == [tid] and "reviews" in str(w)
    rates = {r["sku"]: r["ratings"] for r in desk.analytics.quality.rates(ADMIN)}
    assert rates["TOASTER"]["now"] + rates["TOASTER"]["before"] == 17 == w.count_now + w.count_before
    new = desk.analytics.quality.check(ADMIN)  # stored (the table allows the new kind) and raised once
    assert {(x.kind, x.sku) for x in new} >= {("ratings", "KETTLE")}
    assert any(r["kind"] == "ratings" for r in desk.analytics.quality.warnings(ADMIN))
    assert desk.analytics.quality.check(ADMIN) == []
