"""The survey question in each of the desk's 13 languages (English when the buyer's is not among them).

``{buyer_name}`` is filled from the profile. The question asks for a number, so the answer is easy to
read; words and stars are read too (:mod:`crossdesk.surveys.answers`).
"""

from __future__ import annotations

CSAT_QUESTION: dict[str, str] = {
    "en": "Hello {buyer_name}, how satisfied are you with our help? Reply with a number from 1 (very bad) to 5 (very good); a few words on why are welcome.",
    "de": "Hallo {buyer_name}, wie zufrieden sind Sie mit unserer Hilfe? Antworten Sie mit einer Zahl von 1 (sehr schlecht) bis 5 (sehr gut); ein paar Worte zum Warum sind willkommen.",
    "fr": "Bonjour {buyer_name}, êtes-vous satisfait de notre aide ? Répondez par un chiffre de 1 (très mauvais) à 5 (très bien) ; quelques mots sur la raison sont les bienvenus.",
    "es": "Hola {buyer_name}: ¿qué tan satisfecho está con nuestra ayuda? Responda con un número del 1 (muy malo) al 5 (muy bueno); unas palabras sobre el porqué son bienvenidas.",
    "it": "Buongiorno {buyer_name}, quanto è soddisfatto del nostro aiuto? Risponda con un numero da 1 (pessimo) a 5 (ottimo); qualche parola sul perché è benvenuta.",
    "nl": "Hallo {buyer_name}, hoe tevreden bent u over onze hulp? Antwoord met een cijfer van 1 (zeer slecht) tot 5 (zeer goed); een paar woorden over waarom zijn welkom.",
    "pl": "Dzień dobry {buyer_name}, jak bardzo jest Pan/Pani zadowolony(-a) z naszej pomocy? Prosimy o odpowiedź liczbą od 1 (bardzo źle) do 5 (bardzo dobrze); kilka słów uzasadnienia mile widziane.",
    "tr": "Merhaba {buyer_name}, yardımımızdan ne kadar memnunsunuz? Lütfen 1 (çok kötü) ile 5 (çok iyi) arasında bir sayıyla yanıtlayın; nedenini birkaç kelimeyle yazabilirsiniz.",
    "pt": "Olá {buyer_name}, qual é a sua satisfação com a nossa ajuda? Responda com um número de 1 (muito ruim) a 5 (muito bom); algumas palavras sobre o motivo são bem-vindas.",
    "ja": "{buyer_name}様、今回の対応にどの程度ご満足いただけましたか。1（とても悪い）から5（とても良い）の数字でご返信ください。理由もお聞かせいただければ幸いです。",
    "zh": "{buyer_name}您好，您对我们的帮助满意吗？请回复1（很差）到5（很好）之间的数字，欢迎简单说明原因。",
    "ko": "{buyer_name}님, 저희 도움에 얼마나 만족하셨나요? 1(매우 나쁨)부터 5(매우 좋음)까지 숫자로 답해 주세요. 이유도 남겨 주시면 감사하겠습니다.",
    "ar": "مرحبا {buyer_name}، ما مدى رضاك عن مساعدتنا؟ يرجى الرد برقم من 1 (سيء جدا) إلى 5 (ممتاز)، ويسعدنا أن تخبرنا بالسبب.",
}

NPS_QUESTION: dict[str, str] = {
    "en": "Hello {buyer_name}, how likely are you to recommend us to a friend? Reply with a number from 0 (not at all) to 10 (certainly).",
    "de": "Hallo {buyer_name}, wie wahrscheinlich ist es, dass Sie uns weiterempfehlen? Antworten Sie mit einer Zahl von 0 (gar nicht) bis 10 (sicher).",
    "fr": "Bonjour {buyer_name}, quelle est la probabilité que vous nous recommandiez à un ami ? Répondez par un chiffre de 0 (pas du tout) à 10 (certainement).",
    "es": "Hola {buyer_name}: ¿qué probabilidad hay de que nos recomiende a un amigo? Responda con un número del 0 (nada) al 10 (seguro).",
    "it": "Buongiorno {buyer_name}, quanto è probabile che ci consigli a un amico? Risponda con un numero da 0 (per niente) a 10 (certamente).",
    "nl": "Hallo {buyer_name}, hoe waarschijnlijk is het dat u ons aanbeveelt aan een vriend? Antwoord met een cijfer van 0 (helemaal niet) tot 10 (zeker).",
    "pl": "Dzień dobry {buyer_name}, jak prawdopodobne jest, że polecisz nas znajomym? Prosimy o odpowiedź liczbą od 0 (wcale) do 10 (na pewno).",
    "tr": "Merhaba {buyer_name}, bizi bir arkadaşınıza tavsiye etme olasılığınız nedir? Lütfen 0 (hiç) ile 10 (kesinlikle) arasında bir sayıyla yanıtlayın.",
    "pt": "Olá {buyer_name}, qual a probabilidade de nos recomendar a um amigo? Responda com um número de 0 (nada provável) a 10 (com certeza).",
    "ja": "{buyer_name}様、当店をご友人に薦める可能性はどのくらいありますか。0（全くない）から10（必ず薦める）の数字でご返信ください。",
    "zh": "{buyer_name}您好，您向朋友推荐我们的可能性有多大？请回复0（完全不会）到10（一定会）之间的数字。",
    "ko": "{buyer_name}님, 저희를 친구에게 추천하실 가능성은 얼마나 되나요? 0(전혀 아님)부터 10(꼭 추천)까지 숫자로 답해 주세요.",
    "ar": "مرحبا {buyer_name}، ما مدى احتمال أن توصي بنا لصديق؟ يرجى الرد برقم من 0 (مستبعد تماما) إلى 10 (بالتأكيد).",
}


def question(kind: str, language: str, buyer_name: str) -> tuple[str, str]:
    """The question in the buyer's language (its primary subtag: ``pt-BR`` -> ``pt``) and the language used."""
    texts = CSAT_QUESTION if kind == "csat" else NPS_QUESTION
    lang = (language or "en").split("-")[0].lower()
    if lang not in texts:
        lang = "en"
    return texts[lang].format(buyer_name=buyer_name or "").replace("  ", " "), lang
