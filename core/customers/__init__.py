"""Buyers merged across platforms into one profile each."""

from crossdesk.customers.identity import normalise_email, normalise_phone
from crossdesk.customers.merges import MergeService, Suggestion
from crossdesk.customers.segments import SEGMENTS, SegmentService
from crossdesk.customers.service import CustomerService

__all__ = [
    "SEGMENTS",
    "CustomerService",
    "MergeService",
    "SegmentService",
    "Suggestion",
    "normalise_email",
    "normalise_phone",
]
