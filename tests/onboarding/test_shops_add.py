"""From an empty desk, ``crossdesk shops add`` completes each marketplace's consent through a real HTTP
redirect to the local listener (the test plays the browser with httpx) and ends with a shop that syncs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.fakes.ebay import FakeEbay
from crossdesk.fakes.shopee import FakeShopee
from crossdesk.fakes.shopify import FakeShopify
from crossdesk.vault import FileVault

KEY = "correct horse battery staple"
SINCE = "2025-11-20"


class Browser:
    """Stands in for the seller's browser: follows the consent page's redirect to the listener."""

    def __init__(self) -> None:
        self.visits: list[httpx.Response] = []
        self.threads: list[threading.Thread] = []

    def open(self, url: str, *args: Any, **kw: Any) -> bool:
        def go() -> None:
            with httpx.Client(follow_redirects=True, timeout=10) as client:
                self.visits.append(client.get(url))

        thread = threading.Thread(target=go)
        thread.start()
        self.threads.append(thread)
        return True


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("CROSSDESK_VAULT_KEY", KEY)
    monkeypatch.setenv("CROSSDESK_VAULT_FILE", str(tmp_path / "vault.bin"))
    monkeypatch.setenv("CROSSDESK_CREDENTIALS", str(tmp_path / "no-credentials.toml"))
    browser = Browser()
    monkeypatch.setattr("webbrowser.open", browser.open)
    db = tmp_path / "desk.db"
    runner = CliRunner()
    init = runner.invoke(cli, ["init", "--db", str(db)])
    assert init.exit_code == 0, init.output
    yield {"db": db, "browser": browser, "runner": runner, "vault": FileVault(tmp_path / "vault.bin", KEY)}


def _run(env: dict[str, Any], *args: str) -> Any:
    result = env["runner"].invoke(cli, [*args, "--db", str(env["db"])])
    assert result.exit_code == 0, result.output
    return result


def _synced(env: dict[str, Any], platform: str) -> None:
    result = _run(env, "sync", "--platform", platform, "--pull-only")
    assert "error" not in result.output.lower(), result.output
    desk = Desk.open(env["db"])
    try:
        orders = desk.db.execute("SELECT count(*) FROM orders").fetchone()[0]
        tickets = desk.db.execute("SELECT count(*) FROM tickets").fetchone()[0]
        dump = "\n".join(desk.db.iterdump())
    finally:
        desk.close()
    assert orders > 0
    assert tickets > 0 or platform == "shopify"  # Shopify's API carries no buyer messages
    entry = env["vault"].names()
    assert len(entry) == 1
    for value in env["vault"].get(entry[0]).values():
        if len(value) > 12:
            assert value not in dump  # the database holds no secret


def test_ebay_from_empty_desk_to_a_syncing_shop(env: dict[str, Any]) -> None:
    with FakeEbay() as fake:
        out = _run(
            env,
            "shops",
            "add",
            "ebay",
            "--client-id",
            fake.client_id,
            "--client-secret",
            fake.client_secret,
            "--base-url",
            fake.base_url,
            "--since",
            SINCE,
        ).output
        assert "/oauth2/authorize?" in out and f"bound ebay shop '{fake.seller}'" in out
        assert env["browser"].visits[0].status_code == 200  # the listener answered the redirected browser
        assert env["browser"].visits[0].url.host == "127.0.0.1"
        grants = [r.form()["grant_type"][0] for r in fake.requests_to("/identity/v1/oauth2/token")]
        assert grants == ["authorization_code"]
        assert env["vault"].get(f"ebay/{fake.seller}")["refresh_token"] == fake.refresh_token
        _synced(env, "ebay")
        listed = _run(env, "shops", "list").output
        assert fake.seller in listed and "tokens in vault" in listed
        assert "read" in _run(env, "shops", "test", fake.seller).output


def test_shopify_install_flow_verifies_hmac_and_syncs(env: dict[str, Any]) -> None:
    with FakeShopify() as fake:
        out = _run(
            env,
            "shops",
            "add",
            "shopify",
            "--shop",
            fake.domain,
            "--api-key",
            fake.api_key,
            "--api-secret",
            fake.api_secret,
            "--base-url",
            fake.base_url,
            "--since",
            SINCE,
        ).output
        assert f"bound shopify shop '{fake.shop_name}'" in out and "missing" not in out
        assert env["vault"].get(f"shopify/{fake.domain}") == {"access_token": fake.access_token}
        _synced(env, "shopify")


def test_shopify_missing_scope_is_said_and_a_forged_callback_refused(env: dict[str, Any]) -> None:
    with FakeShopify() as fake:
        fake.withheld = {"write_returns"}
        args = [
            "shops",
            "add",
            "shopify",
            "--shop",
            fake.domain,
            "--api-key",
            fake.api_key,
            "--base-url",
            fake.base_url,
        ]
        forged = env["runner"].invoke(
            cli, [*args, "--api-secret", "not-the-app-secret", "--db", str(env["db"])]
        )
        assert forged.exit_code == 1 and "hmac does not verify" in forged.output
        assert env["vault"].names() == [] and not fake.requests_to("/admin/oauth/access_token")
        out = _run(env, *args, "--api-secret", fake.api_secret).output
        assert "missing permissions: write_returns" in out


def test_shopify_pasted_custom_app_token(env: dict[str, Any]) -> None:
    with FakeShopify() as fake:
        bad = env["runner"].invoke(
            cli,
            [
                "shops",
                "add",
                "shopify",
                "--shop",
                fake.domain,
                "--token",
                "shpat_wrong",
                "--base-url",
                fake.base_url,
                "--db",
                str(env["db"]),
            ],
        )
        assert bad.exit_code == 1 and "refused the token" in bad.output
        out = _run(
            env,
            "shops",
            "add",
            "shopify",
            "--shop",
            fake.domain,
            "--token",
            fake.access_token,
            "--base-url",
            fake.base_url,
            "--since",
            SINCE,
        ).output
        assert "bound shopify shop" in out and env["browser"].visits == []
        _synced(env, "shopify")


def test_shopee_partner_link_code_exchange_and_sync(env: dict[str, Any]) -> None:
    with FakeShopee() as fake:
        out = _run(
            env,
            "shops",
            "add",
            "shopee",
            "--partner-id",
            str(fake.partner_id),
            "--partner-key",
            fake.partner_key,
            "--base-url",
            fake.base_url,
            "--since",
            SINCE,
        ).output
        assert f"bound shopee shop '{fake.shop_name}' ({fake.shop_id})" in out
        entry = env["vault"].get(f"shopee/{fake.shop_id}")
        assert entry["refresh_token"] == fake.refresh_token and entry["access_token"] in fake.access_tokens
        _synced(env, "shopee")
        assert "Acme Gadgets SG" in _run(env, "shops", "test", str(fake.shop_id)).output
        removed = _run(env, "shops", "remove", str(fake.shop_id)).output
        assert "tokens removed" in removed and env["vault"].names() == []
        assert "no tokens in vault" in _run(env, "shops", "list").output


def test_without_a_vault_add_refuses_before_the_consent(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CROSSDESK_VAULT_KEY")
    import keyring

    if not type(keyring.get_keyring()).__module__.startswith("keyring.backends.fail"):
        pytest.skip("this machine has a system keyring")  # the refusal path exists only without one
    result = env["runner"].invoke(
        cli,
        ["shops", "add", "shopee", "--partner-id", "1", "--partner-key", "k" * 20, "--db", str(env["db"])],
    )
    assert result.exit_code == 1 and "CROSSDESK_VAULT_KEY" in result.output
    assert env["browser"].visits == []
