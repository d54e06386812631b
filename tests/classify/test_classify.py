from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from crossdesk import hookimpl
from crossdesk.classify import (
    FLAG_BAD_REVIEW,
    FLAG_CHARGEBACK,
    FLAG_LEGAL,
    Classifier,
    classifier,
    classify_texts,
    flag_names,
    load_lexicons,
)
from crossdesk.models import INTENT_NAMES, intent_code

LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "zh", "pt", "ko", "nl", "pl", "tr", "ar")

# One buyer message per demo language: (text, language, an intent it must find, flag bits).
CASES = [
    (
        "Where is my parcel? I never received it and will open a dispute!",
        "en",
        "item_not_received",
        FLAG_CHARGEBACK,
    ),
    ("Das Paket ist beschädigt angekommen. Ich will eine Rückerstattung.", "de", "damaged_item", 0),
    ("Je n'ai pas reçu ma commande, je vais contacter un avocat.", "fr", "item_not_received", FLAG_LEGAL),
    ("Quiero cancelar mi pedido, por favor.", "es", "cancellation", 0),
    ("Il prodotto è arrivato rotto, voglio il rimborso.", "it", "damaged_item", 0),
    ("商品が届いていません。返金してください。", "ja", "item_not_received", 0),
    ("发错货了，不给退款就给差评", "zh", "wrong_item", FLAG_BAD_REVIEW),
    (
        "Ainda não recebi meu pedido, vou abrir uma reclamação no Procon",
        "pt",
        "item_not_received",
        FLAG_LEGAL,
    ),
    ("환불해 주세요. 상품이 파손되었어요", "ko", "refund_request", 0),
    ("Ik heb mijn pakket niet ontvangen", "nl", "item_not_received", 0),
    ("Paczka nie dotarła, proszę o zwrot pieniędzy", "pl", "item_not_received", 0),
    ("Ürün hasarlı geldi, iade etmek istiyorum", "tr", "damaged_item", 0),
    ("لم أستلم الطلب، أريد استرداد المبلغ", "ar", "item_not_received", 0),
]


def test_every_demo_language_ships_a_lexicon():
    shipped = {lex["language"] for lex in load_lexicons()}
    assert set(LANGUAGES) <= shipped
    folder = resources.files("crossdesk.classify") / "lexicons"
    for lang in LANGUAGES:
        doc = json.loads((folder / f"{lang}.json").read_text(encoding="utf-8"))
        assert set(doc["intents"]) <= set(INTENT_NAMES), lang
        assert doc["sentiment"]["negative"] and doc["sentiment"]["positive"], lang


@pytest.mark.parametrize(("text", "language", "intent", "flags"), CASES, ids=[c[1] for c in CASES])
def test_intents_and_flags_per_language(text, language, intent, flags):
    for languages in (None, [language]):
        (result,) = classify_texts([text], languages)
        assert intent in result.intents, (languages, result)
        assert result.flags & flags == flags
    if flags:
        assert result.sentiment < 0


def test_strongest_intent_first_and_sentiment_sign():
    angry, happy, neutral = classify_texts(
        [
            "Terrible! The item is broken and I want a refund or I call my bank for a chargeback",
            "Thank you, perfect, love it",
            "Hello",
        ]
    )
    assert angry.intent == "chargeback_threat" and {"damaged_item", "refund_request"} <= set(angry.intents)
    assert angry.sentiment < 0 < happy.sentiment and neutral.sentiment == 0
    assert neutral.intents == () and neutral.intent == "" and neutral.flags == 0
    assert flag_names(angry.flags) == ["chargeback"]


def test_language_narrows_lexicons():
    # "mal" is no keyword anywhere, but Spanish "devolución" must not count for a German message.
    (de,) = classify_texts(["devolución"], ["de"])
    (es,) = classify_texts(["devolución"], ["es-MX"])
    assert de.intents == () and es.intents == ("return_request",)


def test_full_width_and_case_are_folded():
    (r,) = classify_texts(["ＲＥＦＵＮＤ please"])
    assert r.intents == ("refund_request",)


def test_columns_batch_matches_objects():
    texts = [c[0] for c in CASES] * 50
    c = classifier()
    cols = c.classify_columns(texts)
    objs = c.classify_texts(texts)
    assert [o.intent for o in objs] == [c.intent_names[i] if i else "" for i in cols.intent.tolist()]
    assert np.array_equal(cols.flags, [o.flags for o in objs])


def test_languages_length_must_match():
    with pytest.raises(ValueError, match="languages"):
        classify_texts(["a", "b"], ["en"])


def test_intent_codes_are_stable():
    assert intent_code("") == 0 and intent_code(None) == 0 and intent_code("no such") == 0
    assert INTENT_NAMES[intent_code("chargeback_threat")] == "chargeback_threat"


class WarrantyPlugin:
    @hookimpl
    def crossdesk_intents(self):
        return {
            "warranty_claim": {"en": ["warranty claim"], "de": ["garantiefall"]},
            "refund_request": {"sv": ["återbetalning"]},
        }


def test_hook_crossdesk_intents():
    from crossdesk.plugin_manager import plugins_manager

    pm = plugins_manager(only=[], extra=[WarrantyPlugin()])
    c = classifier(pm)
    a, b, d = c.classify_texts(["I have a warranty claim", "Ein Garantiefall", "Jag vill ha återbetalning"])
    assert "warranty_claim" in a.intents and b.intents == ("warranty_claim",)
    assert d.intents == ("refund_request",)
    # The shipped lexicons are still there.
    assert "refund_request" in c.classify_texts(["refund"])[0].intents


def test_bad_hook_result_fails_clearly():
    class Broken:
        @hookimpl
        def crossdesk_intents(self):
            return ["refund"]

    from crossdesk.plugin_manager import plugins_manager

    with pytest.raises(TypeError, match="crossdesk_intents"):
        Classifier(load_lexicons(plugins_manager(only=[], extra=[Broken()])))
