"""desk.onboarding without the command line: --no-browser (the URL shown, the seller opens it), a
redirect with the wrong state, a seller who refuses, and the listener's one-shot answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from crossdesk.api import Desk
from crossdesk.errors import DeskError
from crossdesk.fakes.shopee import FakeShopee
from crossdesk.models import Actor
from crossdesk.onboarding import RedirectListener, ShopeeFlow
from crossdesk.onboarding.service import OnboardingService
from crossdesk.vault import MemoryVault

ADMIN = Actor.system("test")


@pytest.fixture
def desk() -> Iterator[Desk]:
    d = Desk.memory()
    yield d
    d.close()


def _follow(url: str) -> None:
    threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=10)).start()


def test_no_browser_shows_the_url_and_binds_when_the_seller_opens_it(desk: Desk) -> None:
    vault = MemoryVault()
    service = OnboardingService(desk.store, desk.shops, vault)
    shown: list[str] = []
    with FakeShopee() as fake:
        flow = ShopeeFlow(fake.partner_id, fake.partner_key, base_url=fake.base_url)

        def show(url: str) -> None:
            shown.append(url)
            _follow(url)

        result = service.bind(ADMIN, flow, show=show, open_browser=False, timeout=10)
    assert shown and "/api/v2/shop/auth_partner?" in shown[0] and "sign=" in shown[0]
    assert result.name == fake.shop_name and result.external_id == str(fake.shop_id)
    assert vault.get(f"shopee/{fake.shop_id}")["refresh_token"] == fake.refresh_token
    row = desk.db["shops"].get(result.shop_id)
    assert fake.refresh_token not in row["config"] and row["country"] == "SG"
    audit = [r["action"] for r in desk.store.rows("SELECT action FROM audit ORDER BY id")]
    assert "shop.create" in audit and "shop.bind" in audit


def test_a_forged_state_and_a_refusal_are_refused(desk: Desk) -> None:
    with FakeShopee() as fake:
        flow = ShopeeFlow(fake.partner_id, fake.partner_key, base_url=fake.base_url)
        with pytest.raises(DeskError, match="state does not match"):
            flow.finish(
                {"code": "x", "shop_id": "1", "state": "other"}, "http://127.0.0.1:1/callback", "mine"
            )
        with pytest.raises(DeskError, match="did not authorise"):
            flow.finish({"error": "access_denied"}, "http://127.0.0.1:1/callback", "mine")
        with pytest.raises(DeskError, match="Invalid code"):
            flow.finish({"code": "made-up", "shop_id": str(fake.shop_id), "state": "s"}, "", "s")


def test_listener_takes_one_callback_and_times_out_clearly() -> None:
    with RedirectListener() as listener:
        first = httpx.get(listener.url + "?code=abc&state=s")
        second = httpx.get(listener.url + "?code=evil&state=s")
        assert first.status_code == 200 and "close this tab" in first.text
        assert second.status_code == 404
        assert listener.wait(1) == {"code": "abc", "state": "s"}
        assert httpx.get(listener.url.replace("/callback", "/other")).status_code == 404
    with RedirectListener() as idle, pytest.raises(DeskError, match="no answer from the browser"):
        idle.wait(0.2)
