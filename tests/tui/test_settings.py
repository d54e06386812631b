"""The settings screen binds a shop through the same onboarding service as ``crossdesk shops add``: the
Pilot picks Shopee, fills the form, presses Bind; the consent URL is shown, the "browser" follows the
fake's real redirect to the listener, and the new shop appears in the table with its tokens in the vault."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from textual.widgets import DataTable, Input, Select, Static

from crossdesk.fakes.shopee import FakeShopee
from crossdesk.tui.screens import DashboardScreen, SettingsScreen
from crossdesk.vault import MemoryVault

pytestmark = pytest.mark.anyio
SIZE = (120, 50)


class Browser:
    def __init__(self) -> None:
        self.visits: list[httpx.Response] = []

    def open(self, url: str, *args: Any, **kw: Any) -> bool:
        def go() -> None:
            with httpx.Client(follow_redirects=True, timeout=10) as client:
                self.visits.append(client.get(url))

        threading.Thread(target=go).start()
        return True


async def _wait(pilot, settle, condition, rounds: int = 60) -> None:
    for _ in range(rounds):
        await settle(pilot)
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError("the screen never got there")


async def _open_settings(app, pilot, settle) -> SettingsScreen:
    await settle(pilot)
    await pilot.press("d")
    await settle(pilot)
    assert isinstance(app.screen, DashboardScreen)
    await pilot.press("s")
    await settle(pilot)
    assert isinstance(app.screen, SettingsScreen)
    return app.screen


async def test_bind_a_shopee_shop_from_the_settings_screen(desk, make_app, settle, monkeypatch):
    browser = Browser()
    monkeypatch.setattr("webbrowser.open", browser.open)
    vault = MemoryVault()
    desk.onboarding._vault = vault
    before = desk.db.execute("SELECT count(*) FROM shops").fetchone()[0]
    app = make_app(agent="root")  # binding needs manage_settings
    with FakeShopee() as fake:
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open_settings(app, pilot, settle)
            table = screen.query_one("#shops", DataTable)
            assert table.row_count == before  # the seeded desk's shops, listed
            await _wait(pilot, settle, lambda: "shopee" in screen.specs)
            screen.query_one("#platform", Select).value = "shopee"
            await _wait(pilot, settle, lambda: bool(screen.query("#opt-partner_key")))
            key = screen.query_one("#opt-partner_key", Input)
            assert key.password  # a secret is not shown as typed
            screen.query_one("#opt-partner_id", Input).value = str(fake.partner_id)
            key.value = fake.partner_key
            screen.query_one("#base-url", Input).value = fake.base_url
            await pilot.click("#bind")
            await _wait(pilot, settle, lambda: table.row_count == before + 1)
            status = str(screen.query_one("#status", Static).render())
            assert "bound shopee shop" in status
            assert browser.visits and browser.visits[0].url.host == "127.0.0.1"
    row = desk.db.execute(
        "SELECT external_id FROM shops WHERE platform = 'shopee' ORDER BY id DESC"
    ).fetchone()
    entry = vault.get(f"shopee/{row[0]}")
    assert entry is not None and entry["refresh_token"] and entry["partner_key"] == fake.partner_key
    assert fake.partner_key not in "\n".join(desk.db.iterdump())


async def test_a_missing_option_is_shown_and_nothing_bound(desk, make_app, settle, monkeypatch):
    monkeypatch.setattr("webbrowser.open", lambda *a, **k: pytest.fail("no consent without the options"))
    monkeypatch.delenv("CROSSDESK_SHOPEE_PARTNER_KEY", raising=False)
    desk.onboarding._vault = MemoryVault()
    before = desk.db.execute("SELECT count(*) FROM shops").fetchone()[0]
    app = make_app(agent="root")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot, settle)
        await _wait(pilot, settle, lambda: "shopee" in screen.specs)
        screen.query_one("#platform", Select).value = "shopee"
        await _wait(pilot, settle, lambda: bool(screen.query("#opt-partner_id")))
        screen.query_one("#opt-partner_id", Input).value = "2001"
        await pilot.click("#bind")
        await _wait(pilot, settle, lambda: not isinstance(app.screen, SettingsScreen))
        assert "needs -o partner_key" in str(app.screen.query_one("#error-message").render())
    assert desk.db.execute("SELECT count(*) FROM shops").fetchone()[0] == before


async def test_an_agent_is_not_offered_the_settings(desk, make_app, settle):
    app = make_app(agent="sam")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert app.screen.check_action("settings", ()) is False


def test_settings_snapshot(snap_compare, make_app, desk):
    desk.onboarding._vault = MemoryVault()

    async def until(pilot, condition) -> None:
        # A loaded CI machine may need many rounds for the thread workers' messages and the mounts.
        for _ in range(200):
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
            if condition():
                return
            await pilot.pause(0.05)
        raise AssertionError("the settings screen never settled")

    async def open_settings(pilot):
        screen = SettingsScreen(open_browser=False)
        pilot.app.push_screen(screen)
        await until(
            pilot, lambda: "amazon" in screen.specs and screen.query_one("#shops", DataTable).row_count
        )
        screen.query_one("#platform", Select).value = "amazon"
        await until(pilot, lambda: bool(screen.query("#fields Input")))
        for _ in range(3):
            await pilot.pause()

    assert snap_compare(make_app(agent="root"), terminal_size=(120, 50), run_before=open_settings)
