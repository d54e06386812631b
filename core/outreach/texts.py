"""Campaign texts in the desk's 13 languages (English when the buyer's is not among them).

``{name}`` is the buyer's first name, ``{order}`` the order's number on its platform.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "holiday_greeting": {
        "en": "Hello {name}, thank you for shopping with us this year. We wish you happy holidays!",
        "de": "Hallo {name}, danke für Ihren Einkauf in diesem Jahr. Wir wünschen Ihnen frohe Feiertage!",
        "fr": "Bonjour {name}, merci pour vos achats cette année. Nous vous souhaitons de joyeuses fêtes !",
        "es": "Hola {name}, gracias por comprar con nosotros este año. ¡Le deseamos felices fiestas!",
        "it": "Ciao {name}, grazie per i suoi acquisti quest'anno. Le auguriamo buone feste!",
        "nl": "Hallo {name}, bedankt voor uw aankopen dit jaar. Wij wensen u fijne feestdagen!",
        "pl": "Dzień dobry {name}, dziękujemy za zakupy w tym roku. Życzymy wesołych świąt!",
        "tr": "Merhaba {name}, bu yıl bizden alışveriş yaptığınız için teşekkürler. Mutlu bayramlar dileriz!",
        "pt": "Olá {name}, obrigado pelas suas compras este ano. Desejamos boas festas!",
        "ja": "{name}様、今年もご利用いただきありがとうございました。良い休暇をお過ごしください。",
        "zh": "{name}您好，感谢您今年的惠顾，祝您节日快乐！",
        "ko": "{name}님, 올해도 이용해 주셔서 감사합니다. 즐거운 연휴 보내세요!",
        "ar": "مرحبا {name}، شكرا لتسوقك معنا هذا العام. نتمنى لك عطلة سعيدة!",
    },
    "win_back": {
        "en": "Hello {name}, we miss you! Our new collection is online; we would be glad to see you again.",
        "de": "Hallo {name}, wir vermissen Sie! Unsere neue Kollektion ist online; wir freuen uns auf Ihren Besuch.",
        "fr": "Bonjour {name}, vous nous manquez ! Notre nouvelle collection est en ligne ; au plaisir de vous revoir.",
        "es": "Hola {name}, ¡le echamos de menos! Nuestra nueva colección ya está en línea; nos alegrará verle de nuevo.",
        "it": "Ciao {name}, ci manca! La nostra nuova collezione è online; saremo felici di rivederla.",
        "nl": "Hallo {name}, we missen u! Onze nieuwe collectie staat online; we zien u graag terug.",
        "pl": "Dzień dobry {name}, tęsknimy! Nasza nowa kolekcja jest już dostępna; chętnie znów Pana/Panią zobaczymy.",
        "tr": "Merhaba {name}, sizi özledik! Yeni koleksiyonumuz yayında; sizi yeniden görmekten mutluluk duyarız.",
        "pt": "Olá {name}, sentimos a sua falta! A nova coleção já está online; adoraríamos vê-lo de novo.",
        "ja": "{name}様、お久しぶりです。新しいコレクションを公開しました。またのご来店をお待ちしております。",
        "zh": "{name}您好，好久不见！我们的新品已上线，期待您再次光临。",
        "ko": "{name}님, 보고 싶었어요! 새 컬렉션이 공개되었습니다. 다시 만나길 기대합니다.",
        "ar": "مرحبا {name}، اشتقنا إليك! مجموعتنا الجديدة متاحة الآن، ويسعدنا أن نراك مجددا.",
    },
    "delivery_follow_up": {
        "en": "Hello {name}, your order {order} was delivered. Is everything all right with it? Reply here if anything is missing.",
        "de": "Hallo {name}, Ihre Bestellung {order} wurde zugestellt. Ist alles in Ordnung? Antworten Sie hier, falls etwas fehlt.",
        "fr": "Bonjour {name}, votre commande {order} a été livrée. Tout est-il en ordre ? Répondez ici s'il manque quelque chose.",
        "es": "Hola {name}, su pedido {order} ha sido entregado. ¿Está todo bien? Responda aquí si falta algo.",
        "it": "Ciao {name}, il suo ordine {order} è stato consegnato. È tutto a posto? Risponda qui se manca qualcosa.",
        "nl": "Hallo {name}, uw bestelling {order} is bezorgd. Is alles in orde? Antwoord hier als er iets ontbreekt.",
        "pl": "Dzień dobry {name}, zamówienie {order} zostało dostarczone. Czy wszystko w porządku? Prosimy o odpowiedź, jeśli czegoś brakuje.",
        "tr": "Merhaba {name}, {order} numaralı siparişiniz teslim edildi. Her şey yolunda mı? Eksik bir şey varsa buradan yanıtlayın.",
        "pt": "Olá {name}, o seu pedido {order} foi entregue. Está tudo bem? Responda aqui se faltar algo.",
        "ja": "{name}様、ご注文{order}のお届けが完了しました。問題がございましたら、こちらにご返信ください。",
        "zh": "{name}您好，您的订单{order}已送达。一切都好吗？如有缺失请在此回复。",
        "ko": "{name}님, 주문 {order}이(가) 배송 완료되었습니다. 문제가 있으면 여기로 답장해 주세요.",
        "ar": "مرحبا {name}، تم تسليم طلبك {order}. هل كل شيء على ما يرام؟ رد هنا إذا كان هناك شيء ناقص.",
    },
    "order_status": {
        "en": "Hello {name}, an update on your order {order}: it is on its way and we are watching the delivery for you.",
        "de": "Hallo {name}, ein Update zu Ihrer Bestellung {order}: Sie ist unterwegs, und wir behalten die Zustellung im Blick.",
        "fr": "Bonjour {name}, des nouvelles de votre commande {order} : elle est en route et nous suivons la livraison pour vous.",
        "es": "Hola {name}, novedades de su pedido {order}: está en camino y seguimos la entrega por usted.",
        "it": "Ciao {name}, aggiornamento sul suo ordine {order}: è in viaggio e seguiamo la consegna per lei.",
        "nl": "Hallo {name}, een update over uw bestelling {order}: die is onderweg en wij volgen de bezorging voor u.",
        "pl": "Dzień dobry {name}, informacja o zamówieniu {order}: jest w drodze, a my śledzimy dostawę.",
        "tr": "Merhaba {name}, {order} numaralı siparişiniz yolda; teslimatı sizin için takip ediyoruz.",
        "pt": "Olá {name}, novidades do seu pedido {order}: está a caminho e acompanhamos a entrega por si.",
        "ja": "{name}様、ご注文{order}は配送中です。お届けまで当店でも確認いたします。",
        "zh": "{name}您好，您的订单{order}正在运输中，我们会为您跟踪配送。",
        "ko": "{name}님, 주문 {order}이(가) 배송 중입니다. 배송 상황을 저희가 확인하고 있습니다.",
        "ar": "مرحبا {name}، تحديث بشأن طلبك {order}: إنه في الطريق ونحن نتابع التسليم من أجلك.",
    },
}


def text(kind: str, language: str, name: str, order: str = "") -> tuple[str, str]:
    """The campaign text in the buyer's language and the language used."""
    texts = TEXTS[kind]
    lang = (language or "en").split("-")[0].lower()
    if lang not in texts:
        lang = "en"
    return texts[lang].format(name=name or "", order=order or ""), lang
