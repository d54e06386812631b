"""After-sales commands: ``crossdesk returns evaluate`` and ``crossdesk cases list|show|open|act|report|stock``."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import click
import orjson

from crossdesk.cli.common import UserError, cli_actor, db_option, open_desk, resolve_db
from crossdesk.cli.numbers import MinorAmount
from crossdesk.io.records import MAX_QUANTITY
from crossdesk.outbox import requests
from crossdesk.policy.words import verdict_words

#: Case steps that queue a platform action, so run once per request id.
REQUEST_ACTIONS = ("approve", "decline", "refund")


def derived_request_id(db: Path, actor: str, action: str, params: dict[str, Any]) -> str:
    """The request id of a command-line call: the same call on the same desk by the same user gives the
    same id, so running it again after it died finds the first run."""
    call = orjson.dumps([str(db.resolve()), actor, action, params], option=orjson.OPT_SORT_KEYS)
    return "cli:" + hashlib.sha256(call).hexdigest()[:32]


def _earlier(row: dict) -> str:
    when = dt.datetime.fromtimestamp(row["created_at"], dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    what = f"refund {row['result_id']}, " if row["action"] == "refund" else ""
    return f"({what}by {row['actor']} at {when}, request {row['request_id']}); nothing done again"


DATE = click.DateTime(formats=["%Y-%m-%d"])


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def _print_json(data: Any) -> None:
    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode())


def register(cli: click.Group) -> None:
    cli.add_command(returns)
    cli.add_command(cases)


# ---- returns -------------------------------------------------------------------------------------------


@click.group()
def returns() -> None:
    """Return law and platform return policies."""


@returns.command("evaluate")
@click.option("--country", required=True, help="Buyer's country, ISO 3166-1 alpha-2 (DE, GB, US...).")
@click.option(
    "--region", default=None, help="Buyer's subdivision (BY, CA...), for regional holidays and state law."
)
@click.option(
    "--platform", default=None, help="amazon, ebay, shopee, aliexpress, shopify; omit for the own shop."
)
@click.option("--ordered", type=DATE, default=None, help="Order date, YYYY-MM-DD.")
@click.option("--delivered", type=DATE, multiple=True, help="Delivery date per parcel or lot (repeat).")
@click.option(
    "--requested", type=DATE, default=None, help="Day the buyer sent the return or withdrawal notice."
)
@click.option("--not-informed", is_flag=True, help="The buyer was never told of the right of withdrawal.")
@click.option("--informed-on", type=DATE, default=None, help="Day the buyer was told of the right, if late.")
@click.option(
    "--regular-delivery", is_flag=True, help="Goods delivered regularly over a period (subscription)."
)
@click.option(
    "--flag", "flags", multiple=True, help="custom_made, perishable, faulty, not_as_described... (repeat)."
)
@click.option("--seller-days", type=int, default=None, help="The shop's own posted return window in days.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
def evaluate(
    country: str,
    region: str | None,
    platform: str | None,
    ordered: dt.datetime | None,
    delivered: tuple[dt.datetime, ...],
    requested: dt.datetime | None,
    not_informed: bool,
    informed_on: dt.datetime | None,
    regular_delivery: bool,
    flags: tuple[str, ...],
    seller_days: int | None,
    as_json: bool,
) -> None:
    """Evaluate a return under the buyer's law, the platform's policy and the shop's own."""
    from crossdesk.plugin_manager import plugins_manager
    from crossdesk.policy import ReturnQuery, evaluate_return

    if not_informed and informed_on:
        raise UserError("give --not-informed or --informed-on, not both")
    informed: bool | dt.date = _date(informed_on) or not not_informed
    query = ReturnQuery(
        country=country,
        region=region,
        platform=platform,
        ordered=_date(ordered),
        delivered=[d.date() for d in delivered],
        requested=_date(requested),
        informed=informed,
        regular_delivery=regular_delivery,
        flags=frozenset(flags),
        seller_policy_days=seller_days,
    )
    verdict = evaluate_return(query, pm=plugins_manager())
    if as_json:
        _print_json(verdict.to_dict())
        return
    click.echo(verdict.summary())
    for v in verdict.considered:
        click.echo(f"\n[{v.policy}] {v.summary()}")
        for reason in v.reasons:
            click.echo(f"  - {reason}")


# ---- cases -----------------------------------------------------------------------------------------------


@click.group()
def cases() -> None:
    """After-sales cases: returns, exchanges, refunds, cancellations, complaints."""


@cases.command("list")
@db_option
@click.option("--state", "states", multiple=True, help="Only cases in this state (repeat).")
@click.option("--type", "case_type", default=None, help="return, exchange, refund, cancellation, complaint.")
@click.option("--platform", default=None)
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def list_cases(
    db_path: Path | None,
    states: tuple[str, ...],
    case_type: str | None,
    platform: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List cases, oldest request first."""
    desk = open_desk(db_path)
    rows = desk.cases.list(
        cli_actor(desk), state=list(states) or None, type=case_type, platform=platform, limit=limit
    )
    if as_json:
        _print_json(rows)
        return
    if not rows:
        click.echo("no cases")
    for r in rows:
        due = (
            dt.datetime.fromtimestamp(r["refund_due"], dt.UTC).date().isoformat() if r["refund_due"] else "-"
        )
        click.echo(
            f"{r['id']:>6}  {r['type']:<12} {r['state']:<20} {r['platform']:<10} order {r['order_id']}  "
            f"refund due {due}  {r['next_step'] or r['exception_reason']}".rstrip()
        )


@cases.command("show")
@db_option
@click.argument("case_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def show(db_path: Path | None, case_id: int, as_json: bool) -> None:
    """One case: state, verdict, lines, refunds and history."""
    desk = open_desk(db_path)
    case = desk.cases.get(cli_actor(desk), case_id)
    if as_json:
        _print_json(case)
        return
    click.echo(
        f"case {case['id']}: {case['type']} {case['state']} ({case['platform']}, order {case['order_id']})"
    )
    if case["next_step"]:
        click.echo(f"next step: {case['next_step']}")
    if case["exception_reason"]:
        click.echo(f"exception: {case['exception_reason']}")
    verdict = case["verdict"]
    if verdict:
        click.echo(
            f"verdict: {verdict_words(verdict['eligible'], verdict['deadline'])} - {verdict['basis']}"
        )
    for line in case["lines"]:
        click.echo(
            f"  {line['quantity']} x {line['sku']}"
            + (f" -> {line['replacement_sku']}" if line["replacement_sku"] else "")
        )
    for refund in case["refunds"]:
        click.echo(
            f"  refund {refund['id']}: {refund['amount_minor']} {refund['currency']} by {refund['actor']}"
        )
    for event in case["events"]:
        click.echo(
            f"  {event['action']}: {event['from_state'] or '-'} -> {event['to_state']} by {event['actor']}"
        )


def _item(text: str) -> dict:
    sku, _, rest = text.partition(":")
    qty, _, replacement = rest.partition(":")
    try:
        quantity = int(qty or 1)
    except ValueError:
        raise UserError(f"--item {text!r}: expected SKU[:QUANTITY[:REPLACEMENT_SKU]]") from None
    if not 1 <= quantity <= MAX_QUANTITY:
        raise UserError(f"--item {text[:60]!r}: the quantity must be from 1 to {MAX_QUANTITY:,}")
    return {"sku": sku, "quantity": quantity, "replacement_sku": replacement}


@cases.command("open")
@db_option
@click.option("--order", "order_id", type=int, required=True, help="Order id on this desk.")
@click.option("--type", "case_type", default="return", show_default=True)
@click.option("--item", "items", multiple=True, help="SKU[:QUANTITY[:REPLACEMENT_SKU]] (repeat).")
@click.option("--reason", default="")
@click.option(
    "--flag", "flags", multiple=True, help="Facts for the return law: faulty, custom_made... (repeat)."
)
def open_case(
    db_path: Path | None,
    order_id: int,
    case_type: str,
    items: tuple[str, ...],
    reason: str,
    flags: tuple[str, ...],
) -> None:
    """Open a case for an order; return-type cases are evaluated against the return policies."""
    desk = open_desk(db_path)
    case_id = desk.cases.open(
        cli_actor(desk),
        type=case_type,
        order_id=order_id,
        items=[_item(i) for i in items],
        reason=reason,
        flags=flags,
    )
    case = desk.cases.get(cli_actor(desk), case_id)
    click.echo(f"case {case_id} opened: {case['state']}")
    if case["verdict"]:
        click.echo(
            f"verdict: {case['verdict']['basis']}, "
            f"{verdict_words(case['verdict']['eligible'], case['verdict']['deadline'])}"
        )


@cases.command("act")
@db_option
@click.argument("action")
@click.argument("case_ids", type=int, nargs=-1, required=True)
@click.option("--reason", default=None, help="For decline and flag.")
@click.option("--amount", type=MinorAmount(), default=None, help="Refund amount in minor units (cents).")
@click.option("--currency", default=None, help="Refund currency; must be the order's.")
@click.option("--tracking", default=None)
@click.option("--without-return", is_flag=True, help="Refund a return before the goods are back.")
@click.option(
    "--request-id",
    default=None,
    help="Idempotency key: a rerun with the same id does nothing again (default: derived from the call).",
)
@click.option("--force", is_flag=True, help="Refund again what was just refunded on the case (same amount).")
def act(
    db_path: Path | None,
    action: str,
    case_ids: tuple[int, ...],
    reason: str | None,
    amount: int | None,
    currency: str | None,
    tracking: str | None,
    without_return: bool,
    request_id: str | None,
    force: bool,
) -> None:
    """Do ACTION (approve, decline, issue_label, ship_back, receive, refund, ship_replacement, close, flag)
    on one case or, as a batch, on several: each case gets its own result.

    Refunds and decisions run once per request: the same command run again (say after it was killed)
    finds the first run and does nothing; an identical refund under another request id is refused unless
    ``--force``."""
    desk = open_desk(db_path)
    actor = cli_actor(desk)
    params: dict[str, Any] = {}
    if reason is not None:
        params["reason"] = reason
    if tracking is not None:
        params["tracking"] = tracking
    if action == "refund":
        params.update(amount_minor=amount, currency=currency, without_return=without_return, force=force)
    elif amount is not None or currency is not None or force:
        raise UserError("--amount, --currency and --force go with refund only")
    if action in REQUEST_ACTIONS:
        if force and request_id is None:
            request_id = requests.new_id()  # forced: a request of its own
        db = resolve_db(db_path)
        per_case = {
            c: (f"{request_id}:{c}" if len(case_ids) > 1 else request_id)
            if request_id
            else derived_request_id(db, actor.name, action, {**params, "case": c})
            for c in case_ids
        }
        for case_id, rid in list(per_case.items()):
            earlier = desk.outbox.request(actor, rid)
            if earlier is not None and earlier["object_id"] == case_id:
                click.echo(f"case {case_id}: {action} already done {_earlier(earlier)}")
                del per_case[case_id]
        case_ids = tuple(per_case)
        if not case_ids:
            return
    elif request_id is not None:
        raise UserError(f"--request-id goes with {', '.join(REQUEST_ACTIONS)}")
    if len(case_ids) == 1:
        if action in REQUEST_ACTIONS:
            params["request_id"] = per_case[case_ids[0]]
        desk.cases.act(actor, case_ids[0], action, **params)
        click.echo(f"case {case_ids[0]}: {action} done")
        return
    if action in REQUEST_ACTIONS:
        results = {
            c: desk.bulk.cases(actor, [c], action, request_id=per_case[c], **params)[c] for c in case_ids
        }
    else:
        results = desk.bulk.cases(actor, list(case_ids), action, **params)
    for case_id, result in results.items():
        click.echo(f"case {case_id}: {result}")
    failed = sum(1 for r in results.values() if r != "ok")
    if failed:
        raise UserError(f"{failed} of {len(results)} cases failed; the others are done")


@cases.command("evaluate")
@db_option
@click.argument("case_ids", type=int, nargs=-1)
def evaluate_cases(db_path: Path | None, case_ids: tuple[int, ...]) -> None:
    """Judge cases against the return policies again (no ids: every open case without a verdict yet)."""
    desk = open_desk(db_path)
    actor = cli_actor(desk)
    if case_ids:
        results = {case_id: desk.cases.evaluate(actor, case_id).summary() for case_id in case_ids}
    else:
        results = desk.cases.evaluate_missing(actor)
    if not results:
        click.echo("no cases to evaluate")
    for case_id, summary in results.items():
        click.echo(f"case {case_id}: {summary}")


@cases.command("report")
@db_option
@click.option(
    "--days", type=int, default=14, show_default=True, help="Returns not received after this many days."
)
@click.option("--json", "as_json", is_flag=True)
def report(db_path: Path | None, days: int, as_json: bool) -> None:
    """Exceptions: mismatched requests, returns not received, refunds overdue, cases acted on twice."""
    desk = open_desk(db_path)
    rows = desk.cases.exception_report(cli_actor(desk), not_received_days=days)
    if as_json:
        _print_json(rows)
        return
    if not rows:
        click.echo("no exceptions")
    for r in rows:
        click.echo(f"case {r['case_id']:>6}  {r['kind']:<15} {r['detail']}")


@cases.command("stock")
@db_option
@click.argument("sku")
@click.option("--set", "on_hand", type=int, default=None, help="Set the quantity on hand.")
def stock(db_path: Path | None, sku: str, on_hand: int | None) -> None:
    """Show (or set) the stock of a SKU used for exchanges."""
    desk = open_desk(db_path)
    actor = cli_actor(desk)
    row = desk.cases.set_stock(actor, sku, on_hand) if on_hand is not None else desk.cases.stock(actor, sku)
    click.echo(
        f"{row['sku']}: on hand {row['on_hand']}, reserved {row['reserved']}, available {row['available']}"
    )
