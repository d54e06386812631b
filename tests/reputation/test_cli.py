"""``crossdesk reviews pull|list|ratings`` on a desk whose Shopee shop was bound with ``shops add``."""

from __future__ import annotations

from typing import Any

from crossdesk.fakes.shopee import FakeShopee
from tests.onboarding.test_shops_add import SINCE, _run, env  # noqa: F401 (env is a fixture)


def test_reviews_commands_after_binding(env: dict[str, Any]) -> None:  # noqa: F811
    with FakeShopee() as fake:
        _run(
            env,
            "shops",
            "add",
            "shopee",
            "--partner-id",
            str(fake.partner_id),
            "--partner-key",
            fake.partner_key,
            "--base-url",
            fake.base_url,
            "--since",
            SINCE,
        )
        synced = _run(env, "sync", "--platform", "shopee", "--pull-only").output  # reviews come with it
        assert "reviews: 4 review(s) read, 4 new, 2 new negative" in synced
        assert "0 new, 0 new negative" in _run(env, "reviews", "pull").output  # nothing twice
        assert "4 review(s) read, 0 new" in _run(env, "reviews", "pull", "--full").output
        negatives = _run(env, "reviews", "list", "--negative").output.strip().splitlines()
        assert len(negatives) == 2 and all("ticket #" in line for line in negatives)
        assert "Arrived broken" in "\n".join(negatives)
        ratings = _run(env, "reviews", "ratings").output
        assert "1 negative" in ratings and "shopee" in ratings
