"""Contract tests: every connector against its local fake, through the real sync engine and a real desk.

Each test counts what the fake holds and checks the desk holds exactly that: nothing lost, nothing twice,
whatever faults the fake plays in between.
"""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from crossdesk.fakes.server import Fault
from crossdesk.fakes.shopify import FakeShopify

from .conftest import Harness

LIST_PATH = {
    "amazon": "/orders/v0/orders",
    "ebay": "/sell/fulfillment/v1/order",
    "shopee": "/api/v2/order/get_order_list",
    "shopify": "/admin/api/2025-01/graphql.json",
}


def expected(h: Harness) -> dict[str, int]:
    caps = {
        "amazon": {"orders"},
        "ebay": {"orders", "messages", "returns"},
        "shopee": {"orders", "messages", "returns"},
        "shopify": {"orders", "returns"},
    }[h.platform]
    return {
        "orders": len(h.fake.orders),
        "messages": sum(not m.from_seller for m in h.fake.messages) if "messages" in caps else 0,
        "cases": len(h.fake.returns) if "returns" in caps else 0,
    }


def stored(h: Harness) -> dict[str, int]:
    return {"orders": h.count("orders"), "messages": h.count("messages"), "cases": h.count("cases")}


def assert_exact(h: Harness) -> None:
    assert stored(h) == expected(h)
    dup = h.desk.db.execute(
        "SELECT external_id, count(*) FROM orders GROUP BY platform, shop_id, external_id HAVING count(*) > 1"
    ).fetchall()
    assert dup == []


def test_full_sync_brings_everything(harness: Harness) -> None:
    result = harness.sync()
    assert result.ok, result
    assert_exact(harness)
    assert all(r.complete for r in result.resources.values())
    assert result.resources["orders"].pages >= 3  # 12 orders, pages of 5: paging really happened
    # Money arrives exactly, in minor units, whatever JSON type the platform used.
    seed = harness.fake.orders[3]
    row = harness.desk.db.execute(
        "SELECT id, total_minor FROM orders WHERE external_id LIKE ?", [f"%{seed.order_id}"]
    ).fetchone()
    assert row[1] == int(Decimal(seed.total) * 100)
    lines = harness.desk.db.execute(
        "SELECT sku, quantity, unit_price_minor FROM order_lines WHERE order_id = ? ORDER BY external_id",
        [row[0]],
    ).fetchall()
    assert sorted(lines) == sorted((x.sku, x.quantity, int(Decimal(x.unit_price) * 100)) for x in seed.lines)
    # Buyers are customers with an identity on the platform.
    assert harness.count("customer_identities") >= 1


def test_second_sync_changes_nothing(harness: Harness) -> None:
    harness.sync()
    before = stored(harness)
    audit = harness.count("audit")
    again = harness.sync()
    assert again.ok
    assert stored(harness) == before
    assert sum(r.new for r in again.resources.values()) == 0
    assert harness.count("audit") == audit  # no spurious "update" rows either


def test_new_orders_arrive_incrementally(harness: Harness) -> None:
    harness.sync()
    from crossdesk.fakes.marketplace import seed_orders

    harness.clock.advance(3600)

    extra = seed_orders("X" if harness.platform != "shopee" else "2599", 3, start=harness.clock.now - 600)
    harness.fake.orders.extend(extra)
    harness.fake.requests.clear()
    result = harness.sync()
    assert result.ok
    assert harness.count("orders") == len(harness.fake.orders)
    assert result.resources["orders"].new == 3


@pytest.mark.parametrize(
    "fault",
    [
        Fault.rate_limited(0),
        Fault.server_error(503),
        Fault.server_error(500),
        Fault.malformed(),
        Fault.malformed(b"<html>Bad gateway</html>"),
        Fault.disconnect(),
    ],
    ids=["429", "503", "500", "truncated-json", "html", "disconnect"],
)
def test_transient_faults_lose_nothing(harness: Harness, fault: Fault) -> None:
    # Fail the second and third list calls: mid-run, after a page is already stored.
    harness.fake.inject(Fault.slow(0), path=LIST_PATH[harness.platform])
    harness.fake.inject(fault, times=2, path=LIST_PATH[harness.platform])
    result = harness.sync()
    assert result.ok, result
    assert harness.fake.pending_faults() == 0
    assert_exact(harness)


def test_timeouts_are_retried(harness: Harness) -> None:
    harness.set_config(timeout=0.3)
    harness.fake.inject(Fault.slow(0.8), path=LIST_PATH[harness.platform])
    result = harness.sync()
    assert result.ok, result
    assert_exact(harness)


def test_overlapping_pages_store_nothing_twice(harness: Harness) -> None:
    harness.fake.overlap = 2  # every page repeats the last two records of the page before
    result = harness.sync()
    assert result.ok
    assert result.resources["orders"].fetched > len(harness.fake.orders)  # the duplicates did arrive
    assert_exact(harness)


def test_outage_then_recovery(harness: Harness) -> None:
    harness.fake.go_down()
    result = harness.sync()
    assert not result.ok
    assert "503" in result.resources["orders"].error
    assert harness.count("orders") == 0
    harness.fake.come_back()
    assert harness.sync().ok
    assert_exact(harness)


def test_crash_mid_page_resumes_from_last_committed_page(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies while storing the second page: the first page and its cursor are committed, the
    partial second page is rolled back, and the next run starts at page two, not page one."""
    real = harness.desk.orders.upsert
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 8:  # page 1 holds five orders; die on the third of page 2
            raise KeyboardInterrupt("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(harness.desk.orders, "upsert", dying)
    with pytest.raises(KeyboardInterrupt):
        harness.sync()
    assert harness.count("orders") == 5
    cursor = harness.desk.db.execute("SELECT cursor FROM sync_cursors WHERE resource = 'orders'").fetchone()
    assert cursor is not None
    monkeypatch.setattr(harness.desk.orders, "upsert", real)
    harness.fake.requests.clear()
    result = harness.sync()
    assert result.ok
    assert_exact(harness)
    # Resumed: the first list request of the second run carries the stored position, not the start.
    first = harness.fake.requests_to(LIST_PATH[harness.platform])[0]
    position = {
        "amazon": lambda r: r.arg("NextToken"),
        "ebay": lambda r: r.arg("offset") != "0" and r.arg("offset"),
        "shopee": lambda r: r.arg("cursor"),
        "shopify": lambda r: r.json()["variables"].get("after"),
    }[harness.platform](first)
    assert position


def test_refused_record_is_audited_not_lost(harness: Harness) -> None:
    bad = harness.fake.orders[2]
    bad.lines[0].unit_price = "-5.00"  # the desk refuses negative prices
    result = harness.sync()
    assert result.ok and result.resources["orders"].complete
    assert result.resources["orders"].rejected >= 1
    rejects = [
        orjson.loads(r[0])
        for r in harness.desk.db.execute("SELECT after FROM audit WHERE action = 'sync.reject'")
    ]
    assert {r["external_id"] for r in rejects} == {
        harness.fake.order_gid(bad.order_id) if harness.platform == "shopify" else bad.order_id
    }
    assert "negative price" in rejects[0]["error"]
    # Everything else arrived; the refused order is on record, not silently dropped.
    assert harness.count("orders") == len(harness.fake.orders) - 1


# ---- platform specifics ----------------------------------------------------------------------------


def test_amazon_refreshes_expired_access_token(amazon: Harness) -> None:
    amazon.set_config(page_size=3)
    calls = {"n": 0}
    original = amazon.fake.get_orders

    def expiring(req):
        calls["n"] += 1
        if calls["n"] == 2:
            amazon.fake.tokens.clear()  # the access token dies mid-run (NextTokens survive)
        return original(req)

    amazon.fake.routes = [r for r in amazon.fake.routes if r.template != "/orders/v0/orders"]
    amazon.fake.add_route("GET", "/orders/v0/orders", expiring)
    assert amazon.sync().ok
    assert amazon.count("orders") == len(amazon.fake.orders)
    assert len(amazon.fake.requests_to("/auth/o2/token")) == 2


def test_amazon_expired_next_token_restarts_window(amazon: Harness) -> None:
    amazon.fake.inject(
        Fault.status(400, {"errors": [{"code": "InvalidInput", "message": "Invalid NextToken"}]}),
        path="/orders/v0/orders",
    )
    # The first call has no NextToken, so the fault hits it: a plain 400 is not retried.
    result = amazon.sync()
    assert not result.ok and "InvalidInput" in result.resources["orders"].error
    amazon.fake.expire_tokens()
    amazon.fake.next_tokens.clear()
    assert amazon.sync().ok
    assert amazon.count("orders") == len(amazon.fake.orders)


def test_amazon_rate_limit_wait_honours_rate_header() -> None:
    import httpx

    from crossdesk.plugins.platforms.amazon import rate_limit_wait

    slow = httpx.Response(429, headers={"x-amzn-RateLimit-Limit": "0.5"})
    assert rate_limit_wait(slow) == pytest.approx(2.0)
    told = httpx.Response(429, headers={"x-amzn-RateLimit-Limit": "10", "Retry-After": "3"})
    assert rate_limit_wait(told) == pytest.approx(3.0)


def test_amazon_bad_credentials_is_one_clear_error(amazon: Harness) -> None:
    amazon.env["CROSSDESK_AMAZON_REFRESH_TOKEN"] = "Atzr|wrong-but-long-enough"
    result = amazon.sync()
    assert "invalid_grant" in result.resources["orders"].error
    assert "Atzr|wrong" not in result.resources["orders"].error


def test_ebay_post_order_uses_iaf_and_rest_uses_bearer(ebay: Harness) -> None:
    assert ebay.sync().ok
    assert all(
        r.header("authorization").startswith("IAF ")
        for r in ebay.fake.requests_to("/post-order/v2/return/search")
    )
    assert all(
        r.header("authorization").startswith("Bearer ")
        for r in ebay.fake.requests_to("/sell/fulfillment/v1/order")
    )


def test_ebay_renews_token_with_refresh_token(ebay: Harness) -> None:
    ebay.env.update(
        CROSSDESK_EBAY_ACCESS_TOKEN="v^1.1#expired-token-xxxxxxxx",
        CROSSDESK_EBAY_REFRESH_TOKEN=ebay.fake.refresh_token,
        CROSSDESK_EBAY_CLIENT_ID=ebay.fake.client_id,
        CROSSDESK_EBAY_CLIENT_SECRET=ebay.fake.client_secret,
    )
    assert ebay.sync().ok
    assert ebay.fake.requests_to("/identity/v1/oauth2/token")


def test_ebay_seller_messages_are_not_stored_as_buyer_messages(ebay: Harness) -> None:
    ebay.sync()
    authors = {r[0] for r in ebay.desk.db.execute("SELECT author FROM messages")}
    assert ebay.fake.seller not in authors


def test_shopee_every_call_is_signed(shopee: Harness) -> None:
    assert shopee.sync().ok
    assert shopee.fake.requests and all(r.arg("sign") for r in shopee.fake.requests)
    # The fake verifies signatures: a wrong partner key is refused on the first call.
    shopee.env["CROSSDESK_SHOPEE_PARTNER_KEY"] = "not-the-partner-key-000"
    result = shopee.sync()
    assert "error_sign" in result.resources["orders"].error


def test_shopee_errors_in_http_200_bodies(shopee: Harness) -> None:
    shopee.fake.inject(
        Fault.status(200, {"error": "error_busy", "message": "busy", "request_id": "x"}), times=2
    )
    assert shopee.sync().ok
    shopee.fake.access_token = "rotated-token-on-shopee-side"
    result = shopee.sync()
    assert "refresh the Shopee access token" in result.resources["orders"].error


def test_shopee_marches_15_day_windows(shopee: Harness) -> None:
    shopee.sync()
    windows = {
        (r.arg("time_from"), r.arg("time_to"))
        for r in shopee.fake.requests_to("/api/v2/order/get_order_list")
    }
    assert len(windows) >= 2
    assert all(int(b) - int(a) <= 15 * 86400 for a, b in windows)


def test_shopify_throttled_waits_and_retries(shopify: Harness) -> None:
    shopify.fake.inject(FakeShopify.throttled(restore=1e6), times=2)
    assert shopify.sync().ok
    assert shopify.count("orders") == len(shopify.fake.orders)


def test_shopify_graphql_error_is_reported(shopify: Harness) -> None:
    shopify.fake.inject(
        Fault.status(200, {"errors": [{"message": "Field 'bogus' doesn't exist on type 'Order'"}]})
    )
    result = shopify.sync()
    assert "bogus" in result.resources["orders"].error


@pytest.mark.parametrize("platform_fixture", ["ebay", "shopee"])
def test_crash_mid_messages_resumes_without_loss_or_duplicates(
    platform_fixture: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    h: Harness = request.getfixturevalue(platform_fixture)
    real = h.desk.intake.messages  # a page of messages goes to bulk intake in one call
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the first page of conversations holds ten buyer messages
            raise KeyboardInterrupt("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(h.desk.intake, "messages", dying)
    with pytest.raises(KeyboardInterrupt):
        h.sync()
    assert h.count("messages") == 10
    monkeypatch.setattr(h.desk.intake, "messages", real)
    assert h.sync().ok
    assert_exact(h)
    ids = [r[0] for r in h.desk.db.execute("SELECT external_id FROM messages")]
    assert len(ids) == len(set(ids))
