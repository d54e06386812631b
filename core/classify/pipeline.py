"""Pipeline step: classify every incoming message as it is stored.

The second step of the event pipeline, right after language detection (the language narrows which lexicons apply). It writes the message's intents, sentiment and
flags, and folds them into the ticket: the strongest intent so far, the latest sentiment, the union of the
flags. The queue picks the change up from there.
"""

from __future__ import annotations

import hashlib
import weakref
from typing import Any

import orjson

from crossdesk.classify import Classifier, load_lexicons
from crossdesk.models import INTENTS, Actor, Event
from crossdesk.store import Store

_WEIGHT = {name: w for name, w, _ in INTENTS}
_by_pm: weakref.WeakKeyDictionary[Any, Classifier] = weakref.WeakKeyDictionary()
#: Classifiers by their lexicons, for the whole process: every desk a process opens (a server, the bench,
#: an import) has its own plugin manager, but mostly the same lexicons, and building the matcher is the
#: costly part. A few are kept, newest last.
_by_lexicons: dict[tuple[bytes, int], Classifier] = {}
_KEPT = 4


def _classifier(pm: Any) -> Classifier:
    # One classifier per plugin manager: building the matcher takes a moment, messages come one by one.
    try:
        found = _by_pm.get(pm)
    except TypeError:  # not weak-referenceable
        return _for_lexicons(load_lexicons(pm))
    if found is None:
        found = _by_pm[pm] = _for_lexicons(load_lexicons(pm))
    return found


def _for_lexicons(lexicons: list[dict]) -> Classifier:
    # Imported here, as in Classifier: crossdesk.native reads this package's intent table. The kernels in
    # use are part of the key, so forcing the reference kernels (tests, a debug run) builds anew.
    from crossdesk import native

    digest = hashlib.sha256(orjson.dumps(lexicons, option=orjson.OPT_SORT_KEYS)).digest()
    key = (digest, id(native._ACTIVE))
    found = _by_lexicons.pop(key, None)
    if found is None:
        found = Classifier(lexicons)
    _by_lexicons[key] = found
    while len(_by_lexicons) > _KEPT:
        del _by_lexicons[next(iter(_by_lexicons))]
    return found


def stronger(a: str, b: str) -> str:
    """The stronger of two intent names by score weight ("" is the weakest; unknown intents weigh 1)."""
    wa = _WEIGHT.get(a, 1.0) if a else float("-inf")
    wb = _WEIGHT.get(b, 1.0) if b else float("-inf")
    return b if wb > wa else a


class TicketClassifier:
    """The pipeline step over one store: ``step(actor, event)``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, actor: Actor, event: Event) -> None:
        if event.name != "message_received":
            return
        db = self.store.db
        message_id = event.data.get("message_id")
        row = db.execute(
            "SELECT m.ticket_id, m.body, m.language, t.intent, t.flags FROM messages m "
            "JOIN tickets t ON t.id = m.ticket_id WHERE m.id = ? AND m.direction = 'in'",
            [message_id],
        ).fetchone()
        if row is None:
            return
        ticket_id, body, language, ticket_intent, ticket_flags = row
        result = _classifier(self.store.pm).classify_texts([body], [language or None])[0]
        db.execute(
            "UPDATE messages SET intents = ?, sentiment = ?, flags = ? WHERE id = ?",
            [orjson.dumps(list(result.intents)).decode(), result.sentiment, result.flags, message_id],
        )
        patch = {
            "flags": int(ticket_flags or 0) | result.flags,
            "intent": stronger(ticket_intent or "", result.intent),
        }
        if result.intents or result.sentiment:
            patch["sentiment"] = result.sentiment
        db.execute(
            "UPDATE tickets SET " + ", ".join(f"{k} = ?" for k in patch) + " WHERE id = ?",
            [*patch.values(), ticket_id],
        )
