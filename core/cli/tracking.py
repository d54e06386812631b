"""``crossdesk tracking add|list|show|refresh|webhook|label|configure``: parcels and return labels."""

from __future__ import annotations

import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import orjson

from crossdesk.cli.common import UserError, with_desk
from crossdesk.cli.numbers import FiniteFloat


def register(cli: click.Group) -> None:
    cli.add_command(tracking)


def _when(ts: int | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")


def _line(s: dict[str, Any]) -> str:
    stalled = " STALLED" if s.get("stalled_at") else ""
    where = f" @ {s['last_place']}" if s.get("last_place") else ""
    order = f"order #{s['order_id']}" if s.get("order_id") else "no order"
    kind = " return" if s["kind"] == "return" else ""
    return (
        f"#{s['id']:<6} {s['tracking_number']:<24} {s['carrier'] or '?':<10} {s['state']:<17}{stalled}{kind} "
        f"{order}  last scan {_when(s['last_scan_at'])}{where}  eta {_when(s['eta'])[:10]}"
    )


def _order_id(desk: Any, ref: str) -> int:
    """The platform's order number first (Shopify's are ``#1001``), else ``#ID`` or ``ID`` of the desk."""
    text = ref.strip()
    rows = desk.db.execute("SELECT id FROM orders WHERE external_id = ?", [text]).fetchall()
    if len(rows) > 1:
        raise UserError(f"{len(rows)} orders are numbered {text!r} (several shops): give the desk's #ID")
    if rows:
        return int(rows[0][0])
    bare = text.removeprefix("#")
    if bare.isdigit():
        found = desk.db.execute("SELECT id FROM orders WHERE id = ?", [int(bare)]).fetchone()
        if found:
            return int(found[0])
    raise UserError(f"no order {text!r} (give the platform's order number or the desk's #ID)")


@click.group()
def tracking() -> None:
    """Parcels of orders and returns: add, list, show, refresh from the provider, webhooks, labels."""


@tracking.command("add")
@click.argument("order")
@click.argument("number")
@click.option("--carrier", default="", help="The carrier's name (DHL, UPS, Royal Mail ...), if known.")
@with_desk
def add(desk: Any, actor: Any, order: str, number: str, carrier: str) -> None:
    """Track parcel NUMBER of ORDER (the platform's order number, or #ID)."""
    row = desk.tracking.add(actor, number, order_id=_order_id(desk, order), carrier=carrier)
    click.echo(_line(row))


@tracking.command("list")
@click.option("--state", default=None, help="info_received ... expired, or stalled.")
@click.option("--order", "order_ref", default=None, help="Only this order's parcels.")
@click.option("--limit", type=click.IntRange(min=1), default=100)
@with_desk
def list_(desk: Any, actor: Any, state: str | None, order_ref: str | None, limit: int) -> None:
    """The parcels, newest first."""
    order_id = _order_id(desk, order_ref) if order_ref else None
    rows = desk.tracking.list(actor, state=state, order_id=order_id, limit=limit)
    for row in rows:
        click.echo(_line(row))
    click.echo(f"{len(rows)} shipment(s)")


@tracking.command("show")
@click.argument("ref")
@with_desk
def show(desk: Any, actor: Any, ref: str) -> None:
    """One parcel (#ID or tracking number) with its scans."""
    s = desk.tracking.find(actor, ref)
    click.echo(_line(s))
    if s["register_error"]:
        click.echo(f"  provider refused it: {s['register_error']}")
    if s["label_url"]:
        click.echo(f"  label: {s['label_url']}")
    for e in s["events"]:
        place = f" ({e['place']})" if e["place"] else ""
        click.echo(f"  {_when(e['at'])}  {e['state'] or '':<17} {e['description']}{place}")


@tracking.command("refresh")
@click.option("--provider", default=None, help="Use this provider (default: the configured one).")
@click.option("--force", is_flag=True, help="Ask for every open parcel, not only those due.")
@with_desk
def refresh(desk: Any, actor: Any, provider: str | None, force: bool) -> None:
    """Find parcels in order data, register them, fetch their state within the provider's quota."""
    result = desk.tracking.refresh(actor, provider=provider, force=force)
    for number, why in result.refused.items():
        click.echo(f"refused {number}: {why}")
    quota = "unknown" if result.quota_left is None else str(result.quota_left)
    click.echo(
        f"{result.discovered} discovered, {result.registered} registered, {result.checked} checked, "
        f"{result.changed} changed, {result.stalled} stalled; quota left {quota}"
    )
    if result.stopped:
        click.echo(f"stopped early: {result.stopped}")


@tracking.command("quota")
@click.option("--provider", default=None)
@with_desk
def quota(desk: Any, actor: Any, provider: str | None) -> None:
    """What the tracking provider's account may still register (asks the provider)."""
    desk.require(actor, "view")
    prov = desk.tracking.provider(provider)
    q = prov.quota()
    left = "unknown" if q.remaining is None else f"{q.remaining}"
    total = "" if q.total is None else f" of {q.total}"
    click.echo(f"{prov.name}: {left}{total} left")


@tracking.command("webhook")
@click.argument("provider")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The raw body (default: standard input).")  # fmt: skip
@click.option("-H", "--header", "headers", multiple=True, help="A header as 'name: value' (the signature).")
@with_desk
def webhook(desk: Any, actor: Any, provider: str, path: Path | None, headers: tuple[str, ...]) -> None:
    """Apply one webhook body a provider sent (the signature is checked)."""
    body = path.read_bytes() if path else sys.stdin.buffer.read()
    parsed = {}
    for h in headers:
        name, sep, value = h.partition(":")
        if not sep:
            raise UserError(f"header {h!r} is not 'name: value'")
        parsed[name.strip().lower()] = value.strip()
    changed = desk.tracking.webhook(actor, provider, body, parsed)
    click.echo(f"{changed} shipment(s) changed")


@tracking.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8085, show_default=True)
@with_desk
def serve(desk: Any, actor: Any, host: str, port: int) -> None:
    """Receive providers' webhooks on POST /webhooks/<provider> until interrupted."""
    from crossdesk.tracking.receiver import WebhookReceiver

    receiver = WebhookReceiver(desk.tracking, desk.lock, host=host, port=port)
    click.echo(f"tracking webhooks on {receiver.url}/webhooks/<provider> (Ctrl+C stops)")
    try:
        receiver.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.stop()


@tracking.command("label")
@click.argument("case_id", type=int)
@click.option("--from", "from_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="The buyer's address (TOML or JSON: name, street1, city, zip, country ...).")  # fmt: skip
@click.option("--weight", type=click.IntRange(min=1), default=1000, help="Grams.")
@click.option("--provider", default=None)
@with_desk
def label(desk: Any, actor: Any, case_id: int, from_path: Path, weight: int, provider: str | None) -> None:
    """Buy a return label for approved case CASE_ID; its parcel becomes the case's return shipment."""
    from crossdesk.tracking.labels import create_return_label

    raw = from_path.read_bytes()
    try:
        address = tomllib.loads(raw.decode()) if from_path.suffix == ".toml" else orjson.loads(raw)
    except (tomllib.TOMLDecodeError, orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{from_path}: not readable as {from_path.suffix or 'JSON'}: {exc}") from exc
    if not isinstance(address, dict):
        raise UserError(f"{from_path}: an address is a table of fields")
    s = create_return_label(desk.tracking, actor, case_id, address, weight_grams=weight, provider=provider)
    click.echo(_line(s))
    lb = s["label"]
    click.echo(f"label {lb['carrier']} {lb['cost_minor'] / 100:.2f} {lb['currency']}: {lb['url']}")


@tracking.command("configure")
@click.option("--provider", default=None, help="The provider parcels are registered with.")
@click.option("--label-provider", default=None)
@click.option("--base-url", "base_urls", multiple=True, help="PROVIDER=URL (proxies, test servers).")
@click.option("--stall-days", "stall", multiple=True, help="CARRIER=DAYS or default=DAYS.")
@click.option("--poll-hours", type=FiniteFloat(min=0.1), default=None)
@with_desk
def configure(desk: Any, actor: Any, provider: str | None, label_provider: str | None,
              base_urls: tuple[str, ...], stall: tuple[str, ...], poll_hours: float | None) -> None:  # fmt: skip
    """Change the tracking settings (keys come from the environment, never from here)."""
    cfg = desk.tracking.config()
    changes: dict[str, Any] = {}
    if provider is not None:
        changes["provider"] = provider
    if label_provider is not None:
        changes["label_provider"] = label_provider
    if poll_hours is not None:
        changes["poll_hours"] = poll_hours
    if base_urls:
        providers = {k: dict(v) for k, v in cfg["providers"].items()}
        for item in base_urls:
            name, sep, url = item.partition("=")
            if not sep or not url.startswith(("http://", "https://")):
                raise UserError(f"--base-url {item!r}: give PROVIDER=http(s)://...")
            providers.setdefault(name, {})["base_url"] = url
        changes["providers"] = providers
    if stall:
        table = dict(cfg["stall_days"])
        for item in stall:
            name, sep, days = item.partition("=")
            try:
                table[name.strip().lower()] = float(days)
            except ValueError:
                raise UserError(f"--stall-days {item!r}: give CARRIER=DAYS") from None
            if not sep or not 0 < table[name.strip().lower()] < 3650:
                raise UserError(f"--stall-days {item!r}: give CARRIER=DAYS (more than 0, under 3650)")
        changes["stall_days"] = table
    cfg = desk.tracking.configure(actor, **changes)
    click.echo(orjson.dumps({k: cfg[k] for k in sorted(cfg)}, option=orjson.OPT_INDENT_2).decode())
