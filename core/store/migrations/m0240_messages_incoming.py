"""Buyer messages in id order: a partial index in place of ``messages_untranslated``.

The old index, on ``(direction, translated_to)``, served the scans of buyer messages (the translator's
slices, reclassification and reprocess partitions) only by direction: each slice then sorted every buyer
message of the desk by id to take the next few hundred. Every new message was also inserted in the
middle of it (at the end of the ``('in', '')`` run), which split pages there: about a third of the cost
of writing a message. ``messages_incoming`` holds the ids of buyer messages only; a new one goes at its
end, and a scan from an id onwards reads it in order and stops at its limit.
"""

from __future__ import annotations

import sqlite_utils


def up(db: sqlite_utils.Database) -> None:
    db.execute("DROP INDEX IF EXISTS messages_untranslated")
    db.execute("CREATE INDEX IF NOT EXISTS messages_incoming ON messages(id) WHERE direction = 'in'")
