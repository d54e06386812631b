"""``crossdesk sync`` and ``crossdesk outbox`` on a desk file, against a local eBay fake."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.fakes.ebay import FakeEbay
from crossdesk.fakes.marketplace import BASE_TIME
from crossdesk.models import Actor


@pytest.fixture
def desk_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(
        "CROSSDESK_LOAD_PLUGINS",
        "platform_amazon,platform_ebay,platform_shopee,platform_shopify",
    )
    monkeypatch.setenv("CROSSDESK_CREDENTIALS", str(tmp_path / "none.toml"))
    with FakeEbay(orders=7) as fake:
        monkeypatch.setenv("CROSSDESK_EBAY_ACCESS_TOKEN", fake.access_token)
        path = tmp_path / "desk.db"
        desk = Desk.open(path)
        desk.upsert_shop(
            Actor.system(),
            platform="ebay",
            external_id="acme_outlet",
            name="Acme eBay",
            config={
                "base_url": fake.base_url,
                "page_size": 3,
                "initial_since": BASE_TIME - 86400 * 10,
                "seller_username": fake.seller,
                "backoff": 0.001,
                "max_backoff": 0.01,
            },
        )
        desk.close()
        yield path, fake


def test_sync_then_outbox(desk_file) -> None:
    path, fake = desk_file
    runner = CliRunner()
    out = runner.invoke(cli, ["sync", "--db", str(path)])
    assert out.exit_code == 0, out.output
    assert "ebay Acme eBay orders: 7 fetched, 7 new" in out.output
    assert "outbox: 0 sent" in out.output
    # The new buyer messages went through translation (queued: no translator loads in this test).
    assert re.search(r"translation: \d+ of \d+ new buyer messages", out.output), out.output
    desk = Desk.open(path)
    # a buyer conversation (sync also opened a ticket for the negative feedback: its reply goes elsewhere)
    ticket = desk.db.execute("SELECT id FROM tickets WHERE external_id NOT LIKE 'feedback:%' LIMIT 1").fetchone()[0]
    desk.reply(Actor.system(), ticket, "Thanks, we are on it.")
    desk.close()
    listed = runner.invoke(cli, ["outbox", "list", "--db", str(path), "--status", "pending"])
    assert listed.exit_code == 0 and "message" in listed.output
    sent = runner.invoke(cli, ["outbox", "send", "--db", str(path)])
    assert "1 sent" in sent.output
    assert len(fake.actions_of("send_message")) == 1
    again = runner.invoke(cli, ["sync", "--db", str(path)])
    assert "7 fetched, 0 new" in again.output or "0 new" in again.output
    assert len(fake.actions_of("send_message")) == 1


def test_sync_failure_exits_non_zero_with_one_line(desk_file) -> None:
    path, fake = desk_file
    fake.go_down()
    out = CliRunner().invoke(cli, ["sync", "--db", str(path), "--pull-only"])
    assert out.exit_code == 1
    assert "stopped: ebay GET /sell/fulfillment/v1/order: server error 503" in out.output
    assert "Traceback" not in out.output


def test_unknown_shop_is_a_user_error(desk_file) -> None:
    path, _ = desk_file
    out = CliRunner().invoke(cli, ["sync", "--db", str(path), "--shop", "nope"])
    assert out.exit_code != 0 and "no shop matches nope" in out.output


def test_resolve_needs_an_outcome(desk_file) -> None:
    path, _ = desk_file
    out = CliRunner().invoke(cli, ["outbox", "resolve", "1", "--db", str(path)])
    assert out.exit_code != 0 and "--sent or --retry" in out.output
