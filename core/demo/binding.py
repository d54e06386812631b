"""The demo's shops bound the way a seller binds them: each through its marketplace's consent flow
(``desk.onboarding``'s flows, docs/onboarding.md) against the marketplace fakes, started in-process on
loopback for the build and stopped after it.

For every shop of :data:`crossdesk.demo.world.SHOPS` the fake is dressed as that shop (the seller's
account, shop id or domain, its name), the consent URL is followed by a stand-in for the seller's browser
through the fake's real HTTP redirect to the listener, the code is exchanged and the first read made. What
the platform vouched for is stored with the shop's own settings; the loopback addresses are not kept (the
demo shops point at the real platforms, as before), and the tokens, the fakes' own and worthless once they
stop, go to a vault in memory that is dropped after the build: no demo token lands in the seller's vault.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx

from crossdesk.api import Desk
from crossdesk.demo import world
from crossdesk.fakes.amazon import FakeAmazon
from crossdesk.fakes.ebay import FakeEbay
from crossdesk.fakes.judgeme import JudgemeFake
from crossdesk.fakes.shopee import FakeShopee
from crossdesk.fakes.shopify import FakeShopify
from crossdesk.models import Actor
from crossdesk.onboarding import AmazonFlow, EbayFlow, OnboardingService, ShopeeFlow, ShopifyFlow
from crossdesk.onboarding.flows import Bound
from crossdesk.reputation.apps import ReviewApps
from crossdesk.vault import MemoryVault

#: settings a flow writes that point at the fakes: left out of the demo's shops
LOOPBACK_KEYS = ("base_url", "lwa_url")


def _browser(client: httpx.Client) -> Callable[[str], None]:
    """The seller's browser: opens the consent page and follows its redirect to the listener."""

    def show(url: str) -> None:
        threading.Thread(target=client.get, args=(url,), daemon=True).start()

    return show


def bind_shops(desk: Desk, actor: Actor) -> int:
    """Bind every demo shop through its flow against the fakes; the number bound."""
    vault = MemoryVault()
    onboarding = OnboardingService(desk.store, desk.shops, vault)
    done = 0
    with (
        FakeAmazon(orders=0) as amazon,
        FakeEbay(orders=0) as ebay,
        FakeShopee(orders=0) as shopee,
        FakeShopify(orders=0) as shopify,
        httpx.Client(timeout=30) as client,  # one client for every flow: each new one loads the CA store
        httpx.Client(follow_redirects=True, timeout=10) as browser,
    ):
        amazon.selling_partner_id = world.SELLER_ID
        amazon.marketplaces = [
            (
                s.marketplace,
                s.country,
                f"Amazon.{s.config.get('domain', '').split('.', 1)[-1]}",
                s.currency,
                "",
                "",
            )
            for s in world.SHOPS
            if s.platform == "amazon"
        ]
        fakes = {"amazon": amazon, "ebay": ebay, "shopee": shopee, "shopify": shopify}
        for spec in world.SHOPS:
            if spec.platform not in fakes:
                continue
            flow = _dressed(spec, fakes[spec.platform])
            flow.client = client
            bound = onboarding.consent(actor, flow, show=_browser(browser), open_browser=False, timeout=30)
            onboarding.store_bound(actor, _as_demo(bound, spec))
            done += 1
    attach_reviews_app(desk, actor, vault)
    return done


def attach_reviews_app(desk: Desk, actor: Actor, vault: MemoryVault) -> int:
    """Attach the Shopify shops to the Judge.me reviews app the way a seller does (``crossdesk reviews
    app``: a first read against the fake, the token to the dropped vault), when its plugin is loaded; the
    fake's address is not kept. The number attached."""
    apps = ReviewApps(desk.store)
    if "judgeme" not in apps.specs():
        return 0
    done = 0
    for spec in world.SHOPS:
        if spec.platform != "shopify":
            continue
        with JudgemeFake(shop_domain=spec.external_id) as judgeme:
            options = {"api_token": judgeme.api_token, "base_url": judgeme.base_url}
            checked = apps.check(actor, spec.external_id, "judgeme", options)
        checked.settings = {k: v for k, v in checked.settings.items() if k not in LOOPBACK_KEYS}
        apps.save(actor, checked, vault=vault)
        done += 1
    return done


def _dressed(spec: world.ShopSpec, fake: Any) -> Any:
    """Dress ``fake`` as the demo shop ``spec`` and give the flow that binds it."""
    if spec.platform == "amazon":
        fake.store_name = spec.name
        return AmazonFlow(
            fake.application_id,
            fake.client_id,
            fake.client_secret,
            base_url=fake.base_url,
            consent_base=fake.base_url,
            lwa_url=fake.url("/auth/o2/token"),
            draft=True,
            marketplace_id=spec.marketplace,
        )
    if spec.platform == "ebay":
        fake.seller = spec.external_id
        return EbayFlow(fake.client_id, fake.client_secret, fake.base_url, fake.base_url)
    if spec.platform == "shopee":
        fake.shop_id, fake.shop_name, fake.region = int(spec.external_id), spec.name, spec.country
        return ShopeeFlow(fake.partner_id, fake.partner_key, base_url=fake.base_url)
    fake.domain, fake.shop_name = spec.external_id, spec.name
    return ShopifyFlow(spec.external_id, fake.api_key, fake.api_secret, base_url=fake.base_url)


def _as_demo(bound: Bound, spec: world.ShopSpec) -> Bound:
    """What the platform vouched for, over the demo shop's own settings, without the fakes' addresses."""
    config = {**spec.config, **{k: v for k, v in bound.config.items() if k not in LOOPBACK_KEYS}}
    bound.config = config
    # the fakes answer with one site's details (eBay's registration site, Shopee's region): the demo
    # world's are the shop's own
    bound.name, bound.country, bound.currency = spec.name, spec.country, spec.currency
    bound.marketplace = spec.marketplace
    return bound
