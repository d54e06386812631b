"""Issue 18 item 5: a shop config never holds a secret (import, API, CLI), and a shop's credentials are
bound to the host they were first used with: a record that changes only ``base_url`` does not make the
next sync send the bearer token to another host."""

from __future__ import annotations

import io

import orjson
import pytest

from crossdesk.api import DeskError
from crossdesk.errors import PermissionDenied
from crossdesk.fakes.ebay import FakeEbay
from crossdesk.io import export_jsonl, import_jsonl
from crossdesk.models import Actor, Role
from crossdesk.sync import ConnectionError_
from tests.sync.conftest import build

ADMIN = Actor.system("admin")
SECRETS = [
    {"access_token": "v^1.1#i^1#abcdef"},
    {"api_key": "k-123456"},
    {"apiKey": "k-123456"},
    {"API-Key": "k-123456"},
    {"Authorization": "Bearer abcdefgh"},
    {"private_key": "-----BEGIN"},
    {"passwd": "hunter22"},
    {"auth": {"refresh_token": "r-123456"}},
    {"headers": [{"X-Access-Token": "abcdefgh"}]},
    {"base_url": "https://user:pa55word@api.example.com"},
    {"base_url": "https://api.example.com/?access_token=abcdefgh"},
]


@pytest.mark.parametrize("config", SECRETS, ids=lambda c: next(iter(c)))
def test_secret_looking_config_is_refused_on_every_path(desk, config):
    with pytest.raises(DeskError, match="credentials"):
        desk.upsert_shop(ADMIN, platform="ebay", external_id="s", name="S", config=config)
    record = {"type": "shop", "platform": "ebay", "external_id": "s", "name": "S", "config": config}
    report = import_jsonl(desk, ADMIN, io.BytesIO(orjson.dumps(record) + b"\n"))
    assert [n for n, _ in report.bad] == [1]
    assert desk.db.execute("SELECT count(*) FROM shops").fetchone()[0] == 0
    trail = orjson.dumps(desk.db.execute("SELECT * FROM audit").fetchall())
    out = io.BytesIO()
    export_jsonl(desk, ADMIN, out)
    for value in orjson.dumps(config).decode().split('"'):
        if len(value) >= 8 and value not in ("base_url", "headers"):
            assert value.encode() not in trail and value.encode() not in out.getvalue()


def test_plain_settings_still_go_in(desk):
    config = {"base_url": "https://api.sandbox.ebay.com", "page_size": 50, "token_url": "https://x/t"}
    desk.upsert_shop(ADMIN, platform="ebay", external_id="s", name="S", config=config)


def test_an_endpoint_change_needs_settings_and_is_audited(desk):
    desk.upsert_shop(ADMIN, platform="ebay", external_id="s", name="S", config={"base_url": "https://a"})
    with pytest.raises(PermissionDenied):
        desk.upsert_shop(Actor("ana", Role.AGENT), platform="ebay", external_id="s", name="S",
                         config={"base_url": "https://b"})  # fmt: skip
    desk.upsert_shop(ADMIN, platform="ebay", external_id="s", name="S", config={"base_url": "https://b"})
    [row] = desk.db.execute("SELECT before, after FROM audit WHERE action = 'shop.endpoint'").fetchall()
    assert "https://a" in row[0] and "https://b" in row[1]


def test_a_changed_base_url_does_not_get_the_token():
    with FakeEbay(orders=3) as home, FakeEbay(orders=3) as other:
        h = build("ebay", home)
        try:
            assert h.sync().ok
            token_seen = [r for r in home.requests if r.header("authorization")]
            assert token_seen, "the first sync authenticates at the host the token was issued for"
            record = {
                "type": "shop",
                "platform": "ebay",
                "external_id": h.shop_external_id,
                "name": "Acme ebay",
                "currency": "EUR",
                "config": {**orjson.loads(h.desk.db["shops"].get(h.shop_id)["config"]), "base_url": other.base_url},
            }
            report = import_jsonl(h.desk, ADMIN, io.BytesIO(orjson.dumps(record) + b"\n"))
            assert not report.bad
            with h.connections() as conn, pytest.raises(ConnectionError_, match="issued for"):
                conn.connector(h.desk.db["shops"].get(h.shop_id))
            refused = h.sync()
            assert "issued for" in refused.error and not refused.ok
            assert not [r for r in other.requests if r.header("authorization")], "token sent to the other host"
            assert not other.requests
            # the operator moves the shop on purpose: rebinding needs the settings permission, is audited
            with pytest.raises(PermissionDenied):
                h.desk.sync.rebind(Actor("ana", Role.AGENT), h.shop_id)
            h.desk.sync.rebind(ADMIN, h.shop_id)
            assert h.desk.db.execute("SELECT count(*) FROM audit WHERE action = 'shop.rebind'").fetchone()[0] == 1
            assert h.sync().ok
            assert [r for r in other.requests if r.header("authorization")]
        finally:
            h.desk.close()


def test_cli_sync_rebind(tmp_path):
    from click.testing import CliRunner

    from crossdesk.api import Desk
    from crossdesk.cli import cli

    path = tmp_path / "desk.db"
    d = Desk.open(path)
    d.upsert_shop(ADMIN, platform="ebay", external_id="s", name="S", config={"base_url": "http://127.0.0.1:9"})
    d.close()
    result = CliRunner().invoke(cli, ["sync-rebind", "--db", str(path), "s"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:9" in result.output
    d = Desk.open(path)
    assert d.db.execute("SELECT count(*) FROM audit WHERE action = 'shop.rebind'").fetchone()[0] == 1
    d.close()
    result = CliRunner().invoke(cli, ["sync-rebind", "--db", str(path), "nope"])
    assert result.exit_code != 0 and "Traceback" not in result.output
