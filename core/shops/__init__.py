"""Shops on every marketplace the seller answers buyers of."""

from crossdesk.shops.service import ShopService

__all__ = ["ShopService"]
