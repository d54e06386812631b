"""Survey replies in the desk's 13 languages are read to the right score; the comment is kept."""

from __future__ import annotations

import pytest

from crossdesk.surveys import parse
from crossdesk.surveys.answers import LANGUAGES, WORDS
from crossdesk.surveys.questions import CSAT_QUESTION, NPS_QUESTION, question

#: (reply, CSAT score) per language: a word answer with a comment, as buyers write them.
REPLIES = {
    "en": [("Very good, thanks for the quick refund", 5), ("not good, it took two weeks", 2), ("okay", 3)],
    "de": [("sehr gut", 5), ("Gut, danke", 4), ("sehr schlecht, niemand hat geantwortet", 1)],
    "fr": [("très mauvais", 1), ("Très bien, merci !", 5), ("moyen", 3)],
    "es": [("Muy bueno, gracias", 5), ("regular", 3), ("pésimo servicio", 1)],
    "it": [("Ottimo servizio", 5), ("così così", 3), ("male, il pacco era rotto", 2)],
    "nl": [("Heel goed!", 5), ("gaat wel", 3), ("vreselijk", 1)],
    "pl": [("Bardzo dobrze, dziękuję", 5), ("średnio", 3), ("fatalnie", 1)],
    "tr": [("Çok iyi, teşekkürler", 5), ("idare eder", 3), ("berbat", 1)],
    "pt": [("Ótimo atendimento", 5), ("mais ou menos", 3), ("muito ruim", 1)],
    "ja": [("最高", 5), ("まあまあです", 3), ("対応が最悪でした", 1)],
    "zh": [("非常满意，谢谢", 5), ("一般", 3), ("很差", 1)],
    "ko": [("최고예요", 5), ("보통이에요", 3), ("최악", 1)],
    "ar": [("ممتاز، شكرا", 5), ("مقبول", 3), ("سيء جدا", 1)],
}


def test_every_language_has_words_a_question_and_test_replies():
    assert len(LANGUAGES) == 13
    assert set(REPLIES) == set(WORDS) == set(CSAT_QUESTION) == set(NPS_QUESTION)


@pytest.mark.parametrize(("lang", "reply", "score"), [(lang, r, s) for lang, rs in REPLIES.items() for r, s in rs])
def test_word_replies_in_13_languages(lang, reply, score):
    answer = parse(reply, "csat")
    assert (answer.score, answer.how) == (score, "words"), lang
    assert answer.comment == reply  # the whole reply is kept as the comment


@pytest.mark.parametrize(
    ("reply", "kind", "score"),
    [
        ("5", "csat", 5),
        ("4 - schneller Versand", "csat", 4),
        ("５", "csat", 5),  # full-width digit
        ("★★★★☆", "csat", 4),
        ("⭐⭐", "csat", 2),
        ("9/10", "csat", 4),
        ("4/5", "nps", 8),
        ("10", "nps", 10),
        ("0 - never again", "nps", 0),
        ("sehr gut", "nps", 10),
        ("okay", "nps", 7),
        ("très mauvais", "nps", 0),
        ("7", "csat", None),  # out of the 1-5 scale, and no words
        ("thanks, the parcel arrived", "csat", None),
        ("Order 123456 is still missing", "csat", None),
    ],
)
def test_digits_stars_and_scales(reply, kind, score):
    assert parse(reply, kind).score == score


def test_the_comment_drops_the_score():
    assert parse("4 - schneller Versand", "csat").comment == "schneller Versand"
    with pytest.raises(ValueError, match="unknown survey kind"):
        parse("5", "stars")


def test_question_in_the_buyers_language():
    text, lang = question("csat", "pt-BR", "Ana")
    assert lang == "pt" and text.startswith("Olá Ana") and "1" in text and "5" in text
    text, lang = question("nps", "sw", "Ana")
    assert lang == "en" and "0" in text and "10" in text
