"""The settings screen binds a Shopify shop from a custom app's pasted admin token (no browser), attaches it
to the Judge.me reviews app through the same service as ``crossdesk reviews app`` (a first read against the
loopback fake, the token to the vault), and shows which shops have one; a refused token is shown, nothing
stored."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Select, Static

from crossdesk.fakes.judgeme import JudgemeFake
from crossdesk.fakes.shopify import FakeShopify
from crossdesk.tui.screens import SettingsScreen
from crossdesk.vault import MemoryVault
from tests.tui.test_settings import SIZE, _open_settings, _wait

pytestmark = pytest.mark.anyio


async def _click(pilot, settle, screen, selector: str) -> None:
    """Scroll the form to the button, as a user would, then click it."""
    screen.query_one(selector).scroll_visible(animate=False)
    await settle(pilot)
    await pilot.click(selector)


def _cells(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_bind_shopify_from_a_pasted_token_then_attach_judgeme(desk, make_app, settle, monkeypatch):
    monkeypatch.setattr("webbrowser.open", lambda *a, **k: pytest.fail("a pasted token needs no browser"))
    vault = MemoryVault()
    desk.onboarding._vault = vault
    desk.reputation.apps._vault = vault
    app = make_app(agent="root")
    with FakeShopify(orders=0) as shop, JudgemeFake(shop_domain="acme.myshopify.com") as judgeme:
        judgeme.add(1, "Arrived broken", email="buyer1@example.com")
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open_settings(app, pilot, settle)
            table = screen.query_one("#shops", DataTable)
            before = table.row_count
            await _wait(pilot, settle, lambda: "shopify" in screen.specs)
            screen.query_one("#platform", Select).value = "shopify"
            await _wait(pilot, settle, lambda: bool(screen.query("#opt-token")))
            token = screen.query_one("#opt-token", Input)
            assert token.password  # the pasted token is not shown as typed
            screen.query_one("#opt-shop", Input).value = "acme.myshopify.com"
            token.value = shop.access_token
            screen.query_one("#base-url", Input).value = shop.base_url
            await _click(pilot, settle, screen, "#bind")
            await _wait(pilot, settle, lambda: table.row_count == before + 1)
            assert "bound shopify shop" in str(screen.query_one("#status", Static).render())
            assert vault.get("shopify/acme.myshopify.com") == {"access_token": shop.access_token}
            [row] = [r for r in _cells(table) if r[2] == "acme.myshopify.com"]
            assert row[5] == "-"  # a Shopify shop without a reviews app yet

            # attach the reviews app: a wrong token first (said, nothing stored), then the right one
            await _wait(pilot, settle, lambda: "judgeme" in screen.review_specs)
            screen.query_one("#review-shop", Select).value = "acme.myshopify.com"
            screen.query_one("#review-app", Select).value = "judgeme"
            await _wait(pilot, settle, lambda: bool(screen.query("#review-opt-api_token")))
            api_token = screen.query_one("#review-opt-api_token", Input)
            assert api_token.password
            api_token.value = "jdgm-typo"
            screen.query_one("#review-base-url", Input).value = judgeme.base_url
            await _click(pilot, settle, screen, "#attach")
            await _wait(pilot, settle, lambda: not isinstance(app.screen, SettingsScreen))
            error = str(app.screen.query_one("#error-message").render())
            assert "api_token was refused" in error and "jdgm-typo" not in error
            await pilot.press("escape")
            await settle(pilot)
            assert vault.get("reviews/judgeme/shopify/acme.myshopify.com") is None
            api_token.value = judgeme.api_token
            await _click(pilot, settle, screen, "#attach")
            await _wait(
                pilot,
                settle,
                lambda: any(r[2] == "acme.myshopify.com" and r[5] == "judgeme" for r in _cells(table)),
            )
            assert "token in the vault" in str(screen.query_one("#review-status", Static).render())
    assert vault.get("reviews/judgeme/shopify/acme.myshopify.com")["api_token"] == judgeme.api_token
    assert judgeme.api_token not in "\n".join(desk.db.iterdump())
