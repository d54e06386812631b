"""A local fake of Judge.me's public REST API (v1), the reviews app of a Shopify shop, for the reviews it lists.

What it reproduces, as the client sees it:

- ``GET /api/v1/reviews`` with ``api_token`` (the shop's private token) and ``shop_domain``
  (``acme.myshopify.com``) as query parameters, ``per_page`` (1 to 100, default 10) and ``page`` (from 1):
  ``{"current_page", "per_page", "reviews": [...]}``; a page shorter than ``per_page`` is the last one (the
  answer carries no total). Each review has ``id``, ``title``, ``body``, ``rating``,
  ``product_external_id`` (the Shopify product id), ``product_title``, ``product_handle``, ``reviewer``
  (``id``, ``external_id``: the Shopify customer id or null, ``email``, ``name``), ``source``, ``curated``,
  ``hidden``, ``verified``, ``featured``, ``created_at`` and ``updated_at`` (ISO 8601 with offset), and
  ``pictures``. The list holds hidden reviews too (``hidden: true``); a deleted review is simply gone.
- errors: a missing or wrong ``api_token`` answers 401 ``{"error": ...}``, an unknown ``shop_domain`` 404,
  ``per_page`` out of range 422; ``inject(Fault.rate_limited(...))`` gives the 429 with ``Retry-After``.

Test helpers: :meth:`JudgemeFake.add` writes a review, :meth:`edit` changes one (and its ``updated_at``),
:meth:`delete` removes one, ``raw`` lets a test put a malformed entry in the list.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from crossdesk.fakes.server import FakeRequest, FakeResponse, FakeServer

BASE_TIME = 1765792800  # the marketplace fakes' seed time (crossdesk.fakes.marketplace.BASE_TIME)


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class JudgemeFake(FakeServer):
    def __init__(
        self,
        *,
        shop_domain: str = "acme.myshopify.com",
        api_token: str = "jdgm-private-6f1e2d3c4b5a69788796a5b4",
    ) -> None:
        super().__init__("judgeme")
        self.shop_domain = shop_domain
        self.api_token = api_token
        self.reviews: list[dict[str, Any]] = []
        self._ids = itertools.count(309_836_500)
        self._reviewer_ids = itertools.count(194_677_600)
        self.add_route("GET", "/api/v1/reviews", self.list_reviews)

    def credentials(self) -> dict[str, str]:
        return {"api_token": self.api_token}

    # ---- test helpers --------------------------------------------------------------------------

    def add(
        self,
        rating: Any,
        body: str,
        *,
        title: str = "",
        email: str = "",
        name: str = "",
        customer_id: str | None = None,
        product_id: int = 5_280_573_096_092,
        product_title: str = "",
        product_handle: str = "",
        created: int = BASE_TIME,
        hidden: bool = False,
    ) -> dict[str, Any]:
        """Write one review as Judge.me lists it; returns it (its ``id`` is Judge.me's)."""
        review = {
            "id": next(self._ids),
            "title": title,
            "body": body,
            "rating": rating,
            "product_external_id": product_id,
            "product_title": product_title,
            "product_handle": product_handle,
            "reviewer": {
                "id": next(self._reviewer_ids),
                "external_id": int(customer_id) if customer_id and customer_id.isdigit() else None,
                "email": email,
                "name": name,
                "phone": None,
                "accepts_marketing": False,
                "unsubscribed_at": None,
                "tags": None,
            },
            "source": "web",
            "curated": "not-yet",
            "hidden": hidden,
            "verified": "buyer" if customer_id else "nothing",
            "featured": False,
            "created_at": iso(created),
            "updated_at": iso(created),
            "has_published_pictures": False,
            "has_published_videos": False,
            "pictures": [],
        }
        self.reviews.append(review)
        return review

    def edit(self, review_id: int, at: int, **changes: Any) -> dict[str, Any]:
        """Change a review as its author or the merchant would (``rating``, ``body``, ``hidden``...)."""
        review = next(r for r in self.reviews if r.get("id") == review_id)
        review.update(changes)
        review["updated_at"] = iso(at)
        return review

    def delete(self, review_id: int) -> None:
        self.reviews = [r for r in self.reviews if r.get("id") != review_id]

    # ---- the API -------------------------------------------------------------------------------

    def list_reviews(self, req: FakeRequest) -> FakeResponse:
        if req.arg("api_token") != self.api_token:
            return FakeResponse.json({"error": "Unauthorized: invalid api_token"}, status=401)
        if req.arg("shop_domain") != self.shop_domain:
            return FakeResponse.json({"error": "Shop not found"}, status=404)
        try:
            per_page = int(req.arg("per_page") or 10)
            page = int(req.arg("page") or 1)
        except ValueError:
            return FakeResponse.json({"error": "per_page and page must be integers"}, status=422)
        if not 1 <= per_page <= 100 or page < 1:
            return FakeResponse.json({"error": "per_page must be between 1 and 100"}, status=422)
        start = (page - 1) * per_page
        return FakeResponse.json(
            {"current_page": page, "per_page": per_page, "reviews": self.reviews[start : start + per_page]}
        )
