"""The TUI's door to the desk: the signed-in actor and one lock around every service call.

The desk's SQLite connection may be used from worker threads but not by two at once, so every call goes
through :meth:`Gateway.call`, which holds the desk's lock (:attr:`crossdesk.api.Desk.lock`) for the
duration of the call. The UI never decides what is allowed: :meth:`Gateway.can` only chooses which
actions to offer; the services check again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from crossdesk.api import Desk
from crossdesk.models import Actor

T = TypeVar("T")


class Gateway:
    """A desk, the signed-in actor, and the lock that serialises access to the desk's connection."""

    def __init__(self, desk: Desk, actor: Actor | None = None) -> None:
        self.desk = desk
        self.actor = actor
        # The desk's own lock: the queue's snapshot (in memory) and ``desk.detached()`` take the same one.
        self.lock = desk.lock
        self._permissions: tuple[Actor, frozenset[str]] | None = None
        # Currency digits are read once and cached by the desk; reading them now means the screens can
        # format money on the UI thread without ever touching the connection.
        desk.minor_digits("USD")

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` holding the desk lock."""
        with self.lock:
            return fn(*args, **kwargs)

    def permissions(self) -> frozenset[str]:
        """The signed-in agent's permissions, as the desk says (``desk.permissions``), asked once per
        signed-in actor; none before sign-in."""
        actor = self.actor
        if actor is None:
            return frozenset()
        if self._permissions is None or self._permissions[0] is not actor:
            self._permissions = (actor, self.desk.permissions(actor))
        return self._permissions[1]

    def can(self, permission: str) -> bool:
        """Whether to offer actions needing ``permission`` to the signed-in agent."""
        return permission in self.permissions()

    def now(self) -> int:
        return self.desk.now()
