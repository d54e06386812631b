"""``crossdesk tracking``: add, list, show, refresh, webhook, label and configure on a desk file, against
the fakes; bad input is one line and a non-zero exit."""

from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.models import Actor

ADMIN = Actor.system("test")


def run(*args, env=None, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, input=input)


@pytest.fixture
def desk_file(tmp_path, track17, monkeypatch):
    monkeypatch.setenv("CROSSDESK_17TRACK_TOKEN", "test-17token")
    path = tmp_path / "desk.db"
    desk = Desk.open(path)
    shop = desk.upsert_shop(ADMIN, platform="shopify", external_id="SHOP-1", name="Acme")
    buyer = desk.upsert_customer(ADMIN, platform="shopify", shop_id=shop, external_id="b1", name="Bo")
    desk.upsert_order(
        ADMIN,
        platform="shopify",
        shop_id=shop,
        external_id="#1001",
        customer_id=buyer,
        currency="EUR",
        ordered_at=desk.now() - 86400,
        lines=[{"sku": "MUG", "title": "Mug", "quantity": 1, "unit_price_minor": 1200}],
    )
    desk.close()
    return path


def test_add_list_refresh_show(desk_file, track17):
    db = ("--db", desk_file)
    out = run("tracking", "configure", "--provider", "17track", "--base-url", f"17track={track17.base_url}",
              "--stall-days", "dhl=3", *db)  # fmt: skip
    assert out.exit_code == 0, out.output
    assert orjson.loads(out.output)["stall_days"] == {"default": 5, "dhl": 3.0}
    out = run("tracking", "add", "#1001", "JD 0146 0000", "--carrier", "DHL", *db)
    assert out.exit_code == 0, out.output
    assert "JD01460000" in out.output and "info_received" in out.output
    out = run("tracking", "refresh", *db)
    assert out.exit_code == 0, out.output
    assert "1 registered" in out.output and "quota left 9" in out.output
    track17.scan("JD01460000", "InTransit", "Departed", at=1_764_000_000, location="Leipzig")
    assert run("tracking", "refresh", "--force", *db).exit_code == 0
    out = run("tracking", "list", "--state", "in_transit", *db)
    assert "JD01460000" in out.output and "1 shipment(s)" in out.output
    out = run("tracking", "show", "JD01460000", *db)
    assert "Departed (Leipzig)" in out.output
    body, headers = track17.webhook("JD01460000")
    out = run("tracking", "webhook", "17track", "-H", f"sign: {headers['sign']}", *db, input=body)
    assert out.exit_code == 0 and "0 shipment(s) changed" in out.output


def test_errors_are_one_line(desk_file, track17):
    db = ("--db", desk_file)
    for args, needle in [
        (("tracking", "add", "#999", "JD1"), "no order"),
        (("tracking", "add", "#1001", "JD/1"), "not a tracking number"),
        (("tracking", "list", "--state", "lost"), "unknown state"),
        (("tracking", "show", "NOPE"), "no shipment"),
        (("tracking", "configure", "--base-url", "17track"), "PROVIDER=http"),
        (("tracking", "configure", "--stall-days", "dhl=soon"), "CARRIER=DAYS"),
        (("tracking", "refresh", "--provider", "pigeon"), "no tracking provider 'pigeon'"),
    ]:
        out = run(*args, *db)
        assert out.exit_code != 0, args
        assert needle in out.output and "Traceback" not in out.output, out.output
    out = run("tracking", "webhook", "17track", "-H", "sign: forged", *db, input=b"{}")
    assert out.exit_code != 0 and "signature" in out.output


def test_quota_and_a_return_label(desk_file, track17, tmp_path, monkeypatch):
    from crossdesk.fakes.easypost import EasyPostFake

    db = ("--db", desk_file)
    assert run("tracking", "configure", "--base-url", f"17track={track17.base_url}", *db).exit_code == 0
    out = run("tracking", "quota", "--provider", "17track", *db)
    assert out.exit_code == 0 and out.output.strip() == "17track: 10 of 10 left"
    desk = Desk.open(desk_file)
    order_id = desk.db.execute("SELECT id FROM orders").fetchone()[0]
    case_id = desk.cases.open(ADMIN, type="return", order_id=order_id, items=[{"sku": "MUG", "quantity": 1}])
    desk.cases.approve(ADMIN, case_id)
    desk.tracking.configure(
        ADMIN,
        return_address={
            "name": "Acme",
            "street1": "1 Dock Rd",
            "city": "Leipzig",
            "zip": "04103",
            "country": "DE",
        },
    )
    desk.close()
    buyer = tmp_path / "buyer.toml"
    buyer.write_text('name = "Bo"\nstreet1 = "Rue 1"\ncity = "Lyon"\nzip = "69001"\ncountry = "FR"\n')
    broken = tmp_path / "broken.toml"
    broken.write_text("name = ")
    monkeypatch.setenv("CROSSDESK_EASYPOST_API_KEY", "EZTKtest")
    with EasyPostFake() as ep:
        assert run("tracking", "configure", "--base-url", f"easypost={ep.base_url}", *db).exit_code == 0
        out = run("tracking", "label", case_id, "--from", broken, *db)
        assert out.exit_code != 0 and "not readable" in out.output
        out = run("tracking", "label", case_id, "--from", buyer, "--weight", 800, *db)
        assert out.exit_code == 0, out.output
        assert "return" in out.output and "label USPS" in out.output
    desk = Desk.open(desk_file)
    assert desk.db.execute("SELECT state FROM cases WHERE id = ?", [case_id]).fetchone() == ("label_issued",)
    desk.close()
