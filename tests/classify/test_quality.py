"""Classification quality: recall floors per language on the held-out and dev sets, precision floors, no
threat flags on thanks, and the spelling variants every keyword matches.

The floors sit a little under what the shipped lexicons reach (see docs/matching.md, "Lexicon coverage"),
so a lexicon edit that loses phrasings, or a keyword that starts firing where it should not, fails here.
Measure with ``crossdesk evaluate classify --set dev|heldout`` (``--misses``, ``--strays``).
"""

from __future__ import annotations

import pytest

from crossdesk.classify import classify_texts
from crossdesk.classify.evaluate import HELDOUT, THREATS, evaluate, heldout_set, related
from crossdesk.classify.lexicons import spelling_variants, to_traditional
from crossdesk.cli import cli
from crossdesk.demo.evaluation import dev_set, noisy_set
from crossdesk.models import INTENT_NAMES

LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "zh", "pt", "ko", "nl", "pl", "tr", "ar")

# Held-out recall per language: what the lexicons reach minus about two messages of ~19 (measured:
# 18-20 of 19-20 per language, 249/253 overall).
HELDOUT_FLOOR = {lang: 0.85 for lang in LANGUAGES} | {"en": 0.80}
HELDOUT_OVERALL_FLOOR = 0.94
# Dev (the demo phrase bank, which the lexicons were extended from): 42-45 of 45 per language, 95.6 %.
DEV_FLOOR = 0.88
DEV_OVERALL_FLOOR = 0.93
# Noisy (the bank with the demo's greetings, sign-offs, typos, dropped accents): 88-97 % per language, 93.2 %.
NOISY_FLOOR = 0.84
NOISY_OVERALL_FLOOR = 0.90


@pytest.fixture(scope="module")
def heldout():
    return evaluate(heldout_set())


@pytest.fixture(scope="module")
def dev():
    return evaluate(dev_set())


def test_heldout_set_is_well_formed():
    examples = heldout_set()
    for ex in examples:
        assert ex.lang in LANGUAGES, ex
        assert ex.intent in INTENT_NAMES and ex.intent, ex
        assert set(ex.also) <= set(INTENT_NAMES), ex
        assert ex.text.strip(), ex
    per_language = {lang: sum(ex.lang == lang for ex in examples) for lang in LANGUAGES}
    assert min(per_language.values()) >= 12, per_language
    assert len({ex.text for ex in examples}) == len(examples), "duplicate held-out messages"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_heldout_recall_floor(heldout, lang):
    assert heldout.total[lang] >= 12
    assert heldout.recall(lang) >= HELDOUT_FLOOR[lang], [m for m in heldout.misses if m[0].lang == lang]


def test_heldout_overall_recall_and_precision(heldout):
    assert heldout.recall() >= HELDOUT_OVERALL_FLOOR, heldout.misses
    # measured: strict 92.6 %, unrelated 2.0 %, no false alarms
    assert heldout.strict_precision >= 0.88
    assert heldout.unrelated_rate <= 0.04, heldout.strays
    assert heldout.false_alarms == 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dev_recall_floor(dev, lang):
    assert dev.recall(lang) >= DEV_FLOOR, [m for m in dev.misses if m[0].lang == lang]


def test_dev_overall_recall_and_precision(dev):
    assert dev.recall() >= DEV_OVERALL_FLOOR
    # measured: strict 76.8 % (the bank's complaints and praise mention refunds and replacements),
    # unrelated 3.9 %, no false alarms
    assert dev.strict_precision >= 0.72
    assert dev.unrelated_rate <= 0.06, dev.strays
    assert dev.false_alarms == 0


def test_noisy_recall_and_precision():
    rep = evaluate(noisy_set())
    assert rep.recall() >= NOISY_OVERALL_FLOOR
    for lang in LANGUAGES:
        assert rep.recall(lang) >= NOISY_FLOOR, lang
    # measured: unrelated 3.6 % (thanks for a refund or a replacement), no false alarms
    assert rep.unrelated_rate <= 0.05
    assert rep.false_alarms == 0


def test_praise_never_fires_complaint_or_threat(dev, heldout):
    examples = [ex for ex in dev_set() + heldout_set() if ex.intent == "praise"]
    results = classify_texts([ex.text for ex in examples], [ex.lang for ex in examples])
    for ex, res in zip(examples, results, strict=True):
        assert not {"complaint", *THREATS} & set(res.intents), (ex, res)
        assert res.flags == 0 and res.sentiment >= 0, (ex, res)


# Thanks and everyday mentions of banks, cards and reviews, in every language: no threat may fire.
THANKS = [
    ("en", "Thank you so much, great seller!"),
    ("en", "Paid with my credit card yesterday, thanks. Has it shipped?"),
    ("en", "Hi, this is Sue, thanks for the quick reply"),
    ("de", "Vielen Dank, ich gebe Ihnen gerne eine gute Bewertung"),
    ("de", "Danke! Ich habe per Kreditkarte bezahlt."),
    ("fr", "Merci beaucoup, je laisserai un avis positif"),
    ("fr", "J'ai payé par carte bancaire, merci et bonne journée"),
    ("es", "Muchas gracias, pagué con tarjeta de crédito"),
    ("es", "Gracias, ¿cuál es el consumo de energía?"),
    ("it", "Grazie mille, ho pagato con carta di credito"),
    ("pt", "Muito obrigado, vou deixar uma avaliação positiva"),
    ("pt", "Obrigada! Paguei com cartão de crédito, qual o processo de troca?"),
    ("nl", "Hartelijk bedankt, betaald met creditcard"),
    ("pl", "Dziękuję bardzo, zapłaciłem kartą kredytową"),
    ("tr", "Çok teşekkürler, kredi kartı ile ödedim"),
    ("ar", "شكرا جزيلا، دفعت بالبطاقة"),
    ("ja", "ありがとうございました。クレジットカードで支払いました"),
    ("ko", "정말 감사합니다! 카드로 결제했어요"),
    ("zh", "謝謝你們，很滿意，會給好評"),
    ("zh", "谢谢，用信用卡付款的"),
]


@pytest.mark.parametrize(("lang", "text"), THANKS, ids=[f"{lang}-{i}" for i, (lang, _) in enumerate(THANKS)])
def test_thanks_raise_no_threat(lang, text):
    for languages in ([lang], None):
        (res,) = classify_texts([text], languages)
        assert res.flags == 0, (languages, res)
        assert not {"complaint", *THREATS} & set(res.intents), (languages, res)
        assert res.sentiment >= 0, (languages, res)


def test_related_is_symmetric_for_pairs_and_strict_for_threats():
    assert related("damaged_item", "refund_request") and related("refund_request", "damaged_item")
    assert related("product_question", "shipping_status")
    assert not related("praise", "complaint") and not related("complaint", "praise")
    assert not related("refund_request", "chargeback_threat")
    assert related("complaint", "chargeback_threat") and related("legal_threat", "damaged_item")
    assert not related("product_question", "damaged_item")


def test_spelling_variants():
    assert spelling_variants("zurück", "de") == ["zurück", "zuruck", "zurueck"]
    assert "havent received" in spelling_variants("haven't received", "en")
    assert "haven\u2019t received" in spelling_variants("haven't received", "en")
    assert "nie dotarla" in spelling_variants("nie dotarła", "pl")
    assert "kirik" in spelling_variants("kırık", "tr")
    assert "اريد ارجاع" in spelling_variants("أريد إرجاع", "ar")
    assert spelling_variants("还没收到订单", "zh") == ["还没收到订单", "還沒收到訂單"]
    assert spelling_variants("返品", "ja") == ["返品"]  # kana and kanji are left alone
    assert spelling_variants("반품", "ko") == ["반품"]
    assert to_traditional("质量太差，发错货了") == "質量太差，發錯貨了"


@pytest.mark.parametrize(
    ("lang", "text", "intent"),
    [
        ("zh", "還沒收到貨，訂單已經兩個禮拜了", "item_not_received"),
        ("zh", "我要退貨", "return_request"),
        ("de", "Ich moechte den Artikel zurueckschicken", "return_request"),
        ("fr", "je nai toujours rien recu", "item_not_received"),
        ("en", "I haven\u2019t received my parcel", "item_not_received"),
        ("ar", "اريد ارجاع المنتج", "return_request"),
    ],
)
def test_buyer_spellings_are_matched(lang, text, intent):
    (res,) = classify_texts([text], [lang])
    assert intent in res.intents, res


def test_evaluate_command(tmp_path):
    from click.testing import CliRunner

    runner = CliRunner()
    result = runner.invoke(cli, ["evaluate", "classify", "--set", "heldout"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("heldout:") and "  zh " in result.output
    assert "precision: strict" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"lang": "en", "text": "no intent"}\n', encoding="utf-8")
    result = runner.invoke(cli, ["evaluate", "classify", "--set", "heldout", "--file", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: bad.jsonl line 1") and result.output.count("\n") == 1
    result = runner.invoke(
        cli, ["evaluate", "classify", "--set", "heldout", "--file", str(tmp_path / "missing.jsonl")]
    )
    assert result.exit_code == 1 and "no held-out set" in result.output
    assert HELDOUT.is_file()
