"""Judge.me, a reviews app for Shopify shops: its public REST API (v1) as a review source.

Shopify keeps no product reviews of its own; a shop that collects them with Judge.me is attached to it with
``crossdesk reviews app SHOP judgeme -o api_token=...`` (the token to the vault). The reviews are listed by
``GET https://judge.me/api/v1/reviews`` with the shop's private ``api_token`` and its ``shop_domain``,
``per_page`` (at most 100) and ``page``; a page shorter than ``per_page`` is the last (no total is given).

What a review gives: rating (1 to 5), title, body, the reviewer's e-mail and name and, when the reviewer is a
Shopify customer, their customer id; the product (Shopify product id, title, handle); ``hidden``;
``created_at`` and ``updated_at``. What it does not: the order (the desk finds it among the buyer's orders
of that product), the SKU (the order line's), a reply written in Judge.me, and a deleted review (it just
leaves the list). There is no reply endpoint the desk uses: a reply on such a ticket is a manual step.
Judge.me does not publish its rate limits; a 429 is waited out (``Retry-After``) and retried.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from crossdesk import hookimpl
from crossdesk.models import FlowOption, ReviewSourceSpec
from crossdesk.platforms import Page, PlatformError
from crossdesk.plugins.platforms._http import (
    RetryPolicy,
    dump_cursor,
    iso_to_epoch,
    json_body,
    load_cursor,
    request,
)

BASE_URL = "https://judge.me"
PER_PAGE_MAX = 100
NEGATIVE_AT_MOST = 2  # stars, as for Shopee: a one- or two-star review is a complaint
THREAD = "judgeme:"


class JudgemeReviews:
    """One shop's reviews on Judge.me."""

    capabilities = frozenset({"reviews"})
    #: the order of the list is not documented: every page is read on each pull
    reviews_newest_first = False

    def __init__(self, options: Mapping[str, Any], client: httpx.Client) -> None:
        self._token = str(options.get("api_token") or "")
        if not self._token:
            raise PlatformError("judgeme: missing api_token (the shop's private token, Judge.me > Settings)")
        self.shop_domain = str(options.get("shop_domain") or "")
        if not self.shop_domain:
            raise PlatformError("judgeme: missing shop_domain (the shop's .myshopify.com domain)")
        self.base_url = str(options.get("base_url") or BASE_URL).rstrip("/")
        self.per_page = max(1, min(PER_PAGE_MAX, int(options.get("per_page") or PER_PAGE_MAX)))
        self.client = client
        self.policy = RetryPolicy.from_config(options)

    def fetch_reviews(self, cursor: str | None) -> Page:
        page = int(load_cursor(cursor).get("page", 1))
        params = {
            "api_token": self._token,
            "shop_domain": self.shop_domain,
            "per_page": self.per_page,
            "page": page,
        }
        what = "judgeme reviews"
        response = request(
            self.client,
            "GET",
            f"{self.base_url}/api/v1/reviews",
            policy=self.policy,
            what=what,
            params=params,
        )
        if response.status_code in (401, 403):
            raise PlatformError(
                f"judgeme: the api_token was refused for {self.shop_domain} (HTTP {response.status_code}); "
                "copy the private token from Judge.me's settings and attach the app again",
                status=response.status_code,
            )
        if response.status_code == 404:
            raise PlatformError(
                f"judgeme: Judge.me knows no shop {self.shop_domain!r} (HTTP 404): is the app installed there?",
                status=404,
            )
        if not response.is_success:
            raise PlatformError(
                f"{what}: HTTP {response.status_code} {_error_text(response)}".strip(),
                status=response.status_code,
            )
        body = json_body(response, what=what)
        reviews = body.get("reviews") if isinstance(body, dict) else None
        if not isinstance(reviews, list):
            raise PlatformError(f"{what}: response without reviews", retryable=True)
        records = [record(r) for r in reviews]
        if len(reviews) < self.per_page:
            return Page(records, None, False)
        return Page(records, dump_cursor({"page": page + 1}), True)


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return str(data.get("error") or data.get("message") or "") if isinstance(data, dict) else ""


def record(r: Any) -> dict[str, Any]:
    """One Judge.me review as a review record; what does not parse is left for the desk to refuse (with
    the review's id), so one bad entry never costs the page."""
    if not isinstance(r, Mapping):
        return {"external_id": "", "error": f"not a review object: {str(r)[:40]!r}"}
    reviewer = r.get("reviewer") if isinstance(r.get("reviewer"), Mapping) else {}
    rating = r.get("rating")
    stars = rating if isinstance(rating, int) and not isinstance(rating, bool) else None
    customer_id = reviewer.get("external_id")
    email = str(reviewer.get("email") or "")
    if customer_id:
        external = f"gid://shopify/Customer/{customer_id}"  # the id Shopify's orders give the buyer
    elif reviewer.get("id"):
        external = f"judgeme-reviewer:{reviewer['id']}"
    else:
        external = ""
    try:
        created = iso_to_epoch(r.get("created_at")) or 0
        updated = iso_to_epoch(r.get("updated_at")) or created
    except (TypeError, ValueError):
        return {"external_id": str(r.get("id") or ""), "error": f"unreadable time {r.get('created_at')!r}"}
    return {
        "external_id": str(r.get("id") or ""),
        "kind": "product_review",
        "rating": stars if stars is not None else rating,
        "negative": stars is not None and 0 < stars <= NEGATIVE_AT_MOST,
        "title": str(r.get("title") or ""),
        "body": str(r.get("body") or ""),
        "created_at": created,
        "updated_at": updated,
        "status": "hidden" if r.get("hidden") else "published",
        "order_external_id": "",
        "sku": "",
        "product": {
            "external_id": str(r.get("product_external_id") or ""),
            "title": str(r.get("product_title") or ""),
            "handle": str(r.get("product_handle") or ""),
        },
        "customer": {
            "external_id": external,
            "email": email,
            "name": str(reviewer.get("name") or ""),
            "handle": str(reviewer.get("name") or ""),
        }
        if external
        else None,
        "reply": "",
        "thread_id": f"{THREAD}{r.get('id')}",
    }


def factory(options: Mapping[str, Any], client: httpx.Client) -> JudgemeReviews:
    return JudgemeReviews(options, client)


@hookimpl
def crossdesk_review_sources() -> list[ReviewSourceSpec]:
    return [
        ReviewSourceSpec(
            name="judgeme",
            display_name="Judge.me",
            factory=factory,
            options=(
                FlowOption(
                    "api_token", "the shop's private API token (Judge.me > Settings > Integrations)", True
                ),
                FlowOption("shop_domain", "the shop's .myshopify.com domain (default: the shop's own id)"),
            ),
            secrets=("api_token",),
        )
    ]
