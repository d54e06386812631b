"""Request ids: what makes a command that moves money or writes to a platform run once per request.

A caller gives a request id (the API generates one per call when none is given; the command line derives
one from the call, or takes ``--request-id``). :func:`done` finds an earlier run of the same request
within :data:`WINDOW`; :func:`record` remembers this one, in the transaction of the change. Derived ids
repeat when the same command is typed again on purpose, so an id is remembered for the window only: after
it, the same id is a new request.
"""

from __future__ import annotations

import uuid

from crossdesk.errors import DeskError
from crossdesk.models import Actor
from crossdesk.store import Store

#: Seconds a request id (and an identical refund on a case) is remembered: the default of the
#: ``request_window`` setting.
WINDOW = 86400


def window(store: Store) -> int:
    """The desk's ``request_window`` setting in seconds (default :data:`WINDOW`)."""
    return int(store.get_setting("request_window", WINDOW))


def new_id() -> str:
    """A fresh request id (the API's default: every call its own request)."""
    return uuid.uuid4().hex


def done(store: Store, request_id: str | None, action: str, object_type: str, object_id: int) -> dict | None:
    """The earlier run of this request on this object, within the window, or None. A request id reused
    for another action or object is an error, not a replay."""
    if not request_id:
        return None
    row = store.row("SELECT * FROM requests WHERE request_id = ?", [request_id])
    if row is None or row["created_at"] < store.now() - window(store):
        return None
    if (row["action"], row["object_type"], row["object_id"]) != (action, object_type, object_id):
        raise DeskError(
            f"request id {request_id!r} was already used for {row['action']} on {row['object_type']} "
            f"{row['object_id']}; give a new one"
        )
    return row


def record(
    store: Store,
    actor: Actor,
    request_id: str | None,
    action: str,
    object_type: str,
    object_id: int,
    result_id: int | None = None,
) -> None:
    """Remember this request (call inside the transaction of the change): a later :func:`done` finds it."""
    if not request_id:
        return
    store.db.execute(
        "INSERT INTO requests (request_id, action, object_type, object_id, result_id, actor, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO UPDATE SET action = excluded.action, "
        "object_type = excluded.object_type, object_id = excluded.object_id, result_id = excluded.result_id, "
        "actor = excluded.actor, created_at = excluded.created_at",
        [request_id, action, object_type, object_id, result_id, actor.name, store.now()],
    )
