"""Templates: the language fallback chain, Babel formatting, missing values, lint, starter set, KB."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from crossdesk.templates import Money, TemplateError, fallback_chain
from crossdesk.templates.lint import lint_text
from crossdesk.tracking.states import state_name

LANGS = ["en", "de", "fr", "es", "it", "ja", "zh", "pt", "ko", "nl", "pl", "tr", "ar"]


def test_fallback_chain():
    assert fallback_chain("pt-BR") == ["pt-BR", "pt"]
    assert fallback_chain("zh-Hant-TW") == ["zh-Hant-TW", "zh-Hant", "zh"]
    assert fallback_chain("") == []


def test_variant_chosen_by_the_buyers_language_then_language_then_default(h):
    h.desk.templates.save(
        h.admin,
        "hi",
        "Hello {buyer_name}",
        variants={"pt": "Olá {buyer_name} (pt)", "pt-BR": "Oi {buyer_name} (BR)"},
    )
    h.desk.templates.save(h.admin, "bye", "Bye {buyer_name}", variants={"pt": "Adeus {buyer_name}"})
    assert h.desk.templates.choose("hi", "pt-BR")[0] == "pt-BR"
    assert h.desk.templates.choose("hi", "pt-br")[0] == "pt-BR"
    assert h.desk.templates.choose("bye", "pt-BR")[0] == "pt"
    assert h.desk.templates.choose("bye", "fr")[0] == ""
    # Through a ticket: a Portuguese-speaking buyer in Brazil reads pt-BR (the customer's country is DE in
    # the helper, so override it to BR).
    ticket = h.ticket("Olá", language="pt")
    customer = h.desk.db["tickets"].get(ticket)["customer_id"]
    h.desk.db["customers"].update(customer, {"country": "BR"})
    rendered = h.desk.templates.render(h.admin, "hi", ticket)
    assert (rendered.language, rendered.locale) == ("pt-BR", "pt_BR")
    assert rendered.body.endswith("(BR)")
    assert h.desk.templates.render(h.admin, "bye", ticket).body.startswith("Adeus")
    assert h.desk.templates.render(h.admin, "hi", ticket, language="en").body.startswith("Hello")


def test_values_are_formatted_for_the_buyers_locale(h):
    h.desk.templates.save(h.admin, "refund", "{refund_amount} by {deadline}; {item}")
    ticket = h.ticket("hi", language="de", order=True)
    values = {
        "refund_amount": Money(4999, "EUR"),
        "deadline": dt.date(2025, 12, 31),
        "item": ["Lampe", "Kabel"],
    }
    body = h.desk.templates.render(h.admin, "refund", ticket, values=values).body
    assert body == "49,99\xa0€ by 31. Dezember 2025; Lampe und Kabel"
    fr = h.desk.templates.render(h.admin, "refund", ticket, language="fr", values=values).body
    assert fr.startswith("49,99\xa0€") and "31 décembre 2025" in fr and "Lampe et Kabel" in fr
    # Yen have no minor unit: 4999 is ¥4,999, not ¥49.99.
    ja = h.desk.templates.render(
        h.admin, "refund", ticket, language="ja", values={**values, "refund_amount": Money(4999, "JPY")}
    ).body
    assert ja.startswith("￥4,999") and "2025年12月31日" in ja


def test_ticket_values_fill_placeholders(h):
    h.desk.templates.save(
        h.admin, "status", "{buyer_name}: {order_id} via {carrier}, {tracking_number} ({item}) - {agent_name}"
    )
    ticket = h.ticket("hi", order=True, tracking="JJD123")
    body = h.desk.templates.render(h.admin, "status", ticket).body
    assert re.fullmatch(r"Buyer \d+: ORD-\d+ via DHL, JJD123 \(Lamp\) - Acme amazon", body)
    agent = h.desk.create_agent(h.admin, "Kenji")
    h.desk.update_ticket(h.admin, ticket, assignee_id=agent)
    assert h.desk.templates.render(h.admin, "status", ticket).body.endswith("- Kenji")


def test_a_missing_value_is_an_error_never_a_blank(h):
    h.desk.templates.save(
        h.admin, "tracking", "Hi {buyer_name}, tracking: {tracking_number}, refund {refund_amount}"
    )
    ticket = h.ticket("where?")  # no order, no case
    with pytest.raises(
        TemplateError, match=r"needs refund_amount .*tracking_number .*which on ticket #\d+ has no value"
    ):
        h.desk.templates.render(h.admin, "tracking", ticket)
    with pytest.raises(TemplateError):
        h.desk.templates.send(h.admin, "tracking", ticket)
    assert [m["direction"] for m in h.desk.ticket(h.admin, ticket)["messages"]] == ["in"]
    assert h.desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Hi {buyer}", "unknown placeholder {buyer}"),
        ("Hi {buyer_name!r}", "cannot carry a format"),
        ("Hi {buyer_name:>10}", "cannot carry a format"),
        ("Hi {0}", "not a plain name"),
        ("Hi {buyer_name", "expected '}' before end of string"),
        ("   ", "text is empty"),
    ],
)
def test_bad_templates_are_refused_when_saved(h, body, message):
    with pytest.raises(TemplateError, match=re.escape(message)):
        h.desk.templates.save(h.admin, "bad", body)


def test_literal_braces_survive(h):
    h.desk.templates.save(h.admin, "json", "Use {{code}} {buyer_name}")
    ticket = h.ticket("hi")
    assert h.desk.templates.render(h.admin, "json", ticket).body.startswith("Use {code} Buyer")


def test_lint_per_platform():
    def codes(text, platform):
        return sorted({f.code for f in lint_text(text, [platform])})

    assert codes("Track it at https://track.example.com/123", "amazon") == ["link"]
    assert codes("See www.acme-shop.de for more", "amazon") == ["link"]
    assert codes("Use coupon SAVE10 for a discount on your next order", "amazon") == ["marketing"]
    assert codes("Please leave positive feedback!", "amazon") == ["feedback_request"]
    assert codes("Bitte geben Sie uns eine positive Bewertung", "amazon") == ["feedback_request"]
    assert codes("I am out of office until Monday", "amazon") == ["auto_reply"]
    assert codes("自動返信：ありがとうございます", "amazon") == ["auto_reply"]
    assert codes("Write to me at seller@acme.com", "ebay") == ["email"]
    assert codes("Call +49 151 23456789 any time", "ebay") == ["phone"]
    assert codes("Add me on WhatsApp", "ebay") == ["off_platform"]
    # Each platform has its own rules: an e-mail address is an eBay problem here, a coupon an Amazon one.
    assert codes("Use coupon SAVE10", "ebay") == []
    assert codes("Thank you, your parcel is on its way. Tracking: JJD0001", "amazon") == []


def test_lint_says_where_each_template_is_used(h):
    h.desk.templates.save(h.admin, "promo", "Hi {buyer_name}, get 10% discount with coupon X!")
    h.desk.templates.save(h.admin, "unused", "Visit www.acme.com")
    h.rules(
        {
            "name": "auto promo",
            "event": "ticket_created",
            "actions": [{"action": "reply", "template": "promo"}],
        }
    )
    found = {(f.template, f.code): f for f in h.desk.templates.lint(h.admin, platforms=["amazon"])}
    assert found[("promo", "marketing")].used_by == ["auto promo"]
    assert found[("unused", "link")].used_by == []
    assert "used by rules: auto promo" in str(found[("promo", "marketing")])


def test_starter_set_covers_13_languages_and_passes_the_lint(h):
    assert h.desk.templates.install_starter(h.admin) >= 6
    assert h.desk.templates.install_starter(h.admin) == 0  # idempotent
    templates = h.desk.templates.list(h.admin)
    for t in templates:
        langs = {"en", *(lang.split("-")[0] for lang in t["languages"])}
        assert langs >= set(LANGS), (t["name"], set(LANGS) - langs)
    assert h.desk.templates.lint(h.admin) == []


def test_starter_set_renders_in_every_language_with_nothing_left_blank(h):
    h.desk.templates.install_starter(h.admin)
    ticket = h.ticket("hi", order=True)
    values = {"refund_amount": Money(1250, "EUR"), "deadline": dt.date(2026, 1, 15)}
    values |= {"shipment_state": state_name("in_transit"), "last_scan_date": dt.date(2026, 1, 10)}  # parcels
    for t in h.desk.templates.list(h.admin):
        bodies = set()
        for lang in LANGS:
            rendered = h.desk.templates.render(h.admin, t["name"], ticket, language=lang, values=values)
            assert "{" not in rendered.body and "}" not in rendered.body
            assert rendered.language == ("" if lang == "en" else lang)
            bodies.add(rendered.body)
        assert len(bodies) == len(LANGS)  # every language its own text


def test_kb_suggestions_from_text_and_intents(h):
    h.desk.templates.install_starter(h.admin)
    ticket = h.ticket("My parcel has not moved, where is the tracking?", language="en")
    suggestions = h.desk.templates.kb_suggest(h.admin, ticket)
    assert suggestions and "tracking" in suggestions[0]["title"].lower()
    damaged = h.ticket("It arrived in pieces", language="en")
    h.desk.db.execute("UPDATE tickets SET intent = 'damaged_item' WHERE id = ?", [damaged])
    top = h.desk.templates.kb_suggest(h.admin, damaged)[0]
    assert "damaged_item" in top["tags"]
    german = h.ticket("Wo ist meine Sendung? Keine Sendungsverfolgung", language="de")
    assert h.desk.templates.kb_suggest(h.admin, german)[0]["language"] == "de"
    assert h.desk.templates.kb_suggest(h.admin, h.ticket("ok", language="en")) == []
