"""``crossdesk_binding_flows``: a third-party plugin's flow (its own marketplace on a loopback fake, with a
consent page that redirects to the listener) is bound by the same onboarding service as the built-in ones;
Amazon's own flow arrives through the same hook."""

from __future__ import annotations

import secrets
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest

from crossdesk import hookimpl
from crossdesk.api import Desk
from crossdesk.errors import DeskError
from crossdesk.fakes.server import FakeRequest, FakeResponse, FakeServer
from crossdesk.models import Actor, BindingFlowSpec, FlowOption
from crossdesk.onboarding.flows import Bound
from crossdesk.plugin_manager import plugins_manager
from crossdesk.vault import MemoryVault

ADMIN = Actor.system("test")


class FakeSouk(FakeServer):
    """A marketplace with an OAuth consent page, a token endpoint and a ``/me`` first read."""

    def __init__(self) -> None:
        super().__init__("souk")
        self.codes: dict[str, str] = {}
        self.token = "souk-" + secrets.token_urlsafe(12)
        self.add_route("GET", "/authorize", self.authorize)
        self.add_route("POST", "/token", self.exchange)
        self.add_route("GET", "/me", self.me)

    def authorize(self, req: FakeRequest) -> FakeResponse:
        code = secrets.token_urlsafe(8)
        self.codes[code] = req.arg("redirect_uri") or ""
        query = urllib.parse.urlencode({"code": code, "state": req.arg("state") or ""})
        return FakeResponse(status=302, headers={"Location": f"{req.arg('redirect_uri')}?{query}"})

    def exchange(self, req: FakeRequest) -> FakeResponse:
        form = {k: v[0] for k, v in req.form().items()}
        if self.codes.pop(form.get("code", ""), None) != form.get("redirect_uri"):
            return FakeResponse.json({"error": "invalid_grant"}, status=400)
        return FakeResponse.json({"access_token": self.token})

    def me(self, req: FakeRequest) -> FakeResponse:
        if req.header("authorization") != f"Bearer {self.token}":
            return FakeResponse.json({"error": "unauthorized"}, status=401)
        return FakeResponse.json({"login": "acme-ma", "name": "Acme Maroc", "currency": "MAD"})


class SoukFlow:
    platform = "souk"

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.base = str(options["base_url"])
        self.client_id = str(options["client_id"])

    def consent_url(self, redirect_uri: str, state: str) -> str:
        query = urllib.parse.urlencode(
            {"client_id": self.client_id, "redirect_uri": redirect_uri, "state": state}
        )
        return f"{self.base}/authorize?{query}"

    def finish(self, params: Mapping[str, str], redirect_uri: str, state: str) -> Bound:
        if params.get("state") != state:
            raise DeskError("state mismatch")
        token = httpx.post(f"{self.base}/token", data={"code": params["code"], "redirect_uri": redirect_uri})
        access = token.json()["access_token"]
        me = httpx.get(f"{self.base}/me", headers={"Authorization": f"Bearer {access}"}).json()
        return Bound("souk", me["login"], me["name"], {"token": access}, currency=me["currency"])


class SoukPlugin:
    @hookimpl
    def crossdesk_binding_flows(self) -> list[BindingFlowSpec]:
        options = (FlowOption("client_id", "the app's id", True, "CROSSDESK_SOUK_CLIENT_ID"),)
        return [BindingFlowSpec("souk", "Souk", SoukFlow, options)]


class Hijacker:
    """A second plugin naming amazon: refused, naming both, rather than left to the load order."""

    @hookimpl
    def crossdesk_binding_flows(self) -> list[BindingFlowSpec]:
        return [BindingFlowSpec("amazon", "not Amazon", lambda options: None)]


@pytest.fixture
def desk() -> Iterator[Desk]:
    d = Desk.memory(pm=plugins_manager(only=["flow_amazon"], extra=[SoukPlugin()]))
    yield d
    d.close()


def _browser(url: str) -> None:
    threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=10)).start()


def test_hook_crossdesk_binding_flows(desk: Desk) -> None:
    specs = desk.onboarding.flow_specs()
    # the built-in Amazon flow came through the hook too; eBay, Shopify and Shopee are the desk's own
    assert sorted(specs) == ["amazon", "ebay", "shopee", "shopify", "souk"]
    assert specs["amazon"].display_name.startswith("Amazon")
    vault = MemoryVault()
    desk.onboarding._vault = vault
    with FakeSouk() as fake:
        flow = desk.onboarding.build_flow("souk", {"client_id": "app-7", "base_url": fake.base_url})
        result = desk.onboarding.bind(ADMIN, flow, show=_browser, open_browser=False, timeout=10)
        assert (result.platform, result.external_id, result.name) == ("souk", "acme-ma", "Acme Maroc")
        assert vault.get("souk/acme-ma") == {"token": fake.token}
        assert fake.codes == {}  # the code was spent by the exchange
    row = desk.db.execute("SELECT platform, name, currency, config FROM shops").fetchone()
    assert tuple(row[:3]) == ("souk", "Acme Maroc", "MAD") and fake.token not in row[3]
    audit = desk.db.execute("SELECT after FROM audit WHERE action = 'shop.bind'").fetchone()[0]
    assert '"token"' in audit and fake.token not in audit


def test_a_plugin_flow_refuses_missing_and_unknown_options_before_building(desk: Desk) -> None:
    with pytest.raises(DeskError, match=r"needs -o client_id=\.\.\. \(or CROSSDESK_SOUK_CLIENT_ID\)"):
        desk.onboarding.build_flow("souk", {"base_url": "http://127.0.0.1:9"}, env={})
    with pytest.raises(DeskError, match="has no option secret"):
        desk.onboarding.build_flow("souk", {"client_id": "x", "secret": "y"}, env={})
    flow = desk.onboarding.build_flow(
        "souk", {"base_url": "http://127.0.0.1:9"}, env={"CROSSDESK_SOUK_CLIENT_ID": "from-env"}
    )
    assert flow.client_id == "from-env"
    with pytest.raises(DeskError, match="no binding flow for 'etsy'"):
        desk.onboarding.build_flow("etsy", {})


def test_two_plugins_naming_one_platform_are_refused() -> None:
    desk = Desk.memory(pm=plugins_manager(only=["flow_amazon"], extra=[Hijacker()]))
    try:
        with pytest.raises(DeskError, match=r"two plugins offer a binding flow for amazon.*'not Amazon'"):
            desk.onboarding.build_flow("amazon", {})
    finally:
        desk.close()
