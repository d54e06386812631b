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
