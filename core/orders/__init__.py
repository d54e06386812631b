"""Orders: the upsert every platform and import goes through, and the desk's currency rates."""

from crossdesk.orders.rates import Rates
from crossdesk.orders.service import OrderService

__all__ = ["OrderService", "Rates"]
