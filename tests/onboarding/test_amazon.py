"""``crossdesk shops add amazon``: Seller Central consent through a real HTTP redirect to the listener, the
LWA code exchange, the first read (marketplaces and store name), a missing role said on its own line, and
the shop's mail account bound in the same run (logged in to loopback IMAP and SMTP servers, its password in
the vault, never in the database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.errors import DeskError
from crossdesk.fakes.amazon import FakeAmazon
from crossdesk.onboarding import AmazonFlow
from crossdesk.vault import FileVault
from tests.mail.servers import pymap_server, smtp_server
from tests.onboarding.test_shops_add import KEY, SINCE, Browser

MAILBOX = "seller@acme-shop.example"
MAIL_PASSWORD = "app-password-123"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("CROSSDESK_VAULT_KEY", KEY)
    monkeypatch.setenv("CROSSDESK_VAULT_FILE", str(tmp_path / "vault.bin"))
    monkeypatch.setenv("CROSSDESK_CREDENTIALS", str(tmp_path / "no-credentials.toml"))
    monkeypatch.delenv("CROSSDESK_AMAZON_MAIL_PASSWORD", raising=False)
    browser = Browser()
    monkeypatch.setattr("webbrowser.open", browser.open)
    db = tmp_path / "desk.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--db", str(db)]).exit_code == 0
    yield {"db": db, "browser": browser, "runner": runner, "vault": FileVault(tmp_path / "vault.bin", KEY)}


def _args(fake: FakeAmazon, *more: str) -> list[str]:
    return [
        "shops",
        "add",
        "amazon",
        "-o",
        f"application_id={fake.application_id}",
        "-o",
        f"lwa_client_id={fake.client_id}",
        "-o",
        f"lwa_client_secret={fake.client_secret}",
        "-o",
        "draft=yes",
        "--base-url",
        fake.base_url,
        "--since",
        SINCE,
        *more,
    ]


def _invoke(env: dict[str, Any], args: list[str], stdin: str | None = None) -> Any:
    return env["runner"].invoke(cli, [*args, "--db", str(env["db"])], input=stdin)


def _rows(env: dict[str, Any], sql: str) -> list[tuple]:
    desk = Desk.open(env["db"])
    try:
        return [tuple(r) for r in desk.db.execute(sql).fetchall()]
    finally:
        desk.close()


def test_amazon_consent_code_exchange_first_read_mail_account_and_sync(env: dict[str, Any]) -> None:
    with (
        FakeAmazon() as fake,
        pymap_server(MAILBOX, MAIL_PASSWORD) as imap,
        smtp_server(MAILBOX, MAIL_PASSWORD) as (_, smtp_port),
    ):
        mail = [
            "-o",
            f"mail_address={MAILBOX}",
            "-o",
            f"mail_imap_host={imap.host}",
            "-o",
            f"mail_imap_port={imap.port}",
            "-o",
            "mail_imap_security=none",
            "-o",
            "mail_smtp_host=127.0.0.1",
            "-o",
            f"mail_smtp_port={smtp_port}",
            "-o",
            "mail_smtp_security=none",
        ]
        result = _invoke(env, _args(fake, *mail), stdin=MAIL_PASSWORD + "\n")
        assert result.exit_code == 0, result.output
        out = result.output
        assert "/apps/authorize/consent?" in out and "version=beta" in out
        shop_id = f"{fake.selling_partner_id}:{fake.marketplace_id}"
        assert f"bound amazon shop '{fake.store_name}' ({shop_id})" in out
        assert f"mail account '{MAILBOX}' bound" in out and "missing" not in out
        visit = env["browser"].visits[0]
        assert visit.status_code == 200 and visit.url.host == "127.0.0.1"
        assert "spapi_oauth_code" in str(visit.url)  # the real redirect reached the listener
        grants = [r.form()["grant_type"][0] for r in fake.requests_to("/auth/o2/token")]
        assert grants[0] == "authorization_code"
        stored = env["vault"].get(f"amazon/{shop_id}")
        assert stored == fake.credentials()
        assert env["vault"].get(f"mail/{MAILBOX}") == {"password": MAIL_PASSWORD}
        shop = _rows(env, "SELECT platform, name, marketplace, country, currency FROM shops")
        assert shop == [("amazon", fake.store_name, fake.marketplace_id, "DE", "EUR")]
        accounts = _rows(env, "SELECT name, address, imap_port, smtp_port FROM mail_accounts")
        assert accounts == [(MAILBOX, MAILBOX, imap.port, smtp_port)]
        # the mail channel finds the password in the vault: its own test logs in to both servers
        checked = _invoke(env, ["mail", "test", MAILBOX])
        assert checked.exit_code == 0, checked.output
        assert "IMAP: ok" in checked.output and "SMTP: ok" in checked.output
        synced = _invoke(env, ["sync", "--platform", "amazon", "--pull-only"])
        assert synced.exit_code == 0 and "error" not in synced.output.lower(), synced.output
        assert _rows(env, "SELECT count(*) FROM orders")[0][0] == len(fake.orders)
        tested = _invoke(env, ["shops", "test", shop_id])
        assert tested.exit_code == 0 and f"amazon shop {shop_id}: read" in tested.output, tested.output
        desk = Desk.open(env["db"])
        try:
            dump = "\n".join(desk.db.iterdump())
        finally:
            desk.close()
        for secret in (MAIL_PASSWORD, fake.client_secret, fake.refresh_token):
            assert secret not in dump


@pytest.mark.parametrize("role", ["Inventory and Order Tracking", "Buyer Communication"])
def test_a_missing_role_is_said_on_its_own_line(env: dict[str, Any], role: str) -> None:
    with FakeAmazon() as fake:
        fake.withheld_roles = {role}
        result = _invoke(env, _args(fake))
        assert result.exit_code == 0, result.output
        [line] = [x for x in result.output.splitlines() if x.startswith("missing permissions")]
        assert f"SP-API role '{role}'" in line
        assert len(line.split("SP-API role")) == 2  # only the role withheld is named


def test_without_the_sellers_api_role_nothing_is_stored(env: dict[str, Any]) -> None:
    with FakeAmazon() as fake:
        fake.withheld_roles = {"Finance and Accounting"}
        result = _invoke(env, _args(fake))
        assert result.exit_code != 0 and "Traceback" not in result.output
        assert "lacks the SP-API role 'Finance and Accounting'" in result.output
        assert _rows(env, "SELECT count(*) FROM shops")[0][0] == 0
        assert env["vault"].names() == []


def test_a_wrong_mail_password_stops_before_the_seller_consents(env: dict[str, Any]) -> None:
    with FakeAmazon() as fake, pymap_server(MAILBOX, MAIL_PASSWORD) as imap:
        mail = [
            "-o",
            f"mail_address={MAILBOX}",
            "-o",
            f"mail_imap_host={imap.host}",
            "-o",
            f"mail_imap_port={imap.port}",
            "-o",
            "mail_imap_security=none",
        ]
        result = _invoke(env, _args(fake, *mail), stdin="not-the-password\n")
        assert result.exit_code != 0
        assert "Traceback" not in result.output and f"mail account {MAILBOX}: IMAP" in result.output
        assert fake.requests_to("/apps/authorize/consent") == []
        assert env["browser"].visits == []
        assert _rows(env, "SELECT count(*) FROM shops")[0][0] == 0
        assert env["vault"].names() == []


def test_a_refused_consent_and_a_forged_state_store_nothing(env: dict[str, Any]) -> None:
    with FakeAmazon() as fake:
        fake.consent_denied = True
        result = _invoke(env, _args(fake))
        assert result.exit_code != 0 and "did not authorise: access_denied" in result.output
        assert _rows(env, "SELECT count(*) FROM shops")[0][0] == 0
        flow = AmazonFlow(fake.application_id, fake.client_id, fake.client_secret, base_url=fake.base_url)
        params = {"state": "other", "spapi_oauth_code": "x", "selling_partner_id": "A1"}
        with pytest.raises(DeskError, match="state does not match"):
            flow.finish(params, "http://127.0.0.1:1/callback", "mine")
        assert fake.requests_to("/auth/o2/token") == []


def test_bad_options_get_one_line(env: dict[str, Any]) -> None:
    missing = _invoke(env, ["shops", "add", "amazon", "-o", "application_id=amzn1.sp.solution.x"])
    assert missing.exit_code != 0
    assert "-o lwa_client_id=... (or CROSSDESK_AMAZON_CLIENT_ID)" in missing.output
    assert "Traceback" not in missing.output
    typo = _invoke(env, ["shops", "add", "amazon", "-o", "aplication_id=x"])
    assert typo.exit_code != 0 and "has no option aplication_id" in typo.output
    syntax = _invoke(env, ["shops", "add", "amazon", "-o", "application_id"])
    assert syntax.exit_code != 0 and "expected NAME=VALUE" in syntax.output
    unknown = _invoke(env, ["shops", "add", "etsy"])
    assert unknown.exit_code != 0 and "no binding flow for 'etsy'" in unknown.output
    with pytest.raises(DeskError, match="not an SP-API application id"):
        AmazonFlow("app-1", "c", "s")


def test_the_consent_url_of_a_published_app_has_no_beta() -> None:
    flow = AmazonFlow(
        "amzn1.sp.solution.abc", "cid", "secret", consent_base="https://sellercentral.amazon.de"
    )
    url = flow.consent_url("http://127.0.0.1:5000/callback", "st")
    assert url.startswith("https://sellercentral.amazon.de/apps/authorize/consent?")
    assert "application_id=amzn1.sp.solution.abc" in url and "state=st" in url and "version" not in url
    assert "version=beta" in AmazonFlow("amzn1.sp.solution.abc", "c", "s", draft=True).consent_url("u", "s")


def test_every_marketplace_of_the_seller_bound_in_one_consent(env: dict[str, Any]) -> None:
    """``-o marketplace=all``: one consent, one refresh token, a shop per marketplace the seller sells on,
    each syncing its own marketplace's orders."""
    with FakeAmazon() as fake:
        fake.marketplaces.append(("A13V1IB3VIYZZH", "FR", "Amazon.fr", "EUR", "fr_FR", "www.amazon.fr"))
        result = _invoke(env, _args(fake, "-o", "marketplace=all"))
        assert result.exit_code == 0, result.output
        assert len(env["browser"].visits) == 1 and len(fake.requests_to("/apps/authorize/consent")) == 1
        bound = [line for line in result.output.splitlines() if line.startswith("bound amazon shop")]
        assert len(bound) == 2, result.output
        shops = _rows(env, "SELECT external_id, marketplace, country FROM shops ORDER BY id")
        partner = fake.selling_partner_id
        assert shops == [
            (f"{partner}:{fake.marketplace_id}", fake.marketplace_id, "DE"),
            (f"{partner}:A13V1IB3VIYZZH", "A13V1IB3VIYZZH", "FR"),
        ]
        for external_id, _, _ in shops:
            assert env["vault"].get(f"amazon/{external_id}") == fake.credentials()
        synced = _invoke(env, ["sync", "--platform", "amazon", "--pull-only"])
        assert synced.exit_code == 0 and "error" not in synced.output.lower(), synced.output
        per_shop = _rows(
            env,
            "SELECT s.marketplace, count(o.id) FROM shops s LEFT JOIN orders o ON o.shop_id = s.id "
            "GROUP BY s.id ORDER BY s.id",
        )
        assert per_shop == [(fake.marketplace_id, len(fake.orders)), ("A13V1IB3VIYZZH", 0)]
        wrong = _invoke(env, _args(fake, "-o", "marketplace=A1F83G8C2ARO7P"))
        assert wrong.exit_code != 0 and "does not sell on A1F83G8C2ARO7P" in wrong.output
        assert "A13V1IB3VIYZZH" in wrong.output
