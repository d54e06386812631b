"""Quality warnings: a planted complaint spike on one SKU is reported for that SKU and no other; a steady
SKU with the same total count is not; warnings are events rules act on, raised once by automate."""

from __future__ import annotations

import itertools
import math

import pytest

from crossdesk.analytics.quality import binomial_tail, spike_p
from crossdesk.models import Actor

ADMIN = Actor.system("test")
DAY = 86_400
_n = itertools.count(1)


class Shop:
    def __init__(self, desk, now: int, platform: str) -> None:
        self.desk, self.now, self.platform = desk, now, platform
        self.id = desk.upsert_shop(ADMIN, platform=platform, external_id=f"{platform}-1", name=platform)

    def orders(self, sku: str, count: int, complaints: int, *, days: tuple[int, int]) -> list[int]:
        """``count`` orders of ``sku`` placed between ``days`` ago, the first ``complaints`` of them with
        a buyer saying it arrived broken; returns the complaint tickets."""
        tickets = []
        newest, oldest = days
        for i in range(count):
            n = next(_n)
            at = self.now - oldest * DAY + (oldest - newest) * DAY * i // count
            order = self.desk.upsert_order(
                ADMIN,
                platform=self.platform,
                shop_id=self.id,
                external_id=f"O{n}",
                customer_id=None,
                currency="EUR",
                ordered_at=at,
                lines=[{"sku": sku, "title": "Desk lamp", "quantity": 1, "unit_price_minor": 3999}],
            )
            if i < complaints:
                tid, _, _ = self.desk.receive_message(
                    ADMIN,
                    platform=self.platform,
                    shop_id=self.id,
                    thread_id=f"T{n}",
                    external_id=f"M{n}",
                    body="The lamp arrived broken, the glass is cracked and damaged.",
                    created_at=min(self.now - 60, at + DAY),
                    order_id=order,
                    language="en",
                )
                tickets.append(tid)
        return tickets


@pytest.fixture
def planted(crossdesk_desk, crossdesk_clock):
    desk, now = crossdesk_desk, crossdesk_clock.now
    amazon, ebay = Shop(desk, now, "amazon"), Shop(desk, now, "ebay")
    amazon.orders("SPIKE", 200, 2, days=(14, 70))
    spiked = amazon.orders("SPIKE", 50, 10, days=(2, 14))
    ebay.orders("SPIKE", 80, 2, days=(14, 70))
    ebay.orders("SPIKE", 20, 0, days=(2, 14))
    amazon.orders("STEADY", 200, 10, days=(14, 70))  # the same 12 complaints in all, at a steady rate
    amazon.orders("STEADY", 50, 2, days=(2, 14))
    amazon.orders("ONEOFF", 10, 0, days=(14, 70))  # one complaint about a little-sold SKU: no spike
    amazon.orders("ONEOFF", 3, 1, days=(2, 14))
    return desk, spiked


def test_planted_spike_is_reported_for_that_sku_only(planted):
    desk, spiked = planted
    row = desk.db.execute("SELECT intent FROM tickets WHERE id = ?", [spiked[0]]).fetchone()
    assert row[0] == "damaged_item"  # the classifier, not the test, decides what a complaint is
    warnings = desk.analytics.quality.detect(ADMIN)
    assert {(w.sku, w.platform) for w in warnings} == {("SPIKE", "amazon"), ("SPIKE", "")}
    w = next(w for w in warnings if w.platform == "amazon")
    assert (w.kind, w.count_now, w.base_now, w.count_before, w.base_before) == ("complaints", 10, 50, 2, 200)
    assert w.rate_now == pytest.approx(10 / 50) and w.rate_before == pytest.approx(2 / 200)
    assert w.p_value < 0.001
    assert w.tickets == sorted(spiked)
    assert "SPIKE on amazon" in str(w) and f"#{spiked[0]}" in str(w)
    rates = {r["sku"]: r["complaints"] for r in desk.analytics.quality.rates(ADMIN)}
    steady = rates["STEADY"]
    assert steady["now"] + steady["before"] == w.count_now + w.count_before  # the same total count
    assert steady["rate_now"] == pytest.approx(2 / 50) and steady["rate_before"] == pytest.approx(10 / 200)


def test_warnings_are_events_raised_once_by_automate(planted):
    desk, spiked = planted
    desk.rules.save(
        ADMIN,
        [
            {
                "name": "tag quality",
                "event": "quality_warning",
                "actions": [{"action": "add_tag", "tag": "quality"}],
            }
        ],
    )
    first = desk.automate(ADMIN)
    assert len(first["quality_warnings"]) == 2
    assert all("quality" in desk.tags(t) for t in spiked)
    stored = desk.analytics.quality.warnings(ADMIN)
    assert {(w["sku"], w["platform"]) for w in stored} == {("SPIKE", "amazon"), ("SPIKE", "")}
    assert desk.automate(ADMIN)["quality_warnings"] == []  # once per SKU, marketplace and day


def test_a_desk_wide_rise_is_not_one_skus_spike(crossdesk_desk, crossdesk_clock):
    desk, now = crossdesk_desk, crossdesk_clock.now
    amazon = Shop(desk, now, "amazon")
    for sku in ("A", "B", "C", "D"):
        amazon.orders(sku, 100, 2, days=(14, 70))
        amazon.orders(sku, 25, 4, days=(2, 14))  # every product at once: a season, not a product
    assert desk.analytics.quality.detect(ADMIN) == []


def test_binomial_tail_is_exact():
    m, p = 30, 0.2
    for k in (0, 1, 6, 15, 30):
        brute = sum(math.comb(m, i) * p**i * (1 - p) ** (m - i) for i in range(k, m + 1))
        assert binomial_tail(k, m, p) == pytest.approx(brute, rel=1e-9)
    assert spike_p(3, 10, 0, 0) == 1.0  # no baseline: nothing to compare with


def test_the_demo_plants_a_rise_that_is_found(tmp_path):
    from pathlib import Path

    from crossdesk.api import Desk
    from crossdesk.demo import build_demo, enrich

    desk = Desk.memory()
    build_demo(desk, 3000, seed=7)
    report = enrich(desk, sla=Path(__file__).resolve().parents[2] / "examples" / "sla.toml")
    assert "planted complaints" in report["history"]
    found = desk.analytics.quality.detect(ADMIN)
    warnings = [w for w in found if w.platform == "" and w.kind != "ratings"]
    assert warnings
    planted = {
        r[0]
        for r in desk.db.execute(
            "SELECT l.sku FROM tickets t JOIN order_lines l ON l.order_id = t.order_id "
            "WHERE t.external_id LIKE 'quality-%' GROUP BY l.sku HAVING COUNT(*) >= 5"
        )
    }
    assert {w.sku for w in warnings} <= planted
    # The planted rise of negative reviews is reported for its SKU and no other.
    from crossdesk.demo.ratings import planted_sku

    assert {w.sku for w in found if w.kind == "ratings"} == {planted_sku(desk.db)}
    # Returns per SKU are no longer empty, and refunds have amounts.
    rates = desk.analytics.quality.rates(ADMIN)
    assert any(r["returns"]["now"] for r in rates)
    assert desk.analytics.report(ADMIN).total["refunds"]["count"] > 0


def test_cli_lists_rates_and_warnings(tmp_path, crossdesk_clock):
    import orjson
    from click.testing import CliRunner

    from crossdesk.api import Desk
    from crossdesk.cli import cli

    path = tmp_path / "desk.db"
    desk = Desk.open(path)
    now = desk.now()
    amazon = Shop(desk, now, "amazon")
    amazon.orders("SPIKE", 200, 2, days=(14, 70))
    amazon.orders("SPIKE", 50, 10, days=(2, 14))
    amazon.orders("STEADY", 200, 10, days=(14, 70))
    amazon.orders("STEADY", 50, 2, days=(2, 14))
    desk.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["report", "--db", str(path), "--quality", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = orjson.loads(out.stdout)
    assert {w["sku"] for w in data["warnings"]} == {"SPIKE"}
    assert {r["sku"] for r in data["skus"]} == {"SPIKE", "STEADY"}
    table = runner.invoke(cli, ["report", "--db", str(path), "--quality"])
    assert table.exit_code == 0 and "warning SPIKE on amazon" in table.stdout
    bad = runner.invoke(cli, ["report", "--db", str(path), "--quality", "--format", "csv"])
    assert bad.exit_code != 0 and "table or JSON" in bad.output
