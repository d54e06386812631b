"""The names of the normalised tracking states in the desk's 13 buyer languages, written by people.

A template's ``{shipment_state}`` is filled with a :class:`Localized` of these, which the template renderer
reads in the buyer's language through the same fallback chain as template variants (``pt-BR`` -> ``pt``
-> English). A desk may override any of them with the ``tracking_state_names`` setting,
``{state: {language: text}}``.
"""

from __future__ import annotations

from collections.abc import Mapping

from crossdesk.carriers import STATES

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "tr", "pt", "ja", "zh", "ko", "ar")

NAMES: dict[str, dict[str, str]] = {
    "info_received": {
        "en": "label created, waiting for the carrier",
        "de": "Sendung angekündigt, wartet auf den Versand",
        "fr": "étiquette créée, en attente du transporteur",
        "es": "etiqueta creada, esperando al transportista",
        "it": "etichetta creata, in attesa del corriere",
        "nl": "label aangemaakt, wacht op de vervoerder",
        "pl": "etykieta utworzona, czeka na przewoźnika",
        "tr": "etiket oluşturuldu, kargo firması bekleniyor",
        "pt": "etiqueta criada, aguardando a transportadora",
        "ja": "伝票作成済み・集荷待ち",
        "zh": "已创建运单，等待承运商揽收",
        "ko": "운송장 생성됨, 택배사 인수 대기 중",
        "ar": "تم إنشاء الملصق، بانتظار شركة الشحن",
    },
    "in_transit": {
        "en": "in transit",
        "de": "unterwegs",
        "fr": "en cours d'acheminement",
        "es": "en tránsito",
        "it": "in transito",
        "nl": "onderweg",
        "pl": "w drodze",
        "tr": "yolda",
        "pt": "em trânsito",
        "ja": "輸送中",
        "zh": "运输中",
        "ko": "배송 중",
        "ar": "قيد الشحن",
    },
    "out_for_delivery": {
        "en": "out for delivery",
        "de": "in Zustellung",
        "fr": "en cours de livraison",
        "es": "en reparto",
        "it": "in consegna",
        "nl": "wordt vandaag bezorgd",
        "pl": "wydana do doręczenia",
        "tr": "dağıtımda",
        "pt": "saiu para entrega",
        "ja": "配達中",
        "zh": "派送中",
        "ko": "배달 출발",
        "ar": "خرج للتوصيل",
    },
    "delivered": {
        "en": "delivered",
        "de": "zugestellt",
        "fr": "livré",
        "es": "entregado",
        "it": "consegnato",
        "nl": "bezorgd",
        "pl": "doręczona",
        "tr": "teslim edildi",
        "pt": "entregue",
        "ja": "配達完了",
        "zh": "已签收",
        "ko": "배달 완료",
        "ar": "تم التسليم",
    },
    "failed_attempt": {
        "en": "delivery attempted, nobody was there",
        "de": "Zustellversuch, niemand angetroffen",
        "fr": "tentative de livraison, destinataire absent",
        "es": "intento de entrega fallido",
        "it": "tentativo di consegna non riuscito",
        "nl": "bezorgpoging, niemand thuis",
        "pl": "nieudana próba doręczenia",
        "tr": "teslimat denendi, alıcı bulunamadı",
        "pt": "tentativa de entrega sem sucesso",
        "ja": "ご不在のため持ち戻り",
        "zh": "派送未成功",
        "ko": "배달 시도, 부재",
        "ar": "محاولة توصيل فاشلة",
    },
    "exception": {
        "en": "held up by the carrier",
        "de": "Problem bei der Zustellung",
        "fr": "incident de livraison",
        "es": "incidencia en el envío",
        "it": "problema con la spedizione",
        "nl": "probleem bij de bezorging",
        "pl": "problem z przesyłką",
        "tr": "gönderide sorun var",
        "pt": "problema na entrega",
        "ja": "配送に問題が発生",
        "zh": "运输异常",
        "ko": "배송 문제 발생",
        "ar": "مشكلة في الشحنة",
    },
    "returned": {
        "en": "on its way back to us",
        "de": "auf dem Rückweg zu uns",
        "fr": "en retour vers l'expéditeur",
        "es": "devuelto al remitente",
        "it": "in restituzione al mittente",
        "nl": "retour naar afzender",
        "pl": "zwrócona do nadawcy",
        "tr": "göndericiye iade ediliyor",
        "pt": "devolvido ao remetente",
        "ja": "差出人へ返送中",
        "zh": "退回寄件人",
        "ko": "발송인에게 반송 중",
        "ar": "في طريق العودة إلى المرسل",
    },
    "expired": {
        "en": "no longer tracked by the carrier",
        "de": "wird vom Versanddienst nicht mehr verfolgt",
        "fr": "suivi expiré chez le transporteur",
        "es": "el seguimiento ha caducado",
        "it": "tracciamento scaduto",
        "nl": "niet meer te volgen",
        "pl": "śledzenie wygasło",
        "tr": "takip süresi doldu",
        "pt": "rastreamento expirado",
        "ja": "追跡期限切れ",
        "zh": "追踪已过期",
        "ko": "추적 기간 만료",
        "ar": "انتهت صلاحية التتبع",
    },
}

assert set(NAMES) == set(STATES) and all(set(v) == set(LANGUAGES) for v in NAMES.values())


class Localized:
    """A text in several languages; the template renderer picks the buyer's (see
    :func:`crossdesk.templates.render.format_value`)."""

    __slots__ = ("texts",)

    def __init__(self, texts: Mapping[str, str]) -> None:
        self.texts = {k.lower(): v for k, v in texts.items()}

    def pick(self, chain: list[str]) -> str:
        for tag in chain:
            hit = self.texts.get(tag.lower())
            if hit:
                return hit
        return self.texts.get("en") or next(iter(self.texts.values()), "")

    def __str__(self) -> str:
        return self.pick(["en"])


def state_name(state: str, overrides: Mapping[str, Mapping[str, str]] | None = None) -> Localized:
    texts = dict(NAMES.get(state, {"en": state.replace("_", " ")}))
    texts.update((overrides or {}).get(state, {}))
    return Localized(texts)
