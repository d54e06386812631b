"""``crossdesk mail import`` and ``crossdesk export`` on a desk file: messages carry ``channel: "email"``
and their attachment metadata; files land beside the desk; a second import adds nothing."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from tests.mail.conftest import ADMIN
from tests.mail.corpus import corpus


@pytest.fixture
def desk_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CROSSDESK_FILES", raising=False)
    monkeypatch.setenv("CROSSDESK_CREDENTIALS", str(tmp_path / "none.toml"))
    path = tmp_path / "desk.db"
    desk = Desk.open(path)
    desk.upsert_shop(ADMIN, platform="shopify", external_id="acme.myshopify.com", name="Acme Shop")
    desk.close()
    folder = tmp_path / "mails"
    folder.mkdir()
    for mail in corpus():
        if mail.shop == "shopify":
            (folder / f"{mail.name}.eml").write_bytes(mail.raw)
    return path


def test_import_then_export_shows_channel_and_attachments(desk_file: Path, tmp_path: Path):
    runner = CliRunner()
    args = ["mail", "import", str(tmp_path / "mails"), "--shop", "Acme Shop", "--db", str(desk_file)]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "buyer" in first.output and "bounce" in first.output and "tickets" in first.output
    again = runner.invoke(cli, args)
    assert again.exit_code == 0 and "duplicate" in again.output and "buyer" not in again.output
    out = tmp_path / "export.jsonl"
    exported = runner.invoke(cli, ["export", "--out", str(out), "--db", str(desk_file)])
    assert exported.exit_code == 0, exported.output
    records = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    messages = [r for r in records if r["type"] == "message"]
    assert messages and all(m.get("channel") == "email" for m in messages)
    with_files = [m for m in messages if m.get("attachments")]
    assert with_files
    meta = with_files[0]["attachments"][0]
    assert set(meta) >= {"filename", "sniffed_type", "size", "sha256"}
    assert (tmp_path / "desk.db.files" / "attachments" / meta["sha256"][:2] / meta["sha256"]).exists()


def test_import_to_unknown_shop_is_one_line(desk_file: Path, tmp_path: Path):
    result = CliRunner().invoke(
        cli, ["mail", "import", str(tmp_path / "mails"), "--shop", "nope", "--db", str(desk_file)]
    )
    assert result.exit_code == 1 and "no shop 'nope'" in result.output


def test_add_list_test_poll_and_sync_against_pymap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from tests.mail.servers import pymap_server

    monkeypatch.setenv("CROSSDESK_CREDENTIALS", str(tmp_path / "none.toml"))
    path = tmp_path / "desk.db"
    desk = Desk.open(path)
    desk.upsert_shop(ADMIN, platform="own", external_id="acme-web", name="Acme Web")
    desk.close()
    runner = CliRunner()
    db = ["--db", str(path)]
    with pymap_server() as imap:
        imap.append("Support", *[m.raw for m in corpus() if m.shop == "shopify"][:4])
        added = runner.invoke(
            cli,
            [
                "mail",
                "add",
                "web",
                "--shop",
                "acme-web",
                "--address",
                imap.user,
                "--imap-host",
                imap.host,
                "--imap-port",
                str(imap.port),
                "--imap-security",
                "none",
                "--folder",
                "Support",
                *db,
            ],
        )
        assert added.exit_code == 0, added.output
        listed = runner.invoke(cli, ["mail", "list", *db])
        assert "web" in listed.output and imap.password not in listed.output
        missing = runner.invoke(cli, ["mail", "test", "web", *db])
        assert missing.exit_code == 1 and "CROSSDESK_MAIL_WEB_PASSWORD" in missing.output
        monkeypatch.setenv("CROSSDESK_MAIL_WEB_PASSWORD", imap.password)
        tested = runner.invoke(cli, ["mail", "test", "web", *db])
        assert tested.exit_code == 0 and "IMAP: ok: Support: 4 messages" in tested.output, tested.output
        polled = runner.invoke(cli, ["mail", "poll", *db])
        assert polled.exit_code == 0 and "4 fetched" in polled.output, polled.output
        imap.append("Support", *[m.raw for m in corpus() if m.shop == "shopify"][4:6])
        synced = runner.invoke(cli, ["sync", "--pull-only", *db])
        assert synced.exit_code == 0, synced.output
        assert "mail web Support: 2 fetched" in synced.output
    desk = Desk.open(path)
    assert desk.db.execute("SELECT COUNT(*) FROM mail_messages").fetchone()[0] == 6
    assert "app-password" not in str(desk.db.execute("SELECT * FROM mail_accounts").fetchall())
    desk.close()
