"""The offline phrasebook translator: translates what it knows, marks the rest, invents nothing."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossdesk.plugins.translators.offline import (
    _REF as REFERENCE,
)
from crossdesk.plugins.translators.offline import (
    LANGUAGES,
    OfflineTranslator,
    load_phrasebook,
    normalise,
)
from crossdesk.translation import Span, UnsupportedLanguage

T = OfflineTranslator()
BOOK = load_phrasebook()


def one(text: str, source: str, target: str):
    return T.translate_detailed([[Span(text)]], source, target)[0]


def test_every_language_has_every_concept():
    concepts = set(BOOK.forms["en"])
    terms = set(BOOK.terms["en"])
    for lang in LANGUAGES:
        assert set(BOOK.forms[lang]) == concepts, lang
        assert set(BOOK.terms[lang]) == terms, lang
        for concept, forms in BOOK.forms[lang].items():
            refs = {f.count("{ref}") for f in forms}
            assert refs == {BOOK.forms["en"][concept][0].count("{ref}")}, (lang, concept)


def test_no_form_means_two_things_in_one_language():
    for lang in LANGUAGES:
        seen: dict[str, str] = {}
        for concept, forms in BOOK.forms[lang].items():
            for form in forms:
                key = normalise(form.replace("{ref}", "\ue000"), lang)
                assert seen.setdefault(key, concept) == concept, (lang, form, seen[key], concept)


@pytest.mark.parametrize("source,target", list(itertools.permutations(["en", "de", "ja", "ar", "pl"], 2)))
def test_every_canonical_sentence_translates_fully(source, target):
    for concept, forms in BOOK.forms[source].items():
        text = forms[0].replace("{ref}", "302-1189")
        r = one(text, source, target)
        assert r.coverage == 1.0 and r.untranslated == [], (concept, text, r.text)
        assert "302-1189" in r.text or "{ref}" not in forms[0]
        expected = BOOK.forms[target][concept][0].replace("{ref}", "302-1189")
        assert r.text == expected, (concept, r.text, expected)


def test_variants_are_recognised():
    assert one("Where's my order??", "en", "fr").text == "Où est ma commande??"  # the buyer's emphasis stays
    assert one("where is my PACKAGE", "en", "de").text == "Wo ist meine Bestellung"
    assert one("¿Dónde está mi pedido?", "es", "en").text == "Where is my order?"


def test_sentences_and_clauses_are_translated_separately():
    r = one("Hallo, wo ist meine Bestellung? Vielen Dank im Voraus!", "de", "en")
    assert r.text == "Hello, where is my order? Thanks in advance!"
    r = one("Hello, where is my order?", "en", "ja")
    assert r.text == "こんにちは、注文した商品はどこですか？"
    assert one("Where is my order?", "en", "ar").text == "أين طلبي؟"
    assert one("Where is my order?", "en", "es").text == "¿Dónde está mi pedido?"


def test_unknown_parts_are_kept_marked_and_counted():
    text = "Hallo, wo ist meine Bestellung? Mein Hund hat den Karton gefressen."
    r = one(text, "de", "en")
    assert r.text.startswith("Hello, where is my order? ⟦Mein Hund hat den Karton gefressen.⟧")
    assert r.untranslated == ["Mein Hund hat den Karton gefressen."]
    assert 0.3 < r.coverage < 0.6


def test_known_terms_are_hinted_after_an_unknown_sentence():
    r = one("Ich warte seit Wochen auf meine Rückerstattung.", "de", "en")
    assert r.text == "⟦Ich warte seit Wochen auf meine Rückerstattung.⟧ (week, refund)"
    assert r.coverage == 0.0


def test_references_and_protected_spans_are_carried_over():
    r = T.translate_detailed(
        [[Span("My order "), Span("AB-778", True, "AB-778"), Span(" has not arrived")]], "en", "de"
    )[0]
    assert r.text == "Meine Bestellung AB-778 ist nicht angekommen"
    assert (
        one("Your tracking number is 1Z999AA10123456784", "en", "ko").text
        == "운송장 번호는 1Z999AA10123456784입니다"
    )
    # A sentence with a reference the phrase has no place for is not forced into one.
    assert one("Where is my order 5521?", "en", "de").untranslated == ["Where is my order 5521?"]


def test_needs_a_known_pair():
    with pytest.raises(UnsupportedLanguage):
        T.translate(["hello"], None, "de")
    with pytest.raises(UnsupportedLanguage):
        T.translate(["hej"], "sv", "de")


WORDS = st.text(
    alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd", "Zs", "Po")), min_size=1, max_size=80
)


@settings(max_examples=150, deadline=None)
@given(text=WORDS, source=st.sampled_from(LANGUAGES), target=st.sampled_from(LANGUAGES))
def test_never_invents_text(text, source, target):
    """Every piece of output is a phrasebook entry of the target, or source text kept inside ⟦ ⟧."""
    r = one(text, source, target)
    if source == target:
        assert r.text == text
        return
    for kept in r.untranslated:
        assert f"⟦{kept}⟧" in r.text
        assert kept in text
    assert 0.0 <= r.coverage <= 1.0
    rest = r.text
    for kept in r.untranslated:
        rest = rest.replace(f"⟦{kept}⟧", " ")
    # What is left must be built from target phrases, term hints, references and punctuation only.
    pieces = [f.replace("{ref}", "") for forms in BOOK.forms[target].values() for f in forms]
    pieces += [f for forms in BOOK.terms[target].values() for f in forms]
    residue = rest
    for p in sorted(pieces, key=len, reverse=True):
        for variant in (p, p[:1].lower() + p[1:]):
            if variant:
                residue = residue.replace(variant, " ")
    for ref in REFERENCE.findall(text):  # order numbers and the like are carried over as they are
        residue = residue.replace(ref, " ")
    assert all(not ch.isalpha() for ch in residue), (text, r.text, residue)
