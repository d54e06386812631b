"""Shopify reviews through the Judge.me reviews app: attached with its token (to the vault), pulled with a
real HTTP client from the loopback fake (paging, 429, a refused token, a malformed review), tied to buyer,
order and SKU, a negative one a ticket; an edited, hidden or deleted review updates the stored one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from crossdesk.errors import DeskError
from crossdesk.fakes.judgeme import JudgemeFake
from crossdesk.fakes.marketplace import BASE_TIME
from crossdesk.fakes.server import Fault
from crossdesk.fakes.shopify import FakeShopify
from crossdesk.models import Actor
from crossdesk.vault import MemoryVault
from tests.sync.conftest import _NO_FILE, Harness, build

ADMIN = Actor.system("test")
PLUGINS = ("reviews_judgeme",)


class Setup:
    def __init__(self, h: Harness, app: JudgemeFake) -> None:
        self.h, self.app, self.vault = h, app, MemoryVault()
        self.desk = h.desk

    def attach(self, **options: str) -> dict[str, Any]:
        given = {"api_token": self.app.api_token, "base_url": self.app.base_url, "per_page": "2", **options}
        given.update({"retry_attempts": "3", "backoff": "0.001"})
        return self.desk.reputation.apps.attach(
            ADMIN, self.h.shop_external_id, "judgeme", given, vault=self.vault
        )

    def pull(self, **kw: Any) -> Any:
        return self.desk.reputation.pull(
            ADMIN, env=self.h.env, credentials_path=_NO_FILE, vault=self.vault, **kw
        )

    def review(self, judgeme_id: int) -> dict[str, Any]:
        row = self.desk.db.execute(
            "SELECT id FROM reviews WHERE external_id = ?", [f"judgeme:{judgeme_id}"]
        ).fetchone()
        return self.desk.db["reviews"].get(row[0])


def seed(app: JudgemeFake, shop: FakeShopify) -> list[dict[str, Any]]:
    """One review per buyer's first order, written by that buyer (Shopify customer id and e-mail), of the
    order's first product; the third one is a one-star complaint."""
    out, buyers = [], set()
    for o in shop.orders:
        if o.buyer_id in buyers or not o.lines:
            continue
        buyers.add(o.buyer_id)
        n = len(out)
        out.append(
            app.add(
                1 if n == 2 else 5,
                "Broke after two days, no answer from you" if n == 2 else "Lovely, fast delivery",
                title="Disappointed" if n == 2 else "Great",
                email=o.email,
                name=o.buyer_name,
                customer_id=o.buyer_id.removeprefix("buyer"),
                product_title=o.lines[0].title,
                created=o.created + 5 * 86400,
            )
        )
    return out


@pytest.fixture
def setup() -> Iterator[Setup]:
    with FakeShopify() as shop, JudgemeFake() as app:
        h = build("shopify", shop, plugins=PLUGINS)
        seed(app, shop)
        yield Setup(h, app)
        h.desk.close()


def test_hook_crossdesk_review_sources(setup: Setup) -> None:
    specs = {s.name: s for batch in setup.desk.pm.hook.crossdesk_review_sources() for s in batch}
    judgeme = specs["judgeme"]
    assert judgeme.platforms == ("shopify",) and judgeme.secrets == ("api_token",)
    assert [o.name for o in judgeme.options if o.required] == ["api_token"]


def test_whole_path_ties_reviews_to_buyer_order_and_sku_and_opens_a_ticket(setup: Setup) -> None:
    assert setup.h.sync().ok  # the Shopify orders first, so the reviews find their buyers and orders
    setup.attach()
    report = setup.pull()
    reviews = setup.app.reviews
    assert report.errors == [], report.errors
    assert (report.fetched, report.new, report.negative) == (len(reviews), len(reviews), 1)
    pages = [r for r in setup.app.requests_to("/api/v1/reviews", "GET")]
    assert len(pages) >= len(reviews) // 2  # two a page: paged to the short last page
    complaint = reviews[2]
    stored = setup.review(complaint["id"])
    ticket = setup.desk.db["tickets"].get(report.tickets[0])
    assert stored["ticket_id"] == ticket["id"] and stored["source"] == "judgeme"
    assert ticket["external_id"] == f"judgeme:{complaint['id']}"
    customer = setup.desk.db["customers"].get(ticket["customer_id"])
    assert customer["email"] == complaint["reviewer"]["email"]  # the buyer, by e-mail
    order = setup.desk.db["orders"].get(stored["order_id"])
    assert order["customer_id"] == ticket["customer_id"]  # one of that buyer's orders ...
    line_skus = [
        r[0] for r in setup.desk.db.execute("SELECT sku FROM order_lines WHERE order_id = ?", [order["id"]])
    ]
    assert stored["sku"] in line_skus and stored["sku"]  # ... and the reviewed product's SKU
    assert "negative-review" in setup.desk.tickets.tags(ticket["id"])
    # the token never reaches the database
    dump = "\n".join(setup.desk.db.iterdump())
    assert setup.app.api_token not in dump
    assert setup.vault.get(f"reviews/judgeme/shopify/{setup.h.shop_external_id}") == {
        "api_token": setup.app.api_token,
        "bound_to": f"http://127.0.0.1:{setup.app.port}",  # the origin it was given for
    }
    # a rerun adds nothing and opens nothing
    again = setup.pull()
    assert (again.fetched, again.new, again.negative, again.updated) == (len(reviews), 0, 0, 0)
    assert setup.desk.db.execute("SELECT count(*) FROM reviews").fetchone()[0] == len(reviews)


def test_a_429_is_waited_out_and_retried(setup: Setup) -> None:
    setup.attach()
    setup.app.inject(Fault.rate_limited(retry_after=0), times=2, path="/api/v1/reviews")
    report = setup.pull()
    assert report.errors == [] and report.new == len(setup.app.reviews)
    statuses = [r for r in setup.app.requests_to("/api/v1/reviews", "GET")]
    assert len(statuses) >= 2 + (len(setup.app.reviews) + 1) // 2


def test_a_refused_token_is_said_in_one_line_and_nothing_is_stored(setup: Setup) -> None:
    with pytest.raises(DeskError, match="api_token was refused") as caught:
        setup.attach(api_token="jdgm-wrong-token-000")
    assert "jdgm-wrong-token-000" not in str(caught.value) and "\n" not in str(caught.value)
    assert setup.vault.names() == [] and setup.desk.reputation.apps.list(ADMIN)[0]["app"] == ""
    # attached, then the token is revoked in Judge.me: the pull says so, names no secret, loses nothing
    setup.attach()
    setup.app.api_token = "jdgm-rotated-111"
    report = setup.pull()
    [line] = report.errors
    assert (
        "api_token was refused" in line
        and setup.vault.get(f"reviews/judgeme/shopify/{setup.h.shop_external_id}")["api_token"] not in line
    )
    assert report.new == 0


def test_an_unknown_option_or_a_missing_token_is_refused(setup: Setup) -> None:
    with pytest.raises(DeskError, match="needs api_token"):
        setup.desk.reputation.apps.attach(ADMIN, setup.h.shop_external_id, "judgeme", {}, vault=setup.vault)
    with pytest.raises(DeskError, match="no option colour"):
        setup.attach(colour="red")
    with pytest.raises(DeskError, match="no reviews app 'yotpo'"):
        setup.desk.reputation.apps.attach(ADMIN, setup.h.shop_external_id, "yotpo", {}, vault=setup.vault)


def test_a_malformed_review_is_reported_and_skipped_without_losing_the_others(setup: Setup) -> None:
    setup.attach()
    bad = setup.app.add("five", "not a number of stars", email="x@example.com")
    setup.app.reviews.append({"title": "no id at all", "rating": 4})
    report = setup.pull()
    assert report.new == len(setup.app.reviews) - 2
    assert any(f"review {bad['id']}: rating 'five'" in e for e in report.errors), report.errors
    assert any("(no id)" in e for e in report.errors)
    assert setup.desk.db.execute("SELECT count(*) FROM reviews").fetchone()[0] == report.new


def test_an_edited_review_updates_the_stored_one_and_its_ticket(setup: Setup) -> None:
    setup.h.sync()
    setup.attach()
    first = setup.pull()
    happy, complaint = setup.app.reviews[0], setup.app.reviews[2]
    later = BASE_TIME + 40 * 86400
    # a five-star review turns into a one-star complaint: the ticket opens then
    setup.app.edit(happy["id"], later, rating=1, body="It stopped working, I want a refund")
    # the complaint is settled: the buyer changes it to four stars; the ticket gets a note
    setup.app.edit(complaint["id"], later, rating=4, body="Replaced quickly, thanks")
    report = setup.pull()
    assert (report.new, report.updated, report.negative) == (0, 2, 1)
    turned = setup.review(happy["id"])
    assert (turned["rating"], turned["negative"], turned["body"]) == (
        1,
        1,
        "It stopped working, I want a refund",
    )
    assert turned["ticket_id"] == report.tickets[0] and turned["ticket_id"] not in first.tickets
    settled = setup.review(complaint["id"])
    assert (settled["rating"], settled["negative"]) == (4, 0)
    notes = [
        r[0]
        for r in setup.desk.db.execute(
            "SELECT body FROM messages WHERE ticket_id = ? AND direction = 'note'", [settled["ticket_id"]]
        )
    ]
    assert any("1/5 -> 4/5" in n and "no longer negative" in n for n in notes), notes
    # the same copy again changes nothing; hidden, then deleted, are noted too
    assert setup.pull().updated == 0
    setup.app.edit(complaint["id"], later + 60, hidden=True)
    assert setup.pull().updated == 1 and setup.review(complaint["id"])["status"] == "hidden"
    setup.app.delete(complaint["id"])
    gone = setup.pull()
    assert gone.deleted == 1 and setup.review(complaint["id"])["status"] == "deleted"
    assert setup.pull().deleted == 0  # said once


def test_the_token_goes_only_where_it_was_given_for(setup: Setup) -> None:
    setup.attach()
    row = setup.desk.db["shops"].get(setup.h.shop_id)
    import orjson

    config = orjson.loads(row["config"])
    config["reviews_app"]["base_url"] = "http://127.0.0.2:9"  # an import or a hand edit moves it
    setup.desk.db["shops"].update(setup.h.shop_id, {"config": orjson.dumps(config).decode()})
    before = len(setup.app.requests)
    report = setup.pull()
    [line] = report.errors
    assert "token was given for http://127.0.0.1" in line and "attach it again" in line
    assert len(setup.app.requests) == before and report.fetched == 0  # nothing was sent anywhere


def test_the_token_never_reaches_a_log_line(setup: Setup, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    setup.attach()
    setup.app.inject(Fault.rate_limited(retry_after=0), path="/api/v1/reviews")
    assert setup.pull().new == len(setup.app.reviews)
    assert any("/api/v1/reviews" in r.getMessage() for r in caplog.records)  # httpx logged the requests
    assert setup.app.api_token not in caplog.text
