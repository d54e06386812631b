"""Credentials: where they come from, and that they never reach a log line, an error or the database."""

from __future__ import annotations

import logging
import os
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossdesk.fakes.server import Fault
from crossdesk.sync import CredentialsError, Secret, load_credentials, redact
from crossdesk.sync.secrets import check_no_secrets

from .conftest import ADMIN, Harness


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
    ebay.set_config(access_token="v^1.1#i^1#do-not-store-me")
    result = ebay.sync()
    assert "move it to the environment or the credentials file" in result.error
    assert "do-not-store-me" not in result.error


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
    creds = load_credentials("amazon", "A1PA6795UKMFR9", env=env, path=file)
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
