"""``crossdesk draft``, ``summarize``, ``thread`` and ``llm usage|budget|bench``: AI assist on the command
line (docs/ai.md)."""

from __future__ import annotations

import time
from typing import Any

import click
import orjson

from crossdesk.cli.common import with_desk


def register(cli: click.Group) -> None:
    cli.add_command(draft)
    cli.add_command(summarize)
    cli.add_command(thread)
    cli.add_command(llm)


@click.command()
@click.argument("ticket_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the draft, its flags and its cost as JSON.")
@with_desk
def draft(desk: Any, actor: Any, ticket_id: int, as_json: bool) -> None:
    """Draft a reply to TICKET_ID in the buyer's language, with a back-translation. Nothing is sent.

    The draft rests only on the ticket's facts (thread, order, tracking, cases, refunds, KB articles);
    what it states that the facts do not hold is listed under "check:".
    """
    d = desk.assist.draft(actor, ticket_id)
    if as_json:
        click.echo(orjson.dumps({
            "ticket_id": d.ticket_id, "language": d.language, "text": d.text,
            "back_translation": d.back_translation, "agent_language": d.agent_language, "flags": d.flags,
            "model": d.model, "tokens": d.tokens, "seconds": round(d.seconds, 3),
        }, option=orjson.OPT_INDENT_2).decode())  # fmt: skip
        return
    click.echo(f"draft ({d.language}):\n{d.text}\n")
    click.echo(f"back-translation ({d.agent_language}):\n{d.back_translation}\n")
    for flag in d.flags:
        click.echo(f"check: {flag}")
    click.echo(
        f"{d.model}: {d.tokens} tokens, {d.seconds:.2f} s; not sent: edit it and send it yourself", err=True
    )


@click.command()
@click.argument("ticket_id", type=int)
@click.option("--to", "language", default=None, help="Language of the summary (default: the agent's).")
@with_desk
def summarize(desk: Any, actor: Any, ticket_id: int, language: str | None) -> None:
    """A short summary of TICKET_ID's thread in the agent's language."""
    s = desk.assist.summarize(actor, ticket_id, language=language)
    click.echo(s.text)
    click.echo(
        f"{s.messages} messages ({', '.join(s.languages) or '?'}); {s.model}: {s.tokens} tokens", err=True
    )
    if s.note:
        click.echo(f"note: {s.note}", err=True)


@click.command()
@click.argument("ticket_id", type=int)
@with_desk
def thread(desk: Any, actor: Any, ticket_id: int) -> None:
    """TICKET_ID's messages, each buyer message with how much of it was translated and by whom."""
    ticket = desk.ticket(actor, ticket_id)
    agent_language = desk.translation.agent_language(actor)
    for m in ticket["messages"]:
        head = f"#{m['id']} {m['direction']} {m.get('language') or '?'}"
        if m["direction"] == "in":
            head += provenance(m, agent_language)
        click.echo(head)
        click.echo("  " + m["body"].replace("\n", "\n  "))
        if m.get("translation"):
            click.echo(f"  [{m.get('translated_to')}] " + m["translation"].replace("\n", "\n  "))
    warning = desk.translation.no_real_translator(agent_language)
    if warning:
        click.echo(f"warning: {warning}", err=True)


def provenance(m: dict, agent_language: str) -> str:
    lang = m.get("language") or ""
    if not m.get("translation"):
        return ": not translated" if lang and lang != agent_language and not m.get("translated_to") else ""
    by = "the phrasebook" if m.get("translated_by") == "offline" else (m.get("translated_by") or "?")
    cov = m.get("translation_coverage")
    if cov is None:
        return f": translated by {by}"
    return f": {cov:.0%} translated by {by}" + ("" if cov >= 0.999 else " (⟦ ⟧ parts left as written)")


@click.group()
def llm() -> None:
    """The language model: usage and cost, the daily budget, a bench."""


@llm.command()
@with_desk
def usage(desk: Any, actor: Any) -> None:
    """Today's calls, tokens, cost and time, per purpose; the budget."""
    t = desk.llm.today()
    missing = desk.llm.missing()
    click.echo(f"model: {desk.llm.settings.model or '-'}" + (f" (not ready: {missing})" if missing else ""))
    click.echo(
        f"{t.day}: {t.calls} calls ({t.failed} failed), {t.tokens} tokens, {t.cost_usd:.4f} USD, {t.seconds:.1f} s"
    )
    for purpose, row in sorted(t.by_purpose.items()):
        click.echo(
            f"  {purpose:10} {int(row['calls'])} calls, {int(row['tokens'])} tokens, {row['cost_usd']:.4f} USD"
        )
    budget = desk.llm.budget()
    click.echo("budget: " + (", ".join(f"{k} {v:g}" for k, v in budget.items()) or "none"))


@llm.command()
@click.option("--usd", type=float, default=None, help="Daily limit in USD.")
@click.option("--tokens", type=int, default=None, help="Daily limit in tokens (for a free local server).")
@with_desk
def budget(desk: Any, actor: Any, usd: float | None, tokens: int | None) -> None:
    """Set the desk's daily budget (neither option: no limit)."""
    desk.llm.set_budget(actor, daily_usd=usd, daily_tokens=tokens)
    click.echo("budget: " + (", ".join(f"{k} {v:g}" for k, v in desk.llm.budget().items()) or "none"))


@llm.command()
@click.option("--messages", type=click.IntRange(1, 2000), default=200, show_default=True)
@click.option("--drafts", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option(
    "--batch", type=click.IntRange(1, 100), default=20, show_default=True, help="Texts per request."
)
def bench(messages: int, drafts: int, batch: int) -> None:
    """Tokens and time per translated message and per draft, against the loopback fake model."""
    for line in run_bench(messages=messages, drafts=drafts, batch=batch):
        click.echo(line)


def run_bench(*, messages: int, drafts: int, batch: int) -> list[str]:
    """Translate ``messages`` buyer messages (13 languages, phrasebook sentences with order numbers) into
    English in requests of ``batch``, then draft ``drafts`` replies, all against :class:`LlmFake` on
    loopback in an in-memory desk; return the report lines. The fake answers at once, so the times are
    crossdesk's own cost per item (prompt building, HTTP, JSON, checks, detection, cache), not a model's."""
    from crossdesk.api import Desk
    from crossdesk.fakes.llm import LANGUAGES, LlmFake, _phrasebook, render
    from crossdesk.llm import LlmSettings
    from crossdesk.models import Actor

    actor = Actor.system("bench")
    concepts = [
        c for c in _phrasebook()["en"]["phrases"] if "{ref}" not in _phrasebook()["en"]["phrases"][c][0]
    ]
    langs = [lang for lang in LANGUAGES if lang != "en"]
    texts, sources = [], []
    for i in range(messages):
        lang = langs[i % len(langs)]
        a, b = concepts[i % len(concepts)], concepts[(i * 7 + 3) % len(concepts)]
        texts.append(
            f"{render(a, lang)} {render(b, lang)} {render('order_ref', lang, f'302-{1000000 + i}-{i:07d}')}"
        )
        sources.append(lang)
    lines = []
    with LlmFake() as fake:
        desk = Desk.memory()
        try:
            desk.llm.configure(LlmSettings(base_url=fake.api_base, model="fake-llm", stream=False))
            desk.store.put_setting(
                "translation", {"providers": ["llm"], "provider_settings": {"llm": {"max_texts": batch}}}
            )
            desk.translation.detect("warm up the detector")
            started = time.perf_counter()
            out = desk.translation.translate(texts, "en", sources=sources)
            took = time.perf_counter() - started
            ok = sum(1 for t in out if t.provider == "llm")
            tr = desk.llm.today().by_purpose.get("translate", {"calls": 0, "tokens": 0})
            lines.append(
                f"translate: {messages} messages in {int(tr['calls'])} requests of up to {batch}: "
                f"{ok} accepted by the checks; {tr['tokens'] / messages:.0f} tokens and "
                f"{took / messages * 1000:.1f} ms per message"
            )
            tickets = [_bench_ticket(desk, actor, i) for i in range(drafts)]
            started = time.perf_counter()
            made = [desk.assist.draft(actor, t) for t in tickets]
            took = time.perf_counter() - started
            tokens = sum(d.tokens for d in made)
            flagged = sum(1 for d in made if d.flags)
            lines.append(
                f"draft: {drafts} drafts: {tokens / drafts:.0f} tokens and {took / drafts * 1000:.1f} ms per "
                f"draft; {flagged} flagged"
            )
            prompt = fake.bodies[-1]["messages"]
            lines.append(
                f"last draft prompt: system {len(prompt[0]['content'])} chars, user (facts + thread as JSON) "
                f"{len(prompt[1]['content'])} chars"
            )
        finally:
            desk.close()
    return lines


def _bench_ticket(desk: Any, actor: Any, i: int) -> int:
    shop_id = desk.upsert_shop(
        actor,
        platform="amazon",
        external_id="BENCH-DE",
        name="Bench DE",
        country="DE",
        currency="EUR",
        marketplace="A1PA6795UKMFR9",
    )
    order_id = desk.upsert_order(
        actor,
        platform="amazon",
        shop_id=shop_id,
        external_id=f"302-{2000000 + i}-0000001",
        customer_id=None,
        currency="EUR",
        ordered_at=desk.now() - 10 * 86400,
        shipped_at=desk.now() - 8 * 86400,
        tracking_number=f"1ZBENCH{i:08d}",
        carrier="UPS",
        lines=[{"sku": "LAMP-01", "title": "Desk lamp", "quantity": 1, "unit_price_minor": 8990}],
    )
    ticket_id, _, _ = desk.receive_message(
        actor, platform="amazon", shop_id=shop_id, thread_id=f"BT{i}", external_id=f"BM{i}",
        body="Hallo, der Artikel kam kaputt an. Das Paket war beschädigt.", created_at=desk.now() - 3600,
        order_id=order_id, language="de",
    )  # fmt: skip
    return int(ticket_id)
