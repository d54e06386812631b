"""``desk.templates``: reply templates in the buyer's language, their platform lint, and the knowledge base."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import orjson

from crossdesk.errors import DeskError, NotFound
from crossdesk.models import Actor, TicketStatus
from crossdesk.orders import Rates
from crossdesk.store import Store
from crossdesk.templates.lint import PLATFORM_CHECKS, Finding, lint_text
from crossdesk.templates.render import (
    PLACEHOLDERS,
    Money,
    buyer_locale,
    fallback_chain,
    fill,
    format_value,
    placeholders,
)
from crossdesk.tickets import TicketService, fts_query
from crossdesk.tracking import views as tracking_views


class TemplateError(DeskError):
    """A template that cannot be saved or rendered; the message says what is missing, for the agent."""


@dataclass
class Rendered:
    name: str
    language: str  # the variant used ("" for the default text)
    locale: str  # the Babel locale values were formatted for
    subject: str
    body: str


@dataclass
class TemplateLint:
    template: str
    language: str
    platform: str
    code: str
    message: str
    excerpt: str
    used_by: list[str] = field(default_factory=list)  # rules that send it

    def __str__(self) -> str:
        where = f"{self.template}[{self.language or 'default'}]"
        used = f" (used by rules: {', '.join(self.used_by)})" if self.used_by else " (used by no rule)"
        return f"{where} {self.platform}: {self.message}: {self.excerpt!r}{used}"


class TemplateService:
    """Templates: reading needs ``view``; sending needs ``reply``; changing needs ``manage_templates``."""

    def __init__(self, store: Store, tickets: TicketService, rates: Rates) -> None:
        self.store = store
        self.tickets = tickets
        self.rates = rates

    # ---- storage ------------------------------------------------------------------------------------

    def save(
        self,
        actor: Actor,
        name: str,
        body: str,
        *,
        subject: str = "",
        category: str = "",
        variants: Mapping[str, str | Mapping[str, str]] | None = None,
        active: bool = True,
    ) -> int:
        """Create or replace a template: a default text and one variant per language (BCP 47 tag ->
        body, or {"subject", "body"}). Unknown placeholders are refused here, not at send time."""
        self.store.require(actor, "manage_templates")
        name = (name or "").strip()
        if not name:
            raise TemplateError("a template needs a name")
        clean_variants: dict[str, tuple[str, str]] = {}
        for lang, v in (variants or {}).items():
            v_subject, v_body = (
                (v.get("subject", ""), v.get("body", "")) if isinstance(v, Mapping) else ("", v)
            )
            tag = _tag(lang)
            if not tag:
                raise TemplateError(f"template {name!r}: a variant needs a language")
            clean_variants[tag] = (v_subject, v_body)
        for label, text in [("default", body), ("subject", subject)] + [
            (f"{lang} {part}", t)
            for lang, (s, b) in clean_variants.items()
            for part, t in (("subject", s), ("body", b))
        ]:
            if (label.endswith("body") or label == "default") and not (text or "").strip():
                raise TemplateError(f"template {name!r}: the {label} text is empty")
            try:
                used = placeholders(text or "")
            except ValueError as exc:
                raise TemplateError(f"template {name!r} ({label}): {exc}") from None
            unknown = [u for u in used if u not in PLACEHOLDERS]
            if unknown:
                raise TemplateError(
                    f"template {name!r} ({label}): unknown placeholder {{{unknown[0]}}}; known: {', '.join(PLACEHOLDERS)}"
                )
        now = self.store.now()
        row = {
            "name": name,
            "category": category,
            "subject": subject,
            "body": body,
            "active": int(active),
            "updated_at": now,
        }
        with self.store.tx():
            existing = self.store.db.execute("SELECT id FROM templates WHERE name = ?", [name]).fetchone()
            if existing is None:
                row["created_at"] = now
                template_id = self.store.db["templates"].insert(row).last_pk
            else:
                template_id = existing[0]
                self.store.db["templates"].update(template_id, row)
                self.store.db.execute("DELETE FROM template_variants WHERE template_id = ?", [template_id])
            for lang, (v_subject, v_body) in clean_variants.items():
                self.store.db["template_variants"].insert(
                    {"template_id": template_id, "language": lang, "subject": v_subject, "body": v_body}
                )
            self.store.audit(
                actor,
                "template.save",
                "template",
                template_id,
                None,
                {"name": name, "languages": sorted(clean_variants)},
            )
        return template_id

    def get(self, actor: Actor, name: str) -> dict[str, Any]:
        self.store.require(actor, "view")
        row = self.store.db.execute("SELECT * FROM templates WHERE name = ?", [name]).fetchone()
        if row is None:
            raise NotFound(f"no template named {name!r}")
        out = dict(self.store.db["templates"].get(row[0]))
        out["variants"] = {
            r["language"]: {"subject": r["subject"], "body": r["body"]}
            for r in self.store.db.query(
                "SELECT * FROM template_variants WHERE template_id = ? ORDER BY language", [row[0]]
            )
        }
        return out

    def list(self, actor: Actor) -> list[dict[str, Any]]:
        self.store.require(actor, "view")
        rows = [
            dict(r)
            for r in self.store.db.query("SELECT id, name, category, active FROM templates ORDER BY name")
        ]
        for row in rows:
            row["languages"] = [
                r[0]
                for r in self.store.db.execute(
                    "SELECT language FROM template_variants WHERE template_id = ? ORDER BY language",
                    [row["id"]],
                )
            ]
        return rows

    def delete(self, actor: Actor, name: str) -> None:
        self.store.require(actor, "manage_templates")
        with self.store.tx():
            row = self.store.db.execute("SELECT id FROM templates WHERE name = ?", [name]).fetchone()
            if row is None:
                raise NotFound(f"no template named {name!r}")
            self.store.db.execute("DELETE FROM templates WHERE id = ?", [row[0]])
            self.store.audit(actor, "template.delete", "template", row[0], {"name": name}, None)

    # ---- choosing and rendering --------------------------------------------------------------------

    def choose(self, name: str, language: str) -> tuple[str, str, str]:
        """(variant language or "" for the default, subject, body) for a buyer language, by the fallback
        chain: ``pt-BR``, then ``pt``, then the default text."""
        row = self.store.db.execute(
            "SELECT id, subject, body FROM templates WHERE name = ? AND active = 1", [name]
        ).fetchone()
        if row is None:
            raise TemplateError(f"no active template named {name!r}")
        variants = {
            r[0].lower(): (r[0], r[1], r[2])
            for r in self.store.db.execute(
                "SELECT language, subject, body FROM template_variants WHERE template_id = ?", [row[0]]
            )
        }
        for tag in fallback_chain(language or ""):
            hit = variants.get(tag.lower())
            if hit:
                return hit[0], hit[1] or row[1], hit[2]
        return "", row[1], row[2]

    def buyer_language(self, ticket: Mapping[str, Any]) -> tuple[str, str]:
        """(language tag for the variant chain, country) of a ticket's buyer: the ticket's language (else the
        customer's), with the buyer's country as region when the tag has none (pt + BR -> pt-BR)."""
        language, country = ticket.get("language") or "", ""
        if ticket.get("customer_id") is not None:
            row = self.store.db.execute(
                "SELECT language, country FROM customers WHERE id = ?", [ticket["customer_id"]]
            ).fetchone()
            if row:
                language = language or row[0] or ""
                country = row[1] or ""
        if not country and ticket.get("order_id") is not None:
            row = self.store.db.execute(
                "SELECT country FROM orders WHERE id = ?", [ticket["order_id"]]
            ).fetchone()
            country = (row[0] if row else "") or ""
        tag = _tag(language)
        if tag and "-" not in tag and country:
            tag = f"{tag}-{country.upper()}"
        return tag, country

    def values_for(self, actor: Actor, ticket_id: int) -> dict[str, Any]:
        """The raw placeholder values a ticket offers (absent keys are values it does not have)."""
        db = self.store.db
        ticket = self.tickets.row(ticket_id)
        out: dict[str, Any] = {}
        if ticket["customer_id"] is not None:
            row = db.execute("SELECT name FROM customers WHERE id = ?", [ticket["customer_id"]]).fetchone()
            if row and row[0]:
                out["buyer_name"] = row[0]
        if ticket["order_id"] is not None:
            order = db.execute(
                "SELECT external_id, tracking_number, carrier FROM orders WHERE id = ?", [ticket["order_id"]]
            ).fetchone()
            if order:
                out["order_id"] = order[0]
                if order[1]:
                    out["tracking_number"] = order[1]
                if order[2]:
                    out["carrier"] = order[2]
            out.update(self._tracking_values(ticket))
            titles = [
                r[0] or r[1]
                for r in db.execute(
                    "SELECT title, sku FROM order_lines WHERE order_id = ? ORDER BY id", [ticket["order_id"]]
                )
            ]
            if titles:
                out["item"] = titles
        case = db.execute(
            "SELECT refunded_minor, requested_minor, currency, refund_due FROM cases WHERE ticket_id = ? ORDER BY id DESC LIMIT 1",
            [ticket_id],
        ).fetchone()
        if case is not None:
            amount = case[0] or case[1]
            if amount and case[2]:
                out["refund_amount"] = Money(amount, case[2])
            if case[3]:
                out["deadline"] = case[3]
        shop = db.execute("SELECT name FROM shops WHERE id = ?", [ticket["shop_id"]]).fetchone()
        if shop and shop[0]:
            out["shop_name"] = shop[0]
        agent = None
        if ticket["assignee_id"] is not None:
            agent = db.execute("SELECT name FROM agents WHERE id = ?", [ticket["assignee_id"]]).fetchone()
        if agent is None and actor.agent_id is not None:
            agent = db.execute("SELECT name FROM agents WHERE id = ?", [actor.agent_id]).fetchone()
        if agent is not None:
            out["agent_name"] = agent[0]
        elif "shop_name" in out:
            out["agent_name"] = out["shop_name"]
        return out

    def _tracking_values(self, ticket: Mapping[str, Any]) -> dict[str, Any]:
        """The parcel's placeholders (docs/tracking.md); no link where the platform forbids links."""
        values = tracking_views.template_values(
            self.store.db, ticket["order_id"], self.store.get_setting("tracking_state_names", None)
        )
        if "link" in PLATFORM_CHECKS.get(ticket["platform"], ()):
            values.pop("tracking_link", None)
        return values

    def render(
        self,
        actor: Actor,
        name: str,
        ticket_id: int | None = None,
        *,
        language: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> Rendered:
        """The template as the buyer of ``ticket_id`` would read it. ``values`` add to or override the
        ticket's; money as :class:`Money`, dates as date/datetime or epoch seconds.

        A placeholder with no value raises :class:`TemplateError` naming every missing one: a message
        with a blank where the tracking number should be is never produced."""
        self.store.require(actor, "view")
        country = ""
        raw: dict[str, Any] = {}
        if ticket_id is not None:
            ticket = self.tickets.row(ticket_id)
            tag, country = self.buyer_language(ticket)
            raw.update(self.values_for(actor, ticket_id))
        else:
            tag = ""
        if language is not None:
            tag = _tag(language)
        raw.update(values or {})
        used_language, subject, body = self.choose(name, tag)
        needed = placeholders(subject) + placeholders(body)
        missing = sorted({n for n in needed if raw.get(n) in (None, "", [], ())})
        if missing:
            what = ", ".join(f"{m} ({PLACEHOLDERS.get(m, '?')})" for m in missing)
            on = f" on ticket #{ticket_id}" if ticket_id is not None else ""
            raise TemplateError(f"template {name!r} needs {what}, which{on} has no value")
        locale = buyer_locale(
            tag.split("-")[0] if tag else "", country or (tag.split("-")[1] if "-" in tag else "")
        )
        formatted = {}
        for key in set(needed):
            value = raw[key]
            digits = self.rates.minor_digits(value.currency) if isinstance(value, Money) else 2
            formatted[key] = format_value(key, value, locale, digits)
        return Rendered(name, used_language, str(locale), fill(subject, formatted), fill(body, formatted))

    def send(
        self,
        actor: Actor,
        name: str,
        ticket_id: int,
        *,
        values: Mapping[str, Any] | None = None,
        status: str | TicketStatus | None = TicketStatus.PENDING,
    ) -> int:
        """Render for the ticket's buyer and send as a reply (outbox). Returns the message id."""
        self.store.require(actor, "reply")
        rendered = self.render(actor, name, ticket_id, values=values)
        return self.tickets.reply(
            actor,
            ticket_id,
            rendered.body,
            language=rendered.language.split("-")[0],
            status=status,
            template=name,
        )

    # ---- lint -------------------------------------------------------------------------------------

    def used_by(self) -> dict[str, list[str]]:
        """Template name -> names of the rules that reply with it."""
        out: dict[str, list[str]] = {}
        for name, actions in self.store.db.execute("SELECT name, actions FROM rules ORDER BY position, id"):
            for action in orjson.loads(actions or "[]"):
                if action.get("action") == "reply" and action.get("template"):
                    out.setdefault(action["template"], []).append(name)
        return out

    def lint(
        self, actor: Actor, *, platforms: Sequence[str] | None = None, name: str | None = None
    ) -> list[TemplateLint]:
        """Lint every template text (default and variants) for each platform; each finding lists the
        rules that send the template."""
        self.store.require(actor, "view")
        users = self.used_by()
        out = []
        sql = (
            "SELECT id, name, subject, body FROM templates"
            + (" WHERE name = ?" if name else "")
            + " ORDER BY name"
        )
        for tid, tname, subject, body in self.store.db.execute(sql, [name] if name else []).fetchall():
            texts = [("", f"{subject}\n{body}")] + [
                (r[0], f"{r[1]}\n{r[2]}")
                for r in self.store.db.execute(
                    "SELECT language, subject, body FROM template_variants WHERE template_id = ? ORDER BY language",
                    [tid],
                )
            ]
            for lang, text in texts:
                for f in lint_text(text, list(platforms) if platforms is not None else None):
                    out.append(
                        TemplateLint(
                            tname, lang, f.platform, f.code, f.message, f.excerpt, users.get(tname, [])
                        )
                    )
        return out

    def lint_template(self, name: str, *, platforms: Sequence[str] | None = None) -> list[str]:
        """Problems of one template as one-line strings (for the rules lint of auto-replies)."""
        found = self.lint(Actor.system("lint"), platforms=platforms, name=name)
        return [f"[{f.language or 'default'}] {f.platform}: {f.message}: {f.excerpt!r}" for f in found]

    # ---- starter set --------------------------------------------------------------------------------

    def install_starter(self, actor: Actor, *, overwrite: bool = False) -> int:
        """Install the starter templates (13 languages) and knowledge-base articles shipped with crossdesk.
        Existing templates of the same name are kept unless ``overwrite``. Returns templates installed."""
        self.store.require(actor, "manage_templates")
        data = tomllib.loads(
            resources.files("crossdesk.templates").joinpath("starter.toml").read_text("utf-8")
        )
        count = 0
        with self.store.tx():
            for item in data.get("templates", []):
                exists = self.store.db.execute(
                    "SELECT 1 FROM templates WHERE name = ?", [item["name"]]
                ).fetchone()
                if exists and not overwrite:
                    continue
                self.save(
                    actor,
                    item["name"],
                    item["body"],
                    subject=item.get("subject", ""),
                    category=item.get("category", ""),
                    variants=item.get("variants", {}),
                )
                count += 1
            for article in data.get("articles", []):
                if not self.store.db.execute(
                    "SELECT 1 FROM kb_articles WHERE title = ?", [article["title"]]
                ).fetchone():
                    self.kb_add(
                        actor,
                        article["title"],
                        article["body"],
                        language=article.get("language", "en"),
                        tags=article.get("tags", []),
                    )
        return count

    # ---- knowledge base -----------------------------------------------------------------------------

    def kb_add(
        self, actor: Actor, title: str, body: str, *, language: str = "en", tags: Sequence[str] = ()
    ) -> int:
        self.store.require(actor, "manage_templates")
        if not title.strip() or not body.strip():
            raise TemplateError("a knowledge-base article needs a title and a body")
        with self.store.tx():
            pk = (
                self.store.db["kb_articles"]
                .insert(
                    {
                        "title": title.strip(),
                        "body": body,
                        "language": _tag(language) or "en",
                        "tags": orjson.dumps(sorted({t.strip().lower() for t in tags if t.strip()})).decode(),
                        "updated_at": self.store.now(),
                    }
                )
                .last_pk
            )
            self.store.audit(actor, "kb.add", "kb_article", pk, None, {"title": title})
        return pk

    def kb_search(self, actor: Actor, text: str, *, limit: int = 10) -> list[dict[str, Any]]:
        self.store.require(actor, "view")
        return [
            dict(r)
            for r in self.store.db.query(
                "SELECT a.id, a.title, a.language, a.tags FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid "
                "WHERE kb_fts MATCH ? ORDER BY bm25(kb_fts) LIMIT ?",
                [fts_query(text), limit],
            )
        ]

    def kb_suggest(self, actor: Actor, ticket_id: int, *, limit: int = 5) -> list[dict[str, Any]]:
        """Articles for a ticket: full-text relevance to the buyer's messages (FTS5 bm25, any word), raised
        for articles tagged with one of the ticket's intents and for the buyer's language."""
        self.store.require(actor, "view")
        ticket = self.tickets.row(ticket_id)
        texts = [
            f"{r[0]} {r[1]}"
            for r in self.store.db.execute(
                "SELECT body, translation FROM messages WHERE ticket_id = ? AND direction = 'in' ORDER BY id DESC LIMIT 5",
                [ticket_id],
            )
        ]
        intents = {ticket["intent"]} if ticket["intent"] else set()
        for (raw,) in self.store.db.execute(
            "SELECT intents FROM messages WHERE ticket_id = ? AND direction = 'in'", [ticket_id]
        ):
            intents.update(orjson.loads(raw or "[]"))
        words = []
        for word in re.findall(r"\w+", " ".join(texts).lower()):
            if (len(word) >= 3 or not word.isascii()) and word not in _STOP and word not in words:
                words.append(word)
        scores: dict[int, float] = {}
        if words:
            query = " OR ".join('"' + w.replace('"', '""') + '"' for w in words[:40])
            for pk, rank in self.store.db.execute(
                "SELECT rowid, bm25(kb_fts) FROM kb_fts WHERE kb_fts MATCH ? ORDER BY bm25(kb_fts) LIMIT 50",
                [query],
            ):
                scores[pk] = -rank  # bm25 is lower-is-better
        if intents:
            marks = ",".join("?" * len(intents))
            for (pk,) in self.store.db.execute(
                f"SELECT DISTINCT a.id FROM kb_articles a, json_each(a.tags) j WHERE j.value IN ({marks})",
                sorted(intents),
            ):
                scores[pk] = scores.get(pk, 0.0) + 5.0
        if not scores:
            return []
        language = (ticket["language"] or "").split("-")[0]
        rows = {
            r["id"]: dict(r)
            for r in self.store.db.query(
                f"SELECT id, title, language, tags FROM kb_articles WHERE id IN ({','.join('?' * len(scores))})",
                list(scores),
            )
        }
        for pk, row in rows.items():
            if language and row["language"].split("-")[0] == language:
                scores[pk] += 1.0
            row["tags"] = orjson.loads(row["tags"])
            row["score"] = round(scores[pk], 3)
        return sorted(rows.values(), key=lambda r: (-r["score"], r["id"]))[:limit]


_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "your",
        "with",
        "this",
        "that",
        "have",
        "has",
        "was",
        "are",
        "not",
        "but",
        "can",
        "please",
        "hello",
        "thanks",
        "thank",
        "from",
        "order",
        "und",
        "die",
        "der",
        "das",
        "ich",
        "ist",
        "nicht",
        "mit",
        "les",
        "des",
        "est",
        "pas",
        "une",
        "pour",
        "que",
        "los",
        "las",
        "por",
        "una",
        "con",
        "che",
        "per",
        "non",
    ]
)


def _tag(language: str) -> str:
    """Normalise a BCP 47 tag's case: ``pt_br`` -> ``pt-BR``, ``zh-hant-tw`` -> ``zh-Hant-TW``."""
    parts = [p for p in (language or "").strip().replace("_", "-").split("-") if p]
    if not parts:
        return ""
    out = [parts[0].lower()]
    for p in parts[1:]:
        out.append(p.title() if len(p) == 4 else p.upper() if len(p) == 2 else p.lower())
    return "-".join(out)


__all__ = ["Finding", "Money", "Rendered", "TemplateError", "TemplateLint", "TemplateService"]
