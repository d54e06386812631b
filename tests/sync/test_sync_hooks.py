"""The ``crossdesk_platforms`` hook: the built-in marketplaces arrive through the entry-point group."""

from __future__ import annotations

import httpx

from crossdesk.models import CAPABILITIES, Connector, PlatformSpec
from crossdesk.plugin_manager import plugins_manager

CONFIGS = {
    "amazon": {
        "marketplace_id": "A1PA6795UKMFR9",
        "client_id": "id",
        "client_secret": "s",
        "refresh_token": "r",
    },
    "ebay": {"access_token": "t"},
    "shopee": {"shop_external_id": "220011", "partner_id": "1", "partner_key": "k", "access_token": "t"},
    "shopify": {"shop_external_id": "acme.myshopify.com", "access_token": "t"},
}
METHODS = {
    "orders": "fetch_orders",
    "messages_in": "fetch_messages",
    "returns_in": "fetch_returns",
    "messages_out": "send_message",
    "returns_decide": "decide_return",
    "refunds": "refund",
    "cancellations": "cancel_order",
}


def test_hook_crossdesk_platforms() -> None:
    pm = plugins_manager(only=["platform_amazon", "platform_ebay", "platform_shopee", "platform_shopify"])
    specs = [spec for answer in pm.hook.crossdesk_platforms() for spec in answer]
    assert sorted(s.name for s in specs) == ["amazon", "ebay", "shopee", "shopify"]
    with httpx.Client() as client:
        for spec in specs:
            assert isinstance(spec, PlatformSpec) and spec.display_name
            connector = spec.factory(dict(CONFIGS[spec.name]), client)
            assert isinstance(connector, Connector)
            assert connector.capabilities <= CAPABILITIES
            # A declared capability is implemented; an undeclared one is not faked.
            for capability, method in METHODS.items():
                assert callable(getattr(connector, method, None)) == (capability in connector.capabilities), (
                    spec.name,
                    capability,
                )
