"""Credentials: where they come from, and that they never reach a log line, an error or the database."""

from __future__ import annotations

import logging
import os
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossdesk import hookimpl
from crossdesk.api import Desk, DeskError
from crossdesk.fakes.server import Fault
from crossdesk.models import PlatformSpec
from crossdesk.plugin_manager import plugins_manager
from crossdesk.sync import CredentialsError, Secret, load_credentials, redact
from crossdesk.sync.secrets import check_no_secrets, env_names

from .conftest import _NO_FILE, ADMIN, Harness


def _everything_written(h: Harness) -> str:
    return "\n".join(h.desk.db.conn.iterdump())


def test_secrets_never_reach_logs_errors_or_the_database(
    shopee: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = [shopee.fake.access_token, shopee.fake.partner_key]
    assert shopee.sync().ok
    ticket_id = shopee.desk.db.execute("SELECT id FROM tickets LIMIT 1").fetchone()[0]
    shopee.desk.reply(ADMIN, ticket_id, "On its way")
    shopee.dispatch()
    # An error path too: a failure whose request URL carries the token.
    shopee.fake.inject(Fault.status(200, {"error": "error_param", "message": "bad"}))
    failed = shopee.sync()
    logged = caplog.text
    assert "HTTP Request" in logged  # httpx did log the URLs...
    assert "access_token=***" in logged  # ...and they were redacted, not merely absent
    stored = _everything_written(shopee)
    for secret in secrets:
        assert secret not in logged
        assert secret not in stored
        assert secret not in str(failed)


def test_secret_in_shop_config_is_refused(ebay: Harness) -> None:
    with pytest.raises(DeskError, match="the shop config would hold access_token") as err:
        ebay.set_config(access_token="v^1.1#i^1#do-not-store-me")
    assert "do-not-store-me" not in str(err.value)
    assert "do-not-store-me" not in _everything_written(ebay)  # neither the shop row nor an audit row
    # A config written some other way (by hand, by an older version) is refused when the shop is synced.
    ebay.desk.db.execute(
        "UPDATE shops SET config = ? WHERE id = ?", ['{"access_token": "v^1.1#do-not-use-me"}', ebay.shop_id]
    )
    result = ebay.sync()
    assert "move it to the environment or the credentials file" in result.error
    assert "do-not-use-me" not in result.error


def test_precedence_file_then_platform_env_then_shop_env(tmp_path: Path) -> None:
    file = tmp_path / "credentials.toml"
    file.write_text(
        '[amazon."A1PA6795UKMFR9"]\nclient_id = "from-file-id"\nclient_secret = "from-file-secret"\n'
        'refresh_token = "from-file-refresh"\n',
        encoding="utf-8",
    )
    os.chmod(file, 0o600)
    env = {
        "CROSSDESK_AMAZON_CLIENT_SECRET": "platform-wide-secret",
        "CROSSDESK_AMAZON_A1PA6795UKMFR9_REFRESH_TOKEN": "shop-refresh-token",
    }
    keys = ("client_id", "client_secret", "refresh_token")
    creds = load_credentials("amazon", "A1PA6795UKMFR9", keys=keys, env=env, path=file)
    assert creds == {
        "client_id": "from-file-id",
        "client_secret": "platform-wide-secret",
        "refresh_token": "shop-refresh-token",
    }
    assert all(isinstance(v, Secret) for v in creds.values())
    assert "shop-refresh-token" not in repr(creds)
    assert redact("token is shop-refresh-token ok") == "token is *** ok"


def test_unreadable_credentials_file_is_one_clear_error(tmp_path: Path) -> None:
    file = tmp_path / "credentials.toml"
    file.write_text("[amazon\n", encoding="utf-8")
    with pytest.raises(CredentialsError, match="cannot read credentials file"):
        load_credentials("amazon", "X", env={}, path=file)


@pytest.mark.parametrize(
    "text",
    [
        "GET https://x/api?partner_id=1&access_token=abcdef123456&sign=deadbeef99",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
        "headers={'x-amz-access-token': 'Atza|IwEBIA-long-token'}",
        '{"refresh_token": "Atzr|IwEBIF-refresh", "client_secret": "s3cr3t-value"}',
        "Authorization: IAF v^1.1#i^1#r^0#p^3#f^0#t^H4sI",
    ],
)
def test_redaction_patterns(text: str) -> None:
    clean = redact(text)
    for leaked in ("abcdef123456", "deadbeef99", "eyJhbGci", "Atza|", "Atzr|", "s3cr3t", "H4sI"):
        assert leaked not in clean


def test_check_no_secrets_allows_settings() -> None:
    check_no_secrets("ebay", "s", {"page_size": 5, "seller_username": "acme", "base_url": "http://x"})
    with pytest.raises(CredentialsError):
        check_no_secrets("shopee", "s", {"partner_key": "k"})


# The characters real tokens are made of (never "*", the mask itself).
_token = st.text(alphabet=string.ascii_letters + string.digits + "-_.|~+/=^#", min_size=8, max_size=40)


@settings(max_examples=150, deadline=None)
@given(secret=_token, before=st.text(max_size=30), after=st.text(max_size=30))
def test_a_registered_secret_never_survives_redaction(secret: str, before: str, after: str) -> None:
    from crossdesk.sync.secrets import REDACTOR

    REDACTOR.register(secret)
    assert secret not in redact(before + secret + after)


# ---- credentials of a third-party platform ----------------------------------------------------------


class _Souk:
    """A third-party connector that keeps the config it was given (and can fetch nothing)."""

    capabilities: frozenset[str] = frozenset()

    def __init__(self, config: dict, client: object) -> None:
        self.config = config
        self.token = config["api_token"]  # a KeyError when missing, as a plugin written in a hurry does


class _SoukPlugin:
    def __init__(self) -> None:
        self.built: list[_Souk] = []

    def factory(self, config: dict, client: object) -> _Souk:
        if config.get("api_token") == "explode":
            raise RuntimeError(f"login refused for secret {config['api_secret']}")
        connector = _Souk(config, client)
        self.built.append(connector)
        return connector

    @hookimpl
    def crossdesk_platforms(self) -> list[PlatformSpec]:
        keys = ("api_token", "api_secret", "login_name")
        return [PlatformSpec("souk-market", "Souk", self.factory, credentials=keys)]


@pytest.fixture
def souk() -> Iterator[tuple[Desk, _SoukPlugin]]:
    plugin = _SoukPlugin()
    desk = Desk.memory(pm=plugins_manager(load_entrypoints=False, extra=[plugin]))
    # A shop id with a dot and underscores: both become "_" in the variable name.
    desk.shops.upsert(ADMIN, platform="souk-market", external_id="acme_store.ma", name="Acme Souk")
    yield desk, plugin
    desk.close()


def test_env_names_are_exact() -> None:
    assert env_names("souk-market", "acme_store.ma", "api_token") == (
        "CROSSDESK_SOUK_MARKET_ACME_STORE_MA_API_TOKEN",
        "CROSSDESK_SOUK_MARKET_API_TOKEN",
    )


def test_third_party_platform_gets_declared_credentials_from_the_environment(
    souk: tuple[Desk, _SoukPlugin], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    desk, plugin = souk
    caplog.set_level(logging.DEBUG)
    file = tmp_path / "credentials.toml"
    file.write_text('[souk-market."acme_store.ma"]\nregion_key = "from-file-only"\n', encoding="utf-8")
    os.chmod(file, 0o600)
    env = {
        "CROSSDESK_SOUK_MARKET_API_TOKEN": "platform-wide-token-123",
        "CROSSDESK_SOUK_MARKET_ACME_STORE_MA_API_SECRET": "per-shop-secret-456",
        "CROSSDESK_SOUK_MARKET_UNDECLARED": "never-read-789",  # not declared: the environment is not scanned
    }
    with desk.sync.connections(env=env, credentials_path=file) as conn:
        [result] = desk.sync.engine(conn).run(platform="souk-market")
    assert result.ok and result.unsupported == ["orders", "messages", "returns"]
    config = plugin.built[0].config
    assert config["api_token"] == "platform-wide-token-123" and isinstance(config["api_token"], Secret)
    assert config["api_secret"] == "per-shop-secret-456"
    assert config["region_key"] == "from-file-only"  # a key of the file is passed on, declared or not
    assert "undeclared" not in config
    assert "platform-wide-token-123" not in repr(config) and "per-shop-secret-456" not in repr(config)
    stored = "\n".join(desk.db.conn.iterdump())
    for secret in ("platform-wide-token-123", "per-shop-secret-456", "from-file-only"):
        assert secret not in stored and secret not in caplog.text and secret not in str(result)


def test_per_shop_name_wins_over_the_platform_name(souk: tuple[Desk, _SoukPlugin]) -> None:
    desk, plugin = souk
    env = {
        "CROSSDESK_SOUK_MARKET_API_TOKEN": "platform-wide",
        "CROSSDESK_SOUK_MARKET_ACME_STORE_MA_API_TOKEN": "this-shop",
    }
    with desk.sync.connections(env=env, credentials_path=_NO_FILE) as conn:
        conn.connector(conn.shops("souk-market")[0])
    assert plugin.built[0].config["api_token"] == "this-shop"


def test_missing_credential_names_the_exact_variables(souk: tuple[Desk, _SoukPlugin]) -> None:
    desk, _ = souk
    with desk.sync.connections(env={}, credentials_path=_NO_FILE) as conn:
        [result] = desk.sync.engine(conn).run()
    assert result.error.startswith("souk-market connector: missing config key 'api_token'")
    assert "CROSSDESK_SOUK_MARKET_API_TOKEN, CROSSDESK_SOUK_MARKET_API_SECRET" in result.error
    assert "CROSSDESK_SOUK_MARKET_ACME_STORE_MA_API_TOKEN" in result.error


def test_a_factory_error_carrying_a_secret_is_redacted(souk: tuple[Desk, _SoukPlugin]) -> None:
    desk, _ = souk
    env = {"CROSSDESK_SOUK_MARKET_API_TOKEN": "explode", "CROSSDESK_SOUK_MARKET_API_SECRET": "hush-hush-1234"}
    with desk.sync.connections(env=env, credentials_path=_NO_FILE) as conn:
        [result] = desk.sync.engine(conn).run()
    assert result.error == "login refused for secret ***"


def test_a_declared_credential_in_the_shop_config_is_refused(souk: tuple[Desk, _SoukPlugin]) -> None:
    desk, _ = souk
    # A declared key is refused even when its name does not look secret.
    with pytest.raises(CredentialsError, match="holds login_name"):
        check_no_secrets("souk-market", "s", {"login_name": "acme", "page_size": 5}, keys=("login_name",))
    # A declared key that the platform plugin names, refused by the shop service before it is stored.
    with pytest.raises(DeskError, match="would hold login_name"):
        desk.shops.upsert(
            ADMIN,
            platform="souk-market",
            external_id="acme_store.ma",
            name="Acme",
            config={"login_name": "x"},
        )
    desk.db.execute("UPDATE shops SET config = ?", ['{"login_name": "acme"}'])
    with desk.sync.connections(env={}, credentials_path=_NO_FILE) as conn:
        [result] = desk.sync.engine(conn).run()
    assert "holds login_name; move it to the environment or the credentials file" in result.error


def test_credentials_from_a_private_source_are_secrets_too(souk: tuple[Desk, _SoukPlugin]) -> None:
    desk, plugin = souk
    with desk.sync.connections(credentials=lambda p, s: {"api_token": "private-source-token"}) as conn:
        conn.connector(conn.shops()[0])
    token = plugin.built[0].config["api_token"]
    assert isinstance(token, Secret) and redact("x private-source-token y") == "x *** y"
