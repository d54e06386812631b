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


def test_reviews_app_attaches_judgeme_to_a_bound_shopify_shop(env: dict[str, Any]) -> None:  # noqa: F811
    from click.testing import CliRunner

    from crossdesk.cli import cli
    from crossdesk.fakes.judgeme import JudgemeFake
    from crossdesk.fakes.shopify import FakeShopify

    with FakeShopify() as shop, JudgemeFake(shop_domain=shop.domain) as app:
        order = shop.orders[0]
        app.add(
            5, "Lovely", email=order.email, product_title=order.lines[0].title, created=order.created + 86400
        )
        app.add(
            1,
            "Arrived scratched",
            email=order.email,
            product_title=order.lines[0].title,
            created=order.created + 2 * 86400,
        )
        _run(
            env,
            "shops",
            "add",
            "shopify",
            "--shop",
            shop.domain,
            "--api-key",
            shop.api_key,
            "--api-secret",
            shop.api_secret,
            "--base-url",
            shop.base_url,
            "--since",
            SINCE,
        )
        assert f"{shop.domain}" in _run(env, "reviews", "app").output  # listed, with no app yet
        wrong = CliRunner().invoke(
            cli,
            [
                "reviews",
                "app",
                shop.domain,
                "judgeme",
                "-o",
                "api_token=jdgm-typo",
                "--base-url",
                app.base_url,
                "--db",
                str(env["db"]),
            ],
        )
        assert wrong.exit_code != 0 and "api_token was refused" in wrong.output
        assert "Traceback" not in wrong.output and "jdgm-typo" not in wrong.output
        out = _run(
            env,
            "reviews",
            "app",
            shop.domain,
            "judgeme",
            "-o",
            f"api_token={app.api_token}",
            "--base-url",
            app.base_url,
        ).output
        assert "token in the vault" in out and app.api_token not in out
        assert env["vault"].get(f"reviews/judgeme/shopify/{shop.domain}")["api_token"] == app.api_token
        assert "judgeme" in _run(env, "reviews", "app").output
        synced = _run(
            env, "sync", "--platform", "shopify", "--pull-only"
        ).output  # the app's reviews come with it
        assert "2 review(s) read, 2 new, 1 new negative" in synced, synced
        assert "0 new" in _run(env, "reviews", "pull").output
        assert "Arrived scratched" in _run(env, "reviews", "list", "--negative").output
        assert "reviews app detached" in _run(env, "reviews", "app", shop.domain, "--detach").output
        assert env["vault"].get(f"reviews/judgeme/shopify/{shop.domain}") is None
