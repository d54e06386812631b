"""Buyers merged across platforms into one profile each."""

from crossdesk.customers.identity import normalise_email, normalise_phone
from crossdesk.customers.service import CustomerService

__all__ = ["CustomerService", "normalise_email", "normalise_phone"]
