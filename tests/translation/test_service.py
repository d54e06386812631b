"""The translation service: cache, batching, fallbacks, quota stops, retries, glossary, incoming
messages, reply previews. Every provider is a real client talking to its fake on loopback."""

from __future__ import annotations

import logging

import pytest
from conftest import DEEPL_KEY, GOOGLE_KEY, LIBRE_KEY, make_service

from crossdesk.fakes import Fault
from crossdesk.fakes.mt import pseudo_translate
from crossdesk.models import Actor, Role
from crossdesk.translation import TranslationService

ADMIN = Actor.system("tester")


def add_messages(desk, bodies: list[str], *, shop: str = "S1") -> list[int]:
    shop_id = desk.upsert_shop(ADMIN, platform="amazon", external_id=shop, name=shop)
    ids = []
    for n, body in enumerate(bodies):
        _, mid, _ = desk.receive_message(
            ADMIN,
            platform="amazon",
            shop_id=shop_id,
            thread_id=f"{shop}-T{n}",
            external_id=f"{shop}-M{n}",
            body=body,
            created_at=1_700_000_000 + n,
        )
        ids.append(mid)
    return ids


# ---- cache and batching ---------------------------------------------------------------------------


def test_same_text_is_never_sent_twice(desk, deepl):
    svc = make_service(desk, ["deepl"], deepl=deepl)
    texts = ["Wo ist meine Bestellung?", "Das Paket ist kaputt", "Wo ist meine Bestellung?"]
    first = svc.translate(texts, "en", source="de")
    assert [t.text for t in first] == [pseudo_translate(t, "en") for t in texts]
    assert deepl.requests_to("/v2/translate")[0].json()["text"] == texts[:2]  # deduplicated
    second = make_service(desk, ["deepl"], deepl=deepl).translate(texts, "en", source="de")
    assert [t.text for t in second] == [t.text for t in first]
    assert all(t.cached for t in second)
    assert len(deepl.requests_to("/v2/translate")) == 1


def test_requests_are_batched_within_each_api_limit(desk, deepl, google):
    texts = [f"Nachricht Nummer {n}" for n in range(120)]
    svc = make_service(desk, ["deepl"], deepl=deepl)
    svc.translate(texts, "en", source="de")
    assert [len(r.json()["text"]) for r in deepl.requests_to("/v2/translate")] == [50, 50, 20]
    svc = make_service(desk, ["google"], google=google)
    svc.translate([f"message {n}" for n in range(300)], "de", source="en")
    assert [len(r.json()["q"]) for r in google.requests] == [128, 128, 44]
    assert svc.stats.requests["google"] == 3 and svc.stats.sent == 300


def test_character_limit_splits_requests(desk, libre):
    svc = make_service(desk, ["libretranslate"], libre=libre)
    svc.translators["libretranslate"].max_chars = 100
    svc.translate(["x" * 60, "y" * 60, "z" * 30], "de", source="en")
    assert [len(r.json()["q"]) for r in libre.requests_to("/translate")] == [1, 2]


def test_same_language_needs_no_provider(desk, deepl):
    svc = make_service(desk, ["deepl"], deepl=deepl)
    (t,) = svc.translate(["Where is my order?"], "en", source="en")
    assert (t.text, t.provider) == ("Where is my order?", "")
    assert deepl.requests == []


# ---- fallbacks, outages, quotas, retries ----------------------------------------------------------


def test_provider_down_next_one_takes_over(desk, deepl, google):
    deepl.go_down()
    svc = make_service(desk, ["deepl", "google"], deepl=deepl, google=google)
    out = svc.translate(["Bonjour", "Merci"], "en", source="fr")
    assert [t.provider for t in out] == ["google", "google"]
    assert [t.text for t in out] == ["Bonjour~en", "Merci~en"]
    assert any("deepl unavailable" in n for n in svc.stats.notes)
    # The outage is remembered for the run: the next batch does not wait on deepl again.
    before = len(deepl.requests)
    svc.translate(["Au revoir"], "en", source="fr")
    assert len(deepl.requests) == before


def test_deepl_quota_456_stops_deepl_and_says_so(desk, deepl, libre, clock):
    deepl.character_limit = 10
    svc = make_service(desk, ["deepl", "libretranslate"], deepl=deepl, libre=libre)
    out = svc.translate(["Das ist ein langer Satz"], "en", source="de")
    assert out[0].provider == "libretranslate"
    assert any("deepl stopped" in n and "456" in n for n in svc.stats.notes)
    assert len(deepl.requests) == 1  # 456 is not retried
    # The stop is stored: a new service (the next run) skips deepl until the pause is over.
    svc2 = make_service(desk, ["deepl", "libretranslate"], deepl=deepl, libre=libre)
    svc2.translate(["Noch ein Satz"], "en", source="de")
    assert len(deepl.requests) == 1
    status = {p.name: p for p in svc2.providers()}["deepl"]
    assert not status.ready and "quota exceeded" in status.reason
    clock.now += 3601
    deepl.character_limit = 10_000
    svc3 = make_service(desk, ["deepl", "libretranslate"], deepl=deepl, libre=libre)
    assert svc3.translate(["Wieder da"], "en", source="de")[0].provider == "deepl"


def test_rate_limited_provider_falls_back_after_its_retries(desk, google, libre):
    google.inject(Fault.rate_limited(retry_after=0), times=3)
    svc = make_service(desk, ["google", "libretranslate"], google=google, libre=libre)
    (t,) = svc.translate(["hola"], "en", source="es")
    assert t.provider == "libretranslate"
    assert len(google.requests) == 3


def test_everything_down_nothing_lost_message_retried_later(desk, deepl, google, clock):
    ids = add_messages(desk, ["Das Paket ist nie angekommen"])
    deepl.go_down()
    google.go_down(Fault.disconnect())
    svc = make_service(desk, ["deepl", "google"], deepl=deepl, google=google)
    report = svc.translate_incoming()
    assert (report.messages, report.translated, report.queued) == (1, 0, 1)
    row = desk.db.execute(
        "SELECT body, translation, translated_to FROM messages WHERE id = ?", ids
    ).fetchone()
    assert row == ("Das Paket ist nie angekommen", "", "")  # the original is untouched
    (queued,) = svc.queued()
    assert queued["attempts"] == 1 and "deepl" in queued["last_error"] and "google" in queued["last_error"]
    # Not due yet: a run now does not touch it.
    deepl.come_back()
    google.come_back()
    assert (
        make_service(desk, ["deepl", "google"], deepl=deepl, google=google).translate_incoming().messages == 0
    )
    clock.now += 301
    report = make_service(desk, ["deepl", "google"], deepl=deepl, google=google).translate_incoming()
    assert (report.translated, report.queued) == (1, 0)
    row = desk.db.execute(
        "SELECT body, translation, translated_to FROM messages WHERE id = ?", ids
    ).fetchone()
    assert row == ("Das Paket ist nie angekommen", pseudo_translate(row[0], "en"), "en")
    assert svc.queued() == []


def test_retry_delay_grows(desk, deepl, clock):
    add_messages(desk, ["Das Paket ist nie angekommen"])
    deepl.go_down()
    for attempt, delay in [(1, 300), (2, 600), (3, 1200)]:
        svc = make_service(desk, ["deepl"], deepl=deepl)
        assert svc.translate_incoming().queued == 1
        (q,) = svc.queued()
        assert (q["attempts"], q["next_attempt_at"] - int(clock.now)) == (attempt, delay)
        clock.now += delay


def test_unsupported_pair_moves_on(desk, libre):
    libre.supported = {"en": "English", "de": "German"}
    svc = make_service(desk, ["libretranslate", "offline"], libre=libre)
    (t,) = svc.translate(["Where is my order?"], "ja", source="en")
    assert (t.provider, t.text) == ("offline", "注文した商品はどこですか？")


def test_forced_provider_has_no_fallback(desk, deepl):
    deepl.go_down()
    svc = make_service(desk, ["deepl", "offline"], deepl=deepl)
    (t,) = svc.translate(["Where is my order?"], "de", source="en", provider="deepl")
    assert not t.ok and "deepl" in t.error
    with pytest.raises(ValueError, match="no translator named"):
        svc.translate(["x"], "de", provider="babelfish")


def test_routes_per_language_pair(desk, deepl, google):
    routes = {"ja->en": ["google"], "*->ko": ["google"]}
    svc = make_service(desk, ["deepl"], routes=routes, deepl=deepl, google=google)
    assert svc.translate(["こんにちは"], "en", source="ja")[0].provider == "google"
    assert svc.translate(["hello"], "ko", source="en")[0].provider == "google"
    assert svc.translate(["hello"], "de", source="en")[0].provider == "deepl"


# ---- glossary -------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["deepl", "google", "libretranslate", "offline"])
def test_glossary_is_honoured_by_every_provider(desk, deepl, google, libre, provider):
    svc = make_service(desk, [provider], deepl=deepl, google=google, libre=libre)
    shop_id = desk.upsert_shop(ADMIN, platform="ebay", external_id="G", name="G")
    svc.set_term(ADMIN, "AcmePhone X2", shop_id=shop_id)
    svc.set_term(ADMIN, "return label", shop_id=shop_id, translations={"de": "Retourenschein"}, language="en")
    text = "My AcmePhone X2 needs a return label"
    (t,) = svc.translate([text], "de", source="en", shop_id=shop_id)
    assert t.ok, t.error
    assert "AcmePhone X2" in t.text
    if provider != "offline":  # the phrasebook has no sentence for this: it keeps the text, marked
        assert "Retourenschein" in t.text and "return label" not in t.text
    # Another shop has no such glossary: the terms are translated like any word.
    (other,) = svc.translate([text], "de", source="en", shop_id=0)
    if provider != "offline":
        assert "AcmePhone~de" in other.text


def test_glossary_change_retranslates_only_texts_with_the_term(desk, deepl):
    svc = make_service(desk, ["deepl"], deepl=deepl)
    svc.translate(["Mein Zauberstab ist kaputt", "Danke"], "en", source="de")
    svc.set_term(ADMIN, "Zauberstab")
    svc.translate(["Mein Zauberstab ist kaputt", "Danke"], "en", source="de")
    sent = [r.json()["text"] for r in deepl.requests_to("/v2/translate")]
    assert sent == [
        ["Mein Zauberstab ist kaputt", "Danke"],
        ['Mein <span translate="no">Zauberstab</span> ist kaputt'],
    ]


def test_plain_translator_never_sees_protected_terms(desk):
    seen: list[list[str]] = []

    class Plain:
        name = "plain"
        languages = frozenset({"en", "de"})

        def translate(self, texts, source, target):
            seen.append(list(texts))
            return [t.upper() for t in texts]

    from crossdesk.translation import TranslationConfig

    svc = TranslationService(desk.store, desk.tickets, config=TranslationConfig(providers=["plain"]), translators=[Plain()])
    svc.set_term(ADMIN, "AcmePhone")
    (t,) = svc.translate(["my AcmePhone is broken, order {{order_id}}"], "de", source="en")
    assert t.text == "MY AcmePhone IS BROKEN, ORDER {{order_id}}"
    assert seen == [["my ", " is broken, order "]]


def test_glossary_needs_permission(desk):
    svc = TranslationService(desk.store, desk.tickets)
    with pytest.raises(Exception, match="may not manage templates"):
        svc.set_term(Actor("ann", Role.AGENT), "Acme")
    svc.set_term(Actor("sue", Role.SUPERVISOR), "Acme", translations={"ja": "アクメ"})
    assert [(g.term, dict(g.translations)) for g in svc.glossary_terms()] == [("Acme", {"ja": "アクメ"})]
    assert desk.db.execute("SELECT action FROM audit WHERE action LIKE 'glossary.%'").fetchall() == [
        ("glossary.set",)
    ]


# ---- incoming messages ----------------------------------------------------------------------------


def test_incoming_messages_translated_in_batches_and_rerun_is_all_cache_hits(desk, deepl):
    bodies = [
        "Wo ist meine Bestellung?",
        "Le colis est arrivé cassé",
        "Where is my order?",
        "注文した商品が届いていません",
        "Wo ist meine Bestellung?",
    ]
    ids = add_messages(desk, bodies)
    svc = make_service(desk, ["deepl"], deepl=deepl)
    report = svc.translate_incoming(batch_size=2)
    assert (report.messages, report.translated, report.same_language, report.queued) == (5, 4, 1, 0)
    rows = desk.db.execute(
        f"SELECT body, language, translation, translated_to FROM messages WHERE id IN ({','.join('?' * 5)}) ORDER BY id",
        ids,
    ).fetchall()
    assert [r[0] for r in rows] == bodies  # originals kept
    assert [r[1] for r in rows] == ["de", "fr", "en", "ja", "de"]
    assert rows[0][2] == pseudo_translate(bodies[0], "en") and rows[2][2] == ""
    assert {r[3] for r in rows} == {"en"}
    assert svc.translate_incoming().messages == 0  # nothing left to do
    sent_before = len(deepl.requests_to("/v2/translate"))
    again = make_service(desk, ["deepl"], deepl=deepl).translate_incoming(force=True)
    assert again.messages == 5 and again.stats.sent == 0
    assert again.stats.cache_hits == 4  # every text that needed a translation
    assert len(deepl.requests_to("/v2/translate")) == sent_before


def test_incoming_uses_each_shops_glossary(desk, deepl):
    svc = make_service(desk, ["deepl"], deepl=deepl)
    add_messages(desk, ["Mein Zauberstab ist kaputt"], shop="A")
    add_messages(desk, ["Mein Zauberstab ist kaputt"], shop="B")
    shop_a = desk.shop_id("amazon", "A")
    svc.set_term(ADMIN, "Zauberstab", shop_id=shop_a)
    svc.translate_incoming()
    got = dict(desk.db.execute("SELECT shop_id, translation FROM messages").fetchall())
    assert got[shop_a] == "Mein~en Zauberstab ist~en kaputt~en"
    assert "Zauberstab~en" in got[desk.shop_id("amazon", "B")]


# ---- replies --------------------------------------------------------------------------------------


def test_reply_preview_edit_and_send(desk):
    (mid,) = add_messages(desk, ["Wo ist meine Bestellung?"])
    ticket_id = desk.db.execute("SELECT ticket_id FROM messages WHERE id = ?", [mid]).fetchone()[0]
    svc = TranslationService(desk.store, desk.tickets)  # no keys: the offline phrasebook
    preview = svc.preview_reply(
        ADMIN, ticket_id, "Your order has been shipped. We are sorry for the inconvenience."
    )
    assert (preview.source, preview.target, preview.provider) == ("en", "de", "offline")
    assert preview.text == "Ihre Bestellung wurde versandt. Wir entschuldigen uns für die Unannehmlichkeiten."
    assert preview.complete
    partial = svc.preview_reply(
        ADMIN, ticket_id, "Your order has been shipped. It left our warehouse on Monday."
    )
    assert not partial.complete and partial.untranslated == ["It left our warehouse on Monday."]
    with pytest.raises(ValueError, match="not translated"):
        svc.send_reply(ADMIN, ticket_id, partial)
    edited = "Ihre Bestellung wurde versandt. Sie hat unser Lager am Montag verlassen."
    out_id = svc.send_reply(ADMIN, ticket_id, partial, text=edited)
    row = desk.db.execute(
        "SELECT direction, body, language, translation FROM messages WHERE id = ?", [out_id]
    ).fetchone()
    assert row == ("out", edited, "de", partial.original)


def test_template_variant_in_buyer_language_is_sent_as_written(desk):
    (mid,) = add_messages(desk, ["Onde está o meu pedido?"])
    ticket_id = desk.db.execute("SELECT ticket_id FROM messages WHERE id = ?", [mid]).fetchone()[0]
    now = desk.now()
    tid = (
        desk.db["templates"]
        .insert(
            {
                "name": "shipped-x",
                "body": "Your order has been shipped.",
                "created_at": now,
                "updated_at": now,
            }
        )
        .last_pk
    )
    desk.db["template_variants"].insert(
        {"template_id": tid, "language": "pt-BR", "body": "Oi! Seu pedido já saiu."}
    )
    svc = TranslationService(desk.store, desk.tickets)
    preview = svc.preview_template(ADMIN, ticket_id, "shipped-x")
    assert (preview.text, preview.provider, preview.machine_translated) == (
        "Oi! Seu pedido já saiu.",
        "template",
        False,
    )
    desk.db.execute("DELETE FROM template_variants")
    preview = svc.preview_template(ADMIN, ticket_id, tid)
    assert (preview.text, preview.provider, preview.machine_translated) == (
        "Seu pedido foi enviado.",
        "offline",
        True,
    )


# ---- secrets --------------------------------------------------------------------------------------


def test_keys_never_reach_logs_errors_or_the_database(desk, deepl, google, libre, caplog):
    caplog.set_level(logging.DEBUG)
    svc = make_service(desk, ["deepl", "google", "libretranslate"], deepl=deepl, google=google, libre=libre)
    svc.translate(["eins"], "en", source="de")
    deepl.go_down()
    google.go_down()
    libre.go_down()
    (t,) = svc.translate(["zwei"], "en", source="de")
    text = caplog.text + repr(svc.config) + str(svc.config.describe()) + t.error + " ".join(svc.stats.notes)
    text += " ".join(repr(x) for x in svc.translators.values())
    dump = "\n".join(desk.db.conn.iterdump())
    for key in (DEEPL_KEY, GOOGLE_KEY, LIBRE_KEY):
        assert key not in text
        assert key not in dump
    assert any(r.name == "httpx" for r in caplog.records)  # httpx did log its requests: without keys


def test_incoming_goes_into_the_acting_agents_language(desk):
    ids = add_messages(desk, ["Where is my order?"])
    agent_id = desk.create_agent(ADMIN, "jonas", Role.AGENT, languages=["de", "en"])
    jonas = Actor("jonas", Role.AGENT, agent_id)
    report = TranslationService(desk.store, desk.tickets).translate_incoming(jonas)
    assert report.translated == 1
    row = desk.db.execute("SELECT translation, translated_to FROM messages WHERE id = ?", ids).fetchone()
    assert row == ("Wo ist meine Bestellung?", "de")


def test_a_provider_down_is_tried_again_after_a_pause(desk, deepl, google, clock):
    deepl.go_down()
    svc = make_service(desk, ["deepl", "google"], deepl=deepl, google=google)
    assert svc.translate(["eins"], "en", source="de")[0].provider == "google"
    deepl.come_back()
    assert svc.translate(["zwei"], "en", source="de")[0].provider == "google"  # still paused
    clock.now += 301
    assert svc.translate(["drei"], "en", source="de")[0].provider == "deepl"


def test_phrasebook_stands_in_while_deepl_is_down_then_deepl_replaces_it(desk, deepl, clock):
    body = "Hallo, wo ist meine Bestellung? Der Hund hat den Karton gefressen."
    (mid,) = add_messages(desk, [body])
    deepl.go_down()
    report = make_service(desk, ["deepl", "offline"], deepl=deepl).translate_incoming()
    assert (report.translated, report.queued) == (1, 1)  # shown now, and queued for a better translation
    shown = desk.db.execute("SELECT translation FROM messages WHERE id = ?", [mid]).fetchone()[0]
    assert shown.startswith("Hello, where is my order? ⟦Der Hund hat den Karton gefressen.⟧")
    deepl.come_back()
    clock.now += 301
    report = make_service(desk, ["deepl", "offline"], deepl=deepl).translate_incoming()
    assert (report.translated, report.queued) == (1, 0)
    row = desk.db.execute("SELECT body, translation FROM messages WHERE id = ?", [mid]).fetchone()
    assert row == (body, pseudo_translate(body, "en"))
    assert desk.db.execute("SELECT count(*) FROM translation_queue").fetchone()[0] == 0
    # A complete phrasebook translation is final: nothing to upgrade.
    add_messages(desk, ["Wo ist meine Bestellung?"], shop="S2")
    deepl.go_down()
    report = make_service(desk, ["deepl", "offline"], deepl=deepl).translate_incoming()
    assert (report.translated, report.queued) == (1, 0)
