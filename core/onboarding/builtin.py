"""The built-in binding flows (eBay, Shopify, Shopee) as :class:`~crossdesk.models.BindingFlowSpec`, so
a front end (the TUI's settings screen) offers them as it offers a plugin's flow: one form per spec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossdesk.errors import DeskError
from crossdesk.models import BindingFlowSpec, FlowOption
from crossdesk.onboarding.flows import EbayFlow, ShopeeFlow, ShopifyFlow


def _ebay(o: Mapping[str, Any]) -> EbayFlow:
    kw = (
        {"base_url": o["base_url"], "auth_url": o.get("auth_url") or o["base_url"]}
        if o.get("base_url")
        else {}
    )
    return EbayFlow(
        str(o["client_id"]),
        str(o["client_secret"]),
        ru_name=str(o.get("ru_name") or ""),
        initial_since=o.get("initial_since"),
        **kw,
    )


def _shopify(o: Mapping[str, Any]) -> ShopifyFlow:
    return ShopifyFlow(
        str(o["shop"]),
        str(o["api_key"]),
        str(o["api_secret"]),
        base_url=str(o.get("base_url") or ""),
        initial_since=o.get("initial_since"),
    )


def _shopee(o: Mapping[str, Any]) -> ShopeeFlow:
    if not str(o["partner_id"]).isdigit():
        raise DeskError("the Shopee partner id is a number")
    kw = {"base_url": o["base_url"]} if o.get("base_url") else {}
    return ShopeeFlow(int(o["partner_id"]), str(o["partner_key"]), initial_since=o.get("initial_since"), **kw)


BUILT_IN = (
    BindingFlowSpec(
        "ebay",
        "eBay (OAuth consent)",
        _ebay,
        (
            FlowOption("client_id", "the app's client id (App ID)", True, "CROSSDESK_EBAY_CLIENT_ID"),
            FlowOption("client_secret", "the app's client secret", True, "CROSSDESK_EBAY_CLIENT_SECRET"),
            FlowOption("ru_name", "the RuName whose accept URL is this machine's listener"),
            FlowOption("auth_url", "the consent host, when not the API host's twin"),
        ),
    ),
    BindingFlowSpec(
        "shopify",
        "Shopify (app install)",
        _shopify,
        (
            FlowOption("shop", "the shop domain, NAME.myshopify.com", True),
            FlowOption("api_key", "the app's API key", True, "CROSSDESK_SHOPIFY_API_KEY"),
            FlowOption("api_secret", "the app's API secret", True, "CROSSDESK_SHOPIFY_API_SECRET"),
        ),
    ),
    BindingFlowSpec(
        "shopee",
        "Shopee (partner authorisation)",
        _shopee,
        (
            FlowOption("partner_id", "the partner id", True, "CROSSDESK_SHOPEE_PARTNER_ID"),
            FlowOption("partner_key", "the partner key", True, "CROSSDESK_SHOPEE_PARTNER_KEY"),
        ),
    ),
)
