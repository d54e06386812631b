"""``crossdesk shops add|list|test|remove``: bind a shop through its marketplace's consent flow."""

from __future__ import annotations

from pathlib import Path

import click

from crossdesk.cli.common import UserError, cli_actor, db_option, name_value_option, name_values, open_desk


def register(cli: click.Group) -> None:
    cli.add_command(shops)


@click.group()
def shops() -> None:
    """Bind shops (consent in the browser, tokens in the vault), list, test and unbind them."""


def _flow(platform: str, o: dict) -> object:
    from crossdesk.onboarding import EbayFlow, ShopeeFlow, ShopifyFlow

    def need(*names: str) -> None:
        missing = [n for n in names if not o.get(n)]
        if missing:
            flags = ", ".join("--" + n.replace("_", "-") for n in missing)
            raise UserError(
                f"shops add {platform} needs {flags} (or their CROSSDESK_{platform.upper()}_* variables)"
            )

    if platform == "ebay":
        need("client_id", "client_secret")
        kw = {"base_url": o["base_url"], "auth_url": o["auth_url"] or o["base_url"]} if o["base_url"] else {}
        return EbayFlow(o["client_id"], o["client_secret"], ru_name=o["ru_name"] or "", **kw)
    if platform == "shopify":
        need("shop")
        if not o.get("token"):
            need("api_key", "api_secret")
        return ShopifyFlow(o["shop"], o["api_key"] or "", o["api_secret"] or "", base_url=o["base_url"] or "")
    need("partner_id", "partner_key")
    if not str(o["partner_id"]).isdigit():
        raise UserError("--partner-id is a number")
    kw = {"base_url": o["base_url"]} if o["base_url"] else {}
    return ShopeeFlow(int(o["partner_id"]), o["partner_key"], **kw)


@shops.command("add")
@db_option
@click.argument("platform")
@click.option("--client-id", envvar="CROSSDESK_EBAY_CLIENT_ID", help="eBay: the app's client id (App ID).")
@click.option("--client-secret", envvar="CROSSDESK_EBAY_CLIENT_SECRET", help="eBay: the app's client secret.")
@click.option("--ru-name", default=None, help="eBay: the RuName whose accept URL is this machine's listener.")
@click.option("--shop", default=None, help="Shopify: the shop domain, NAME.myshopify.com.")
@click.option("--api-key", envvar="CROSSDESK_SHOPIFY_API_KEY", help="Shopify: the app's API key.")
@click.option("--api-secret", envvar="CROSSDESK_SHOPIFY_API_SECRET", help="Shopify: the app's API secret.")
@click.option("--token", default=None, help="Shopify: a custom app's admin API token (no browser needed).")
@click.option("--partner-id", envvar="CROSSDESK_SHOPEE_PARTNER_ID", help="Shopee: the partner id.")
@click.option("--partner-key", envvar="CROSSDESK_SHOPEE_PARTNER_KEY", help="Shopee: the partner key.")
@click.option("--base-url", default=None, help="The platform's API base URL (a sandbox, or a local fake).")
@click.option("--auth-url", default=None, help="eBay: the consent host, when not the API host's twin.")
@click.option(
    "--since", default=None, help="How far back the first sync reaches (ISO date; default 30 days)."
)
@name_value_option("An option of a plugin's flow (amazon: application_id, lwa_client_id, mail_address ...).")
@click.option("--no-browser", is_flag=True, help="Only print the consent URL; open it yourself.")
@click.option("--timeout", type=click.IntRange(min=1), default=300, help="Seconds to wait for the browser.")
def add(
    db_path: Path | None,
    platform: str,
    since: str | None,
    no_browser: bool,
    timeout: int,
    extra: tuple[str, ...],
    **options: str,
) -> None:
    """Bind a PLATFORM shop: consent in the browser, a first read, the tokens stored in the vault.

    PLATFORM is ebay, shopify, shopee, or one a plugin's flow offers (amazon is one: crossdesk shops add
    amazon -o application_id=... -o lwa_client_id=... -o lwa_client_secret=...). The consent URL is printed
    (and opened, unless --no-browser); the marketplace sends the browser back to a listener on 127.0.0.1.
    See docs/onboarding.md for what each marketplace asks and why.
    """
    from crossdesk.errors import DeskError
    from crossdesk.vault import VaultError

    desk = open_desk(db_path)
    try:
        actor = cli_actor(desk)
        if platform in BUILT_IN:
            if extra:
                raise UserError(f"shops add {platform} takes its own options, not -o")
            flow = _flow(platform, options)
        else:
            flow = _plugin_flow(desk, platform, extra, options.get("base_url"), since)
        if since:
            flow.initial_since = _epoch(since)
        if platform == "shopify" and options.get("token"):
            bound = flow.from_token(options["token"])
            if since:
                bound.config["initial_since"] = flow.initial_since
            result = desk.onboarding.store_bound(actor, bound)
        else:
            result = desk.onboarding.bind(
                actor,
                flow,
                show=lambda url: click.echo(f"Open this URL to authorise crossdesk:\n{url}"),
                open_browser=not no_browser,
                timeout=timeout,
            )
        click.echo(str(result))
    except (DeskError, VaultError) as exc:
        raise UserError(str(exc)) from None
    finally:
        desk.close()


BUILT_IN = ("ebay", "shopify", "shopee")


def _plugin_flow(
    desk: object, platform: str, extra: tuple[str, ...], base_url: str | None, since: str | None
) -> object:
    """A flow a plugin offers (crossdesk_binding_flows), from its -o NAME=VALUE options."""
    import os

    given = name_values(extra, base_url)
    if since:
        given["initial_since"] = _epoch(since)
    if (
        given.get("mail_address")
        and not given.get("mail_password")
        and not os.environ.get("CROSSDESK_AMAZON_MAIL_PASSWORD")
    ):  # a password on the command line ends up in the shell's history
        given["mail_password"] = click.prompt(f"password of {given['mail_address']}", hide_input=True)
    return desk.onboarding.build_flow(platform, given)  # type: ignore[attr-defined]


def _epoch(text: str) -> int:
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--since {text!r} is not an ISO date (e.g. 2025-12-01)") from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


@shops.command("list")
@db_option
def list_(db_path: Path | None) -> None:
    """The desk's shops, and whether the vault holds their tokens."""
    from crossdesk.vault import VaultError

    desk = open_desk(db_path)
    try:
        try:
            rows = desk.onboarding.list(cli_actor(desk))
        except VaultError as exc:
            raise UserError(str(exc)) from None
        for r in rows:
            held = (
                "tokens in vault"
                if r["in_vault"]
                else "no tokens in vault (environment or credentials file?)"
            )
            click.echo(f"#{r['id']:<4} {r['platform']:<8} {r['external_id']:<24} {r['name']}  [{held}]")
        if not rows:
            click.echo("no shops; bind one with: crossdesk shops add ebay|shopify|shopee|amazon")
    finally:
        desk.close()


@shops.command("test")
@db_option
@click.argument("shop")
def test(db_path: Path | None, shop: str) -> None:
    """Connect SHOP (id, external id or name) and make one read."""
    from crossdesk.errors import DeskError
    from crossdesk.vault import VaultError

    desk = open_desk(db_path)
    try:
        click.echo(desk.onboarding.test(cli_actor(desk), shop))
    except (DeskError, VaultError) as exc:
        raise UserError(str(exc)) from None
    finally:
        desk.close()


@shops.command("remove")
@db_option
@click.argument("shop")
def remove(db_path: Path | None, shop: str) -> None:
    """Forget SHOP's tokens (the shop and its history stay on the desk)."""
    from crossdesk.errors import DeskError
    from crossdesk.vault import VaultError

    desk = open_desk(db_path)
    try:
        click.echo(desk.onboarding.remove(cli_actor(desk), shop))
    except (DeskError, VaultError) as exc:
        raise UserError(str(exc)) from None
    finally:
        desk.close()
