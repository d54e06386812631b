"""Platform lint for buyer-facing text.

What each marketplace forbids in buyer messages, as published in its seller policies:

- Amazon (buyer-seller messaging guidelines): no external links, no marketing or promotions, no asking
  for positive feedback or reviews, no asking to change or remove feedback; Amazon's detectors also flag auto-replies ("out of office"), which
  must not be sent as buyer messages.
- eBay (off-platform contact policy): no e-mail addresses, phone numbers, links to other sites or
  messenger handles that would move the sale off eBay.

Phrases are matched with the native keyword matcher (whole words in spaced scripts, substrings in CJK),
in the 13 demo languages; links, e-mail addresses and phone numbers with patterns and ``phonenumbers``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers

PHRASES: dict[str, tuple[str, ...]] = {
    "auto_reply": (
        "out of office",
        "out-of-office",
        "auto-reply",
        "autoreply",
        "automatic reply",
        "automated reply",
        "automated response",
        "this is an automated message",
        "do not reply to this message",
        "abwesenheitsnotiz",
        "automatische antwort",
        "réponse automatique",
        "absent du bureau",
        "respuesta automática",
        "fuera de la oficina",
        "risposta automatica",
        "fuori ufficio",
        "自動返信",
        "不在通知",
        "自动回复",
        "resposta automática",
        "fora do escritório",
        "자동 응답",
        "부재중",
        "automatisch antwoord",
        "afwezigheidsbericht",
        "automatyczna odpowiedź",
        "poza biurem",
        "otomatik yanıt",
        "ofis dışında",
        "رد تلقائي",
        "خارج المكتب",
    ),
    "feedback_request": (
        "positive feedback",
        "leave feedback",
        "leave a review",
        "leave us a review",
        "5-star",
        "5 star",
        "five-star",
        "five star",
        "rate us",
        "positive bewertung",
        "5 sterne",
        "bewertung abgeben",
        "avis positif",
        "5 étoiles",
        "laisser un avis",
        "valoración positiva",
        "5 estrellas",
        "deja una reseña",
        "feedback positivo",
        "5 stelle",
        "recensione positiva",
        "高評価",
        "星5",
        "レビューをお願い",
        "好评",
        "五星",
        "avaliação positiva",
        "5 estrelas",
        "긍정적인 피드백",
        "별 5개",
        "리뷰를 남겨",
        "positieve feedback",
        "5 sterren",
        "pozytywny komentarz",
        "5 gwiazdek",
        "olumlu yorum",
        "5 yıldız",
        "تقييم إيجابي",
        "5 نجوم",
    ),
    # Amazon forbids asking a buyer to change or remove feedback (its own "request removal" message type
    # aside); eBay calls it feedback extortion when something is offered for it.
    "feedback_change": (
        "remove your feedback",
        "remove the feedback",
        "remove your negative feedback",
        "remove the negative feedback",
        "change your feedback",
        "change the feedback",
        "update your feedback",
        "revise your feedback",
        "delete your feedback",
        "withdraw your feedback",
        "change your rating",
        "update your rating",
        "remove your review",
        "change your review",
        "update your review",
        "delete your review",
        "bewertung entfernen",
        "bewertung löschen",
        "bewertung ändern",
        "bewertung zurückziehen",
        "supprimer votre évaluation",
        "modifier votre évaluation",
        "supprimer votre commentaire",
        "retirar su valoración",
        "eliminar su valoración",
        "cambiar su valoración",
        "modificare il feedback",
        "rimuovere il feedback",
        "評価を削除",
        "評価を変更",
        "删除评价",
        "修改评价",
        "uw feedback verwijderen",
        "usunąć komentarz",
        "değerlendirmenizi kaldır",
        "remover sua avaliação",
        "alterar sua avaliação",
        "평가를 삭제",
        "إزالة تقييمك",
    ),
    "marketing": (
        "discount",
        "coupon",
        "promo code",
        "promotion",
        "special offer",
        "newsletter",
        "follow us",
        "subscribe",
        "rabatt",
        "gutschein",
        "sonderangebot",
        "réduction",
        "code promo",
        "offre spéciale",
        "descuento",
        "cupón",
        "oferta especial",
        "sconto",
        "offerta speciale",
        "割引",
        "クーポン",
        "セール",
        "折扣",
        "优惠券",
        "促销",
        "desconto",
        "cupom",
        "promoção",
        "할인",
        "쿠폰",
        "korting",
        "kortingscode",
        "zniżka",
        "kupon",
        "promocja",
        "indirim",
        "kampanya",
        "خصم",
        "كوبون",
    ),
    "off_platform": (
        "whatsapp",
        "wechat",
        "telegram",
        "skype",
        "line id",
        "viber",
        "contact me directly",
        "call me",
        "email me",
        "e-mail me",
        "微信",
        "ライン",
        "카카오톡",
        "kakaotalk",
    ),
}

#: Which checks each platform applies. Platforms not listed are not linted.
PLATFORM_CHECKS: dict[str, tuple[str, ...]] = {
    "amazon": ("link", "marketing", "feedback_request", "feedback_change", "auto_reply"),
    "ebay": ("email", "phone", "link", "off_platform"),
}

MESSAGES = {
    "link": "external link (Amazon forbids links in buyer messages; eBay forbids links off eBay)",
    "marketing": "marketing or promotion",
    "feedback_request": "asks for positive feedback or a review",
    "feedback_change": "asks the buyer to change or remove feedback (Amazon forbids it)",
    "auto_reply": "reads as an auto-reply (flagged by Amazon's detectors)",
    "email": "e-mail address (off-platform contact)",
    "phone": "phone number (off-platform contact)",
    "off_platform": "asks to move the conversation off the platform",
}

_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|de|fr|es|it|jp|cn|co|io|shop|store|uk|br|kr|nl|pl|tr)\b(?:/\S*)?"
)
_EMAIL = re.compile(r"(?i)\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")


@dataclass
class Finding:
    code: str
    platform: str
    excerpt: str
    message: str = ""

    def __str__(self) -> str:
        return f"{self.platform}: {self.message or MESSAGES[self.code]}: {self.excerpt!r}"


@dataclass
class _Phrases:
    codes: list[str] = field(default_factory=list)
    matcher: object | None = None


@lru_cache(maxsize=1)
def _phrases() -> _Phrases:
    from crossdesk.native import KeywordMatcher

    patterns, codes = [], []
    for code, words in PHRASES.items():
        for word in words:
            patterns.append(word)
            codes.append(code)
    return _Phrases(codes, KeywordMatcher(patterns, ignore_case=True))


def lint_text(text: str, platforms: list[str] | None = None) -> list[Finding]:
    """Every problem of ``text`` for each platform (default: every platform that has checks)."""
    platforms = list(PLATFORM_CHECKS) if platforms is None else [p for p in platforms if p in PLATFORM_CHECKS]
    if not platforms:
        return []
    found: dict[str, list[str]] = {}
    emails = [m.group(0) for m in _EMAIL.finditer(text)]
    if emails:
        found["email"] = emails
    without_emails = _EMAIL.sub(" ", text)
    links = [m.group(0) for m in _URL.finditer(without_emails)]
    if links:
        found["link"] = links
    phones = [
        m.raw_string
        for m in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.VALID)
    ]
    phones += [
        m.raw_string
        for m in phonenumbers.PhoneNumberMatcher(text, None, leniency=phonenumbers.Leniency.VALID)
    ]
    if phones:
        found["phone"] = sorted(set(phones))
    phrases = _phrases()
    for start, end, pid in phrases.matcher.find(text):  # type: ignore[attr-defined]
        found.setdefault(phrases.codes[pid], []).append(text[start:end])
    out = []
    for platform in platforms:
        for code in PLATFORM_CHECKS[platform]:
            for excerpt in found.get(code, []):
                out.append(Finding(code, platform, excerpt, MESSAGES[code]))
    return out
