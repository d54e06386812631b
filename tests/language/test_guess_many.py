"""The batch form of the core detector answers as one text at a time: duplicates, texts the phrasebook or
the word votes settle, texts only lingua can judge, and texts with no letters."""

from __future__ import annotations

from crossdesk.builtins.language import guess, guess_many

TEXTS = [
    "Wo bleibt meine Bestellung? Ich warte seit zwei Wochen.",
    "Hallo",
    "Where is my order? It has been two weeks.",
    "Wo bleibt meine Bestellung? Ich warte seit zwei Wochen.",  # a duplicate
    "注文した商品がまだ届きません",
    "我的订单还没有到",
    "123 456",
    "",
    "ok",
    "Bonjour, je voudrais retourner cet article, il est trop petit.",
    "Hallo",
]


def _key(g):
    return None if g is None else (g.language, g.detector, round(g.confidence, 6))


def test_the_batch_gives_the_answers_of_one_text_at_a_time():
    batch = guess_many(TEXTS)
    assert len(batch) == len(TEXTS)
    assert [_key(g) for g in batch] == [_key(guess(t)) for t in TEXTS]
    assert batch[6] is None and batch[7] is None  # no letters: undetermined
    assert batch[0].language == "de" and batch[2].language == "en" and batch[9].language == "fr"
