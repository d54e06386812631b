"""Onboarding: bind a shop in one command through its marketplace's own consent flow (docs/onboarding.md)."""

from __future__ import annotations

from crossdesk.onboarding.amazon import AmazonFlow, MailBinding
from crossdesk.onboarding.flows import Bound, EbayFlow, ShopeeFlow, ShopifyFlow, shopify_hmac_ok
from crossdesk.onboarding.listener import RedirectListener
from crossdesk.onboarding.service import BindResult, OnboardingService

__all__ = [
    "AmazonFlow",
    "BindResult",
    "Bound",
    "EbayFlow",
    "MailBinding",
    "OnboardingService",
    "RedirectListener",
    "ShopeeFlow",
    "ShopifyFlow",
    "shopify_hmac_ok",
]
