from __future__ import annotations

import orjson

from crossdesk.classify import FLAG_CHARGEBACK, FLAG_LEGAL
from crossdesk.classify.pipeline import TicketClassifier, stronger
from crossdesk.models import Actor, Event


def receive(desk, shop_id, thread, ext, body, language=""):
    actor = Actor.system("test")
    ticket_id, message_id, _ = desk.receive_message(
        actor,
        platform="amazon",
        shop_id=shop_id,
        thread_id=thread,
        external_id=ext,
        body=body,
        created_at=desk.now(),
        language=language,
    )
    # Run the step directly: whether it is listed in the pipeline is the service layer's business.
    TicketClassifier(desk.store)(
        actor,
        Event(
            name="message_received",
            object_type="ticket",
            object_id=ticket_id,
            actor=actor.name,
            at=desk.now(),
            data={"message_id": message_id},
        ),
    )
    return ticket_id, message_id


def test_messages_and_ticket_get_intents_sentiment_flags(crossdesk_seeded):
    desk, seeded = crossdesk_seeded
    shop = next(iter(seeded.shops.values()))
    ticket, m1 = receive(desk, shop, "T-1", "M-1", "Where is my order? I still have not received it.", "en")
    row = desk.db.execute("SELECT intents, sentiment, flags FROM messages WHERE id = ?", [m1]).fetchone()
    assert "item_not_received" in orjson.loads(row[0])
    t = desk.db.execute("SELECT intent, flags FROM tickets WHERE id = ?", [ticket]).fetchone()
    assert t == ("item_not_received", 0)

    receive(desk, shop, "T-1", "M-2", "Terrible. I will open a dispute and call my lawyer!!!", "en")
    t = desk.db.execute("SELECT intent, flags, sentiment FROM tickets WHERE id = ?", [ticket]).fetchone()
    assert t[0] == "chargeback_threat" and t[1] == FLAG_CHARGEBACK | FLAG_LEGAL and t[2] < 0

    # A calm follow-up neither weakens the intent nor clears the flags.
    receive(desk, shop, "T-1", "M-3", "Any news about the shipping status?", "en")
    t = desk.db.execute("SELECT intent, flags FROM tickets WHERE id = ?", [ticket]).fetchone()
    assert t == ("chargeback_threat", FLAG_CHARGEBACK | FLAG_LEGAL)


def test_stronger():
    assert stronger("", "praise") == "praise"
    assert stronger("chargeback_threat", "product_question") == "chargeback_threat"
    assert stronger("product_question", "item_not_received") == "item_not_received"


def test_classify_desk_reclassifies_everything(crossdesk_seeded):
    from crossdesk.classify import classify_desk

    desk, seeded = crossdesk_seeded
    shop = next(iter(seeded.shops.values()))
    ticket, m1 = receive(desk, shop, "T-9", "M-9", "I will call my lawyer, the item is broken", "en")
    desk.db.execute("UPDATE messages SET intents = '[]', flags = 0 WHERE id = ?", [m1])
    desk.db.execute("UPDATE tickets SET intent = '', flags = 0 WHERE id = ?", [ticket])
    out = classify_desk(desk, Actor.system("test"), chunk=2)
    assert "messages" in out
    assert desk.db.execute("SELECT intent, flags FROM tickets WHERE id = ?", [ticket]).fetchone() == (
        "legal_threat",
        FLAG_LEGAL,
    )
    row = desk.db.execute("SELECT intents FROM messages WHERE id = ?", [m1]).fetchone()
    assert "damaged_item" in orjson.loads(row[0])
