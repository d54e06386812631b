"""``crossdesk customers``: segments (list, show, segment, segments) and merges a person controls
(suggestions, merge, reject, unmerge)."""

from __future__ import annotations

from typing import Any

import click

from crossdesk.cli.common import UserError, with_desk
from crossdesk.cli.numbers import FiniteFloat


def register(cli: click.Group) -> None:
    cli.add_command(customers)


@click.group()
def customers() -> None:
    """Buyers merged across platforms: their segments, and merges you confirm or undo."""


@customers.command("segment")
@with_desk
def segment(desk: Any, actor: Any) -> None:
    """Recompute every buyer's RFM scores and segment against the desk's distribution now."""
    report = desk.segments.recompute_all(actor)
    click.echo(f"{report} in {report.seconds:.2f}s")


@customers.command("segments")
@click.option("--set", "pairs", multiple=True, metavar="KEY=N", help="Set a threshold (e.g. core_orders=3).")
@with_desk
def segments(desk: Any, actor: Any, pairs: tuple[str, ...]) -> None:
    """Buyers per segment, and the thresholds in force (--set changes one; run 'customers segment' after)."""
    if pairs:
        values = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or not value.strip().lstrip("-").isdigit():
                raise UserError(f"--set takes KEY=N with N a whole number, not {pair!r}")
            values[key.strip()] = int(value)
        desk.segments.set_thresholds(actor, values)
    for name, n in desk.segments.counts(actor).items():
        click.echo(f"{name:<11} {n:>9,}")
    click.echo("thresholds: " + ", ".join(f"{k}={v}" for k, v in desk.segments.thresholds().items()))


@customers.command("list")
@click.option(
    "--segment", "segment_", default=None, help="new, potential, core, high-value, at-risk, lapsed."
)
@click.option("--platform", default=None, help="Buyers with an identity on this platform.")
@click.option("--country", default=None, help="ISO 3166 country code.")
@click.option("--min-value", type=FiniteFloat(min=0), default=None, help="At least this many USD in the window.")
@click.option("--name", default=None, help="Part of the name.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@with_desk
def list_(desk: Any, actor: Any, **filters: Any) -> None:
    """Buyers with their segment and RFM figures, most valuable first."""
    rows = desk.segments.list(actor, **{("segment" if k == "segment_" else k): v for k, v in filters.items()})
    for r in rows:
        seg = r["segment"] or "-"
        click.echo(
            f"#{r['id']:<8} {seg:<10} R{r['r'] or 0}F{r['f'] or 0}M{r['m'] or 0} "
            f"{r['frequency'] or 0:>3} orders USD {r['monetary_usd'] or 0:>11,.2f}  {r['country'] or '??'}  "
            f"{r['platforms'] or '-':<20} {r['name']}"
        )
    click.echo(f"{len(rows)} buyer(s)")


@customers.command("show")
@click.argument("customer_id", type=int)
@with_desk
def show(desk: Any, actor: Any, customer_id: int) -> None:
    """One buyer: identities, segment with its scores and reason, orders, tickets, merges."""
    p = desk.customers.profile(actor, customer_id)
    click.echo(
        f"#{p['id']} {p['name']}  {p['country']} {p['language']}  lifetime USD {p['lifetime_value_usd']:,.2f}"
    )
    if p["merged_into"]:
        click.echo(f"merged into #{p['merged_into']} (undo: crossdesk customers unmerge {p['id']})")
    s = desk.segments.of(actor, customer_id)
    click.echo(f"segment: {s['reason']}" if s else "segment: not computed yet (crossdesk customers segment)")
    for i in p["identities"]:
        click.echo(f"  identity {i['platform']:<8} {i['shop_name']:<20} {i['external_id']}")
    for o in p["orders"]:
        click.echo(
            f"  order #{o['id']} {o['platform']:<8} {o['external_id']} {o['total_minor']} {o['currency']} {o['status']}"
        )
    for t in p["tickets"]:
        click.echo(f"  ticket #{t['id']} {t['platform']:<8} {t['subject']}")
    for m in desk.merges.journal(actor, customer_id):
        undone = f", undone by {m['unmerged_by']}" if m["unmerged_at"] else ""
        click.echo(f"  merge #{m['id']}: #{m['other_id']} into #{m['keep_id']} by {m['actor']}{undone}")


@customers.command("suggestions")
@click.option("--customer", "customer_id", type=int, default=None, help="Only pairs with this buyer.")
@click.option("--min-score", type=click.FloatRange(0, 100), default=88.0, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@with_desk
def suggestions(desk: Any, actor: Any, customer_id: int | None, min_score: float, limit: int) -> None:
    """Profiles that may be one buyer, with the evidence; nothing is merged until you say so."""
    found = desk.merges.suggestions(actor, customer_id, limit=limit, min_score=min_score)
    for s in found:
        click.echo(f"#{s.keep_id} + #{s.other_id}  {s.score:.0f}")
        for e in s.evidence:
            click.echo(f"    {e}")
    click.echo(
        f"{len(found)} suggestion(s); accept: customers merge KEEP OTHER; reject: customers reject A B"
    )


@customers.command("merge")
@click.argument("keep_id", type=int)
@click.argument("other_id", type=int)
@click.option("--evidence", default="", help="Why (kept in the merge journal).")
@with_desk
def merge(desk: Any, actor: Any, keep_id: int, other_id: int, evidence: str) -> None:
    """Merge OTHER_ID into KEEP_ID (reversible with 'customers unmerge OTHER_ID')."""
    merge_id = desk.merges.merge(actor, keep_id, other_id, evidence=evidence)
    click.echo(f"merge #{merge_id}: #{other_id} merged into #{keep_id}")


@customers.command("reject")
@click.argument("a", type=int)
@click.argument("b", type=int)
@with_desk
def reject(desk: Any, actor: Any, a: int, b: int) -> None:
    """Say A and B are different buyers: the pair is not suggested again."""
    desk.merges.reject(actor, a, b)
    click.echo(f"#{a} and #{b} are different buyers; not suggested again")


@customers.command("unmerge")
@click.argument("other_id", type=int)
@with_desk
def unmerge(desk: Any, actor: Any, other_id: int) -> None:
    """Undo the merge that absorbed OTHER_ID: both profiles as they were."""
    merge_id = desk.merges.unmerge(actor, other_id)
    click.echo(f"merge #{merge_id} undone: #{other_id} restored")
