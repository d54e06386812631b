"""Reading a survey answer from a buyer's reply: a digit, stars, or words in the desk's 13 languages.

:func:`parse` returns the score on the survey's scale (CSAT 1-5, NPS 0-10) and the comment (the reply
without the score), or a None score when the reply holds no answer. A digit wins over stars, stars over
words. Words are matched longest first, so "sehr gut" is not read as "gut" and "not good" not as "good";
the earliest match in the text decides. Buyer text is data: it is only matched, never interpreted.

Words carry a CSAT grade (1-5). On the NPS scale a grade becomes :data:`GRADE_TO_NPS` (5 -> 10, 4 -> 8,
3 -> 7, 2 -> 4, 1 -> 0): "very good" is a promoter, "okay" a passive, "bad" a detractor.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CSAT, NPS = "csat", "nps"
SCALES = {CSAT: (1, 5), NPS: (0, 10)}
GRADE_TO_NPS = {5: 10, 4: 8, 3: 7, 2: 4, 1: 0}

#: Per language, grade -> words and phrases (lower case). en de fr es it nl pl tr pt ja zh ko ar.
WORDS: dict[str, dict[int, tuple[str, ...]]] = {
    "en": {
        5: ("excellent", "perfect", "great", "very good", "amazing", "outstanding", "very satisfied"),
        4: ("good", "satisfied", "pretty good"),
        3: ("ok", "okay", "fine", "average", "so-so"),
        2: ("bad", "poor", "not good", "unsatisfied", "dissatisfied"),
        1: ("very bad", "terrible", "awful", "horrible", "very poor", "worst"),
    },
    "de": {
        5: ("sehr gut", "ausgezeichnet", "hervorragend", "perfekt", "super", "sehr zufrieden", "spitze"),
        4: ("gut", "zufrieden"),
        3: ("in ordnung", "geht so", "mittel", "mittelmäßig", "ok", "okay"),
        2: ("schlecht", "nicht gut", "unzufrieden", "mangelhaft"),
        1: ("sehr schlecht", "furchtbar", "schrecklich", "katastrophal", "miserabel", "sehr unzufrieden"),
    },
    "fr": {
        5: ("très bien", "très bon", "excellent", "parfait", "super", "très satisfait"),
        4: ("bien", "bon", "satisfait"),
        3: ("moyen", "correct", "passable", "bof"),
        2: ("mauvais", "pas bien", "pas bon", "insatisfait", "décevant"),
        1: ("très mauvais", "horrible", "nul", "catastrophique", "très déçu", "lamentable"),
    },
    "es": {
        5: ("excelente", "perfecto", "muy bueno", "muy bien", "genial", "muy satisfecho"),
        4: ("bueno", "bien", "satisfecho"),
        3: ("regular", "normal", "aceptable", "más o menos"),
        2: ("malo", "mal", "insatisfecho", "no muy bien"),
        1: ("muy malo", "muy mal", "horrible", "pésimo", "fatal"),
    },
    "it": {
        5: ("eccellente", "ottimo", "perfetto", "molto buono", "molto bene", "molto soddisfatto"),
        4: ("buono", "bene", "soddisfatto"),
        3: ("discreto", "normale", "così così", "sufficiente"),
        2: ("cattivo", "male", "scarso", "insoddisfatto", "deludente"),
        1: ("pessimo", "molto male", "orribile", "terribile", "molto cattivo"),
    },
    "nl": {
        5: ("uitstekend", "perfect", "zeer goed", "heel goed", "geweldig", "zeer tevreden"),
        4: ("goed", "tevreden"),
        3: ("redelijk", "matig", "gaat wel", "oké"),
        2: ("slecht", "niet goed", "ontevreden"),
        1: ("zeer slecht", "heel slecht", "vreselijk", "verschrikkelijk"),
    },
    "pl": {
        5: ("doskonale", "świetnie", "bardzo dobrze", "bardzo dobry", "wspaniale", "znakomicie"),
        4: ("dobrze", "dobry", "zadowolony"),
        3: ("średnio", "przeciętnie", "w porządku"),
        2: ("źle", "słabo", "niezadowolony", "zły"),
        1: ("bardzo źle", "fatalnie", "okropnie", "tragicznie", "bardzo zły"),
    },
    "tr": {
        5: ("mükemmel", "harika", "çok iyi", "süper", "çok memnun"),
        4: ("iyi", "memnun"),
        3: ("orta", "idare eder", "fena değil", "normal"),
        2: ("kötü", "iyi değil", "memnun değil"),
        1: ("çok kötü", "berbat", "rezalet", "korkunç"),
    },
    "pt": {
        5: ("excelente", "perfeito", "ótimo", "muito bom", "muito bem", "muito satisfeito"),
        4: ("bom", "bem", "satisfeito"),
        3: ("regular", "razoável", "mais ou menos", "normal"),
        2: ("ruim", "mau", "insatisfeito"),
        1: ("muito ruim", "péssimo", "horrível", "muito mau"),
    },
    "ja": {
        5: ("最高", "大変満足", "非常に良い", "とても良い", "とてもよい", "素晴らしい"),
        4: ("良い", "よい", "満足", "良かった"),
        3: ("普通", "まあまあ", "ふつう"),
        2: ("悪い", "不満", "不満足", "良くない", "よくない"),
        1: ("最悪", "非常に悪い", "とても悪い", "ひどい"),
    },
    "zh": {
        5: ("非常好", "很好", "极好", "完美", "非常满意", "太棒了"),
        4: ("好", "满意", "不错"),
        3: ("一般", "还行", "还可以"),
        2: ("不好", "差", "不满意"),
        1: ("很差", "非常差", "太差", "糟糕", "极差"),
    },
    "ko": {
        5: ("최고", "아주 좋아요", "매우 좋음", "매우 만족", "훌륭해요"),
        4: ("좋아요", "좋음", "만족"),
        3: ("보통", "그저 그래요", "괜찮아요"),
        2: ("나빠요", "별로", "불만", "불만족"),
        1: ("최악", "매우 나쁨", "아주 나빠요", "형편없어요"),
    },
    "ar": {
        5: ("ممتاز", "رائع", "جيد جدا", "جيد جداً", "راض جدا"),
        4: ("جيد", "راض"),
        3: ("مقبول", "متوسط", "لا بأس"),
        2: ("سيء", "سيئ", "غير راض"),
        1: ("سيء جدا", "سيئ جدا", "سيء جداً", "فظيع", "الأسوأ"),
    },
}
LANGUAGES = tuple(WORDS)

# Scripts without spaces between words match anywhere; the others on word boundaries.
_ANYWHERE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af\u0600-\u06ff]")


def _pattern(phrase: str) -> re.Pattern[str]:
    if _ANYWHERE.search(phrase):
        return re.compile(re.escape(phrase))
    return re.compile(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)")


#: Every phrase of every language, longest first: (compiled pattern, grade).
_PHRASES: list[tuple[re.Pattern[str], int]] = [
    (_pattern(p), grade)
    for p, grade in sorted(
        {(p, g) for words in WORDS.values() for g, ps in words.items() for p in ps},
        key=lambda pg: (-len(pg[0]), pg[0]),
    )
]
_STARS = re.compile(r"[★⭐]")
_NUMBER = re.compile(r"(?<![\d.,])(10|\d)(?:\s*/\s*(5|10))?(?![\d.,])")


@dataclass(frozen=True)
class Answer:
    score: int | None
    comment: str
    how: str  # "digit", "stars", "words" or "" when nothing was read


def _normal(text: str) -> str:
    # NFKC: full-width digits (５) become 5; lower() for the word lists.
    return unicodedata.normalize("NFKC", text or "").lower()


def parse(text: str, kind: str = CSAT) -> Answer:
    """The score on the survey's scale and the comment, from a reply's text."""
    if kind not in SCALES:
        raise ValueError(f"unknown survey kind {kind!r}; known: {', '.join(SCALES)}")
    low, high = SCALES[kind]
    raw = (text or "").strip()
    norm = _normal(raw)
    m = _NUMBER.search(norm)
    if m is not None:
        value, out_of = int(m.group(1)), m.group(2)
        if out_of == "10" and kind == CSAT:
            value = max(1, round(value / 2))
        elif out_of == "5" and kind == NPS:
            value = GRADE_TO_NPS.get(value, value)
        if low <= value <= high:
            return Answer(value, _strip(norm, raw, m.start(), m.end()), "digit")
    stars = len(_STARS.findall(norm))
    if 1 <= stars <= 5:
        value = stars if kind == CSAT else GRADE_TO_NPS[stars]
        return Answer(value, _STARS.sub("", raw).replace("☆", "").strip(), "stars")
    found: list[tuple[int, int]] = []
    masked = norm
    for pattern, grade in _PHRASES:
        for hit in pattern.finditer(masked):
            found.append((hit.start(), grade))
            masked = masked[: hit.start()] + " " * (hit.end() - hit.start()) + masked[hit.end() :]
    if found:
        grade = min(found)[1]  # the earliest match
        value = grade if kind == CSAT else GRADE_TO_NPS[grade]
        return Answer(value, raw, "words")
    return Answer(None, raw, "")


def _strip(norm: str, raw: str, start: int, end: int) -> str:
    """The reply without the score token (when normalising kept the length, else the whole reply)."""
    if len(norm) != len(raw):
        return raw
    return (raw[:start] + raw[end:]).strip(" -–:,.!\n\t")
