"""A Shopee shop keeps syncing across several access-token lifetimes, the refresh token rotating each time
and stored in the vault before the spent one is forgotten; a crash during rotation loses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crossdesk.api import Desk
from crossdesk.fakes.marketplace import BASE_TIME
from crossdesk.fakes.shopee import FakeShopee
from crossdesk.models import Actor
from crossdesk.plugin_manager import plugins_manager
from crossdesk.testing import FixedClock
from crossdesk.vault import FileVault, entry_name

ADMIN = Actor.system("test")
KEY = "correct horse battery staple"
NO_FILE = Path("/nonexistent/crossdesk-credentials.toml")


class Setup:
    def __init__(self, tmp_path: Path, rotation_grace: bool = True) -> None:
        self.clock = FixedClock(BASE_TIME + 86400)
        self.fake = FakeShopee(clock=self.clock, rotation_grace=rotation_grace).__enter__()
        self.desk = Desk.memory(pm=plugins_manager(only=["platform_shopee"]), clock=self.clock)
        self.shop = str(self.fake.shop_id)
        self.desk.upsert_shop(
            ADMIN,
            platform="shopee",
            external_id=self.shop,
            name="Acme SG",
            currency="SGD",
            config={
                "base_url": self.fake.base_url,
                "initial_since": BASE_TIME - 20 * 86400,
                "retry_attempts": 2,
                "backoff": 0.001,
                "max_backoff": 0.01,
            },
        )
        self.vault = FileVault(tmp_path / "vault.bin", KEY)
        self.name = entry_name("shopee", self.shop)
        # what binding the shop left in the vault: a pair whose access token has just expired
        self.vault.put(
            self.name,
            {
                "partner_id": str(self.fake.partner_id),
                "partner_key": self.fake.partner_key,
                "access_token": "fake-shopee-at-expired",
                "refresh_token": self.fake.refresh_token,
                "access_token_expires_at": str(int(self.clock()) - 1),
            },
        )

    def sync(self, vault: Any = None) -> Any:
        with self.desk.sync.connections(env={}, credentials_path=NO_FILE, vault=vault or self.vault) as conn:
            [result] = self.desk.sync.engine(conn).run(platform="shopee")
        return result

    def close(self) -> None:
        self.desk.close()
        self.fake.__exit__(None, None, None)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    s = Setup(tmp_path)
    yield s
    s.close()


def test_syncs_across_several_token_lifetimes_rotating_each_time(setup: Setup) -> None:
    stored: list[str] = [setup.vault.get(setup.name)["refresh_token"]]
    for _ in range(4):
        result = setup.sync()
        assert result.ok, result.error or {k: r.error for k, r in result.resources.items()}
        entry = setup.vault.get(setup.name)
        stored.append(entry["refresh_token"])
        assert entry["access_token"] in setup.fake.access_tokens
        assert int(entry["access_token_expires_at"]) == int(setup.clock()) + FakeShopee.TOKEN_LIFETIME
        setup.clock.advance(FakeShopee.TOKEN_LIFETIME + 60)  # the access token is now dead
    # one renewal per lifetime, each spending the refresh token the previous one stored
    assert setup.fake.refreshes == stored[:-1]
    assert len(set(stored)) == len(stored) == 5
    assert stored[-1] == setup.fake.refresh_token
    assert setup.desk.db.execute("SELECT count(*) FROM orders").fetchone()[0] > 0
    # the database holds no token
    dump = "\n".join(setup.desk.db.iterdump())
    assert all(token not in dump for token in stored)


class CrashAfterAnswer(BaseException):
    """Like a SIGKILL, nothing in the desk catches it: the run ends there."""


class CrashingVault(FileVault):
    """Dies (once) between the provider's answer and the write, like a process killed at that moment."""

    crashes = 1

    def put(self, name: str, values: Any) -> None:
        if self.crashes and "refresh_token" in values:
            self.crashes -= 1
            raise CrashAfterAnswer
        super().put(name, values)


def test_crash_between_answer_and_store_then_rerun_works(setup: Setup, tmp_path: Path) -> None:
    spent = setup.vault.get(setup.name)["refresh_token"]
    crashing = CrashingVault(tmp_path / "vault.bin", KEY)
    with pytest.raises(CrashAfterAnswer):
        setup.sync(crashing)
    assert setup.vault.get(setup.name)["refresh_token"] == spent  # nothing written
    assert setup.fake.refresh_token != spent  # but the provider rotated
    rerun = setup.sync()
    assert rerun.ok, rerun.error
    assert setup.vault.get(setup.name)["refresh_token"] == setup.fake.refresh_token
    setup.clock.advance(FakeShopee.TOKEN_LIFETIME + 60)
    assert setup.sync().ok  # and the stored pair keeps working


def test_crash_inside_the_write_then_rerun_works(setup: Setup, tmp_path: Path) -> None:
    crashing = FileVault(tmp_path / "vault.bin", KEY)

    def die(tmp: Path) -> None:
        raise CrashAfterAnswer

    crashing._before_replace = die  # type: ignore[method-assign]
    with pytest.raises(CrashAfterAnswer):
        setup.sync(crashing)
    assert setup.sync().ok
    assert setup.vault.get(setup.name)["refresh_token"] == setup.fake.refresh_token


def test_without_a_grace_window_the_error_says_to_bind_again(tmp_path: Path) -> None:
    s = Setup(tmp_path, rotation_grace=False)
    try:
        with pytest.raises(CrashAfterAnswer):
            s.sync(CrashingVault(tmp_path / "vault.bin", KEY))
        rerun = s.sync()
        errors = rerun.error + " ".join(r.error for r in rerun.resources.values())
        assert "crossdesk shops add shopee" in errors
    finally:
        s.close()
