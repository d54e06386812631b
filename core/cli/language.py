"""Language commands: ``detect``, ``translate``, ``translate-incoming``, ``translators``, ``glossary``."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

from crossdesk.cli.common import UserError, cli_actor, db_option, resolve_db, with_desk

_CODE = re.compile(r"^[a-z]{2,3}$")


def register(cli: click.Group) -> None:
    cli.add_command(detect)
    cli.add_command(translate)
    cli.add_command(translate_incoming)
    cli.add_command(translators)
    cli.add_command(glossary)


def _lang(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    code = value.strip().lower()
    if not _CODE.match(code):
        raise UserError(f"{option}: {value!r} is not an ISO 639-1 language code (e.g. de, ja, pt)")
    return code


@click.command()
@click.argument("texts", nargs=-1, required=True)
@db_option
def detect(texts: tuple[str, ...], db_path: Path | None) -> None:
    """Print the language of TEXT: its ISO 639-1 code, then the confidence.

    Several TEXTs give one line each; "-" reads one text per line from standard input.
    """
    from crossdesk.language import detect as detect_language
    from crossdesk.plugin_manager import plugins_manager

    items: list[str] = []
    for text in texts:
        if text == "-":
            items.extend(line.rstrip("\n") for line in sys.stdin)
        else:
            items.append(text)
    if len(items) == 1 and not items[0].strip():
        raise UserError("nothing to detect: the text is empty")
    pm = plugins_manager()
    for text in items:
        guess = detect_language(text, pm=pm)
        click.echo(f"{guess.language} {guess.confidence:.2f}")


def _desk_for_translation(db_path: Path | None) -> Any:
    """The desk at ``--db`` when it exists (its cache and glossary are used), else a throwaway one."""
    from crossdesk.api import Desk

    path = resolve_db(db_path)
    if path.exists():
        return Desk.open(path)
    if db_path is not None:
        raise UserError(f"no desk at {path}; create one with 'crossdesk init' or leave out --db")
    return Desk.memory()


@click.command()
@click.argument("text")
@click.option("--to", "target", required=True, help="Target language, ISO 639-1 (de, ja, pt...).")
@click.option("--from", "source", default=None, help="Source language (default: detected).")
@click.option(
    "--provider", default=None, help="Use only this translator (deepl, google, libretranslate, offline)."
)
@click.option("--shop", "shop_id", type=int, default=0, help="Apply this shop's glossary.")
@db_option
def translate(
    text: str, target: str, source: str | None, provider: str | None, shop_id: int, db_path: Path | None
) -> None:
    """Print TEXT translated into --to.

    Providers are tried in the configured order with fallbacks unless --provider names one. Parts the
    offline phrasebook could not translate are kept as written inside ⟦ ⟧.
    """
    if not text.strip():
        raise UserError("nothing to translate: the text is empty")
    target_code = _lang(target, "--to")
    source_code = _lang(source, "--from")
    desk = _desk_for_translation(db_path)
    try:
        service = desk.translation
        result = service.translate(
            [text], target_code, source=source_code, provider=provider, shop_id=shop_id
        )[0]
        for note in service.stats.notes:
            click.echo(f"note: {note}", err=True)
        if not result.ok:
            raise UserError(result.error)
        click.echo(result.text)
        if result.fallback and result.provider:
            click.echo(f"note: translated by {result.provider}", err=True)
        if result.untranslated:
            click.echo(
                f"note: {result.provider} translated {result.coverage:.0%} of the text; "
                "the parts in ⟦ ⟧ are left as written",
                err=True,
            )
    finally:
        desk.translation.close()
        desk.close()


@click.command("translate-incoming")
@click.option("--to", "target", default=None, help="Target language (default: the agent language).")
@click.option("--limit", type=int, default=None, help="Translate at most this many messages.")
@click.option(
    "--all", "force", is_flag=True, help="Go over every buyer message again (answered from the cache)."
)
@with_desk
def translate_incoming(desk: Any, actor: Any, target: str | None, limit: int | None, force: bool) -> None:
    """Translate buyer messages not yet in the agent's language (cached; safe to re-run)."""
    service = desk.translation
    try:
        report = service.translate_incoming(actor, target=_lang(target, "--to"), limit=limit, force=force)
    finally:
        service.close()
    stats = report.stats
    for note in stats.notes:
        click.echo(f"note: {note}", err=True)
    sent = ", ".join(
        f"{name} {n} in {stats.requests[name]} requests" for name, n in sorted(stats.sent_texts.items())
    )
    click.echo(
        f"{report.messages} messages: {report.translated} translated, {report.same_language} already in the "
        f"target language, {report.queued} queued for a retry; cache hits {stats.cache_hits}, "
        f"sent {stats.sent} texts" + (f" ({sent})" if sent else "")
    )
    if report.translated or report.warning:
        click.echo(f"note: {report.headline}", err=True)


@click.command()
@db_option
def translators(db_path: Path | None) -> None:
    """Installed translators, whether each is ready, and the configured order."""
    desk = _desk_for_translation(db_path)
    try:
        cli_actor(desk)
        service = desk.translation
        for p in service.providers():
            state = "ready" if p.ready else f"not ready: {p.reason}"
            click.echo(f"{p.name:16} {state}  ({len(p.languages)} languages)")
        click.echo(
            f"order: {' -> '.join(service.config.providers)}   agent language: {service.config.agent_language}"
        )
        warning = service.no_real_translator()
        if warning:
            click.echo(f"warning: {warning}")
    finally:
        desk.close()


@click.group()
def glossary() -> None:
    """Terms never translated (brands, products, SKUs) or always translated one way, per shop."""


@glossary.command("list")
@click.option("--shop", "shop_id", type=int, default=0, help="Shop id (0: the terms for every shop).")
@with_desk
def glossary_list(desk: Any, actor: Any, shop_id: int) -> None:
    """List the glossary terms that apply to a shop."""
    desk.require(actor, "view")
    terms = desk.translation.glossary_terms(shop_id)
    if not terms:
        click.echo("no glossary terms")
    for t in sorted(terms, key=lambda t: t.term.casefold()):
        fixed = ", ".join(f"{k}={v}" for k, v in sorted(t.translations.items())) or "never translated"
        where = f"shop {t.shop_id}" if t.shop_id else "every shop"
        lang = f" [{t.language}]" if t.language else ""
        click.echo(f"{t.term}{lang}: {fixed} ({where})")


@glossary.command("set")
@click.argument("term")
@click.option(
    "--to", "translations", multiple=True, metavar="LANG=TEXT", help="A fixed translation; repeatable."
)
@click.option("--shop", "shop_id", type=int, default=0, help="Shop id (0: every shop).")
@click.option("--from", "language", default="", help="Only when the text is in this language.")
@with_desk
def glossary_set(
    desk: Any, actor: Any, term: str, translations: tuple[str, ...], shop_id: int, language: str
) -> None:
    """Add or change TERM: without --to it is never translated."""
    fixed: dict[str, str] = {}
    for item in translations:
        lang, sep, text = item.partition("=")
        if not sep or not text.strip():
            raise UserError(f"--to {item!r}: write it as LANG=TEXT, e.g. --to de=Rücksendeetikett")
        fixed[_lang(lang, "--to") or ""] = text.strip()
    desk.translation.set_term(
        actor,
        term,
        shop_id=shop_id,
        translations=fixed,
        language=_lang(language, "--from") or "" if language else "",
    )
    click.echo(
        f"glossary: {term} "
        + (", ".join(f"{k}={v}" for k, v in fixed.items()) if fixed else "never translated")
    )


@glossary.command("remove")
@click.argument("term")
@click.option("--shop", "shop_id", type=int, default=0, help="Shop id (0: every shop).")
@click.option("--from", "language", default="", help="The term's language, if it was set with one.")
@with_desk
def glossary_remove(desk: Any, actor: Any, term: str, shop_id: int, language: str) -> None:
    """Remove TERM from the glossary."""
    if not desk.translation.remove_term(actor, term, shop_id=shop_id, language=language.strip().lower()):
        raise UserError(f"no glossary term {term!r} for shop {shop_id}")
    click.echo(f"removed: {term}")
