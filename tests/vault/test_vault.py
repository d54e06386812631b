"""The vault: an encrypted file only its owner reads, written atomically; the keyring when one exists."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from crossdesk.vault import ENV_FILE, ENV_KEY, FileVault, KeyringVault, VaultError, open_vault

KEY = "correct horse battery staple"


def test_file_vault_round_trip_is_private_and_encrypted(tmp_path: Path) -> None:
    vault = FileVault(tmp_path / "vault.bin", KEY)
    vault.put("shopee/220011", {"refresh_token": "rt-secret-value-123", "access_token": "at-secret-456"})
    vault.put("ebay/acme", {"refresh_token": "v^1.1#ebay-refresh"})
    assert vault.get("shopee/220011") == {
        "refresh_token": "rt-secret-value-123",
        "access_token": "at-secret-456",
    }
    assert vault.names() == ["ebay/acme", "shopee/220011"]
    raw = (tmp_path / "vault.bin").read_bytes()
    assert b"rt-secret-value-123" not in raw and b"ebay-refresh" not in raw
    mode = stat.S_IMODE((tmp_path / "vault.bin").stat().st_mode)
    assert mode == 0o600
    # a second process (another instance) reads what the first wrote
    assert FileVault(tmp_path / "vault.bin", KEY).get("ebay/acme") == {"refresh_token": "v^1.1#ebay-refresh"}
    assert vault.delete("ebay/acme") and not vault.delete("ebay/acme")
    assert vault.names() == ["shopee/220011"]


def test_wrong_key_and_garbage_are_clear_errors(tmp_path: Path) -> None:
    FileVault(tmp_path / "vault.bin", KEY).put("a/b", {"x": "1"})
    with pytest.raises(VaultError, match="not the key it was written with"):
        FileVault(tmp_path / "vault.bin", "another passphrase entirely").get("a/b")
    (tmp_path / "junk.bin").write_bytes(b"not a vault")
    with pytest.raises(VaultError, match="not a crossdesk vault file"):
        FileVault(tmp_path / "junk.bin", KEY).get("a/b")
    with pytest.raises(VaultError, match="12 characters"):
        FileVault(tmp_path / "v.bin", "short")


def test_crash_before_replace_leaves_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "vault.bin"
    vault = FileVault(path, KEY)
    vault.put("shopee/1", {"refresh_token": "old-refresh-token"})
    before = path.read_bytes()

    class Crash(Exception):
        pass

    def crash(tmp: Path) -> None:
        assert tmp.exists() and tmp.read_bytes() != before  # the new content is fully on disk
        raise Crash

    vault._before_replace = crash  # type: ignore[method-assign]
    with pytest.raises(Crash):
        vault.put("shopee/1", {"refresh_token": "new-refresh-token"})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert FileVault(path, KEY).get("shopee/1") == {"refresh_token": "old-refresh-token"}


def test_open_vault_picks_the_file_with_a_key_and_says_what_to_do_without(tmp_path: Path) -> None:
    env = {ENV_KEY: KEY, ENV_FILE: str(tmp_path / "v.bin")}
    vault = open_vault(env)
    assert isinstance(vault, FileVault) and vault.path == tmp_path / "v.bin"
    import keyring

    if type(keyring.get_keyring()).__module__.startswith("keyring.backends.fail"):
        assert open_vault({}, required=False) is None
        with pytest.raises(VaultError, match=ENV_KEY):
            open_vault({})


def test_keyring_vault_over_a_keyring_backend() -> None:
    from keyring.backend import KeyringBackend

    class Dict(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            self.data: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.data.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.data[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            import keyring.errors

            if (service, username) not in self.data:
                raise keyring.errors.PasswordDeleteError(username)
            del self.data[(service, username)]

    backend = Dict()
    vault = KeyringVault(backend)
    vault.put("shopify/acme.myshopify.com", {"access_token": "shpat_123456"})
    assert vault.get("shopify/acme.myshopify.com") == {"access_token": "shpat_123456"}
    assert vault.names() == ["shopify/acme.myshopify.com"]
    assert vault.delete("shopify/acme.myshopify.com") and vault.names() == []
