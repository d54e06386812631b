"""The TUI's door to the desk: one lock around every service call, and which area services exist.

The desk's SQLite connection may be used from worker threads but not by two at once, so every call goes
through :meth:`Gateway.call`, which holds a lock for the duration of the call. The UI never decides what
is allowed: :meth:`Gateway.can` only chooses which actions to offer; the services check again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from crossdesk.api import Desk
from crossdesk.models import Actor
from crossdesk.store.permissions import allowed

T = TypeVar("T")

#: The area services the TUI uses, as Desk attribute names, with what the user sees when one is absent.
AREAS = {
    "queue": "ranked queue",
    "cases": "after-sales cases",
    "templates": "reply templates",
    "rules": "automation rules",
    "sla": "SLA clocks",
    "translation": "translation",
    "sync": "marketplace sync",
}


class Gateway:
    """A desk, the signed-in actor, and a lock that serialises access to the desk's connection."""

    def __init__(self, desk: Desk, actor: Actor | None = None) -> None:
        self.desk = desk
        self.actor = actor
        self.lock = threading.RLock()
        # Currency digits are read once and cached by the desk; reading them now means the screens can
        # format money on the UI thread without ever touching the connection.
        desk.minor_digits("USD")

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` holding the desk lock."""
        with self.lock:
            return fn(*args, **kwargs)

    def service(self, name: str) -> Any | None:
        """The area service ``desk.<name>``, or None when its module has not been installed.

        Probed on every call: the Desk caches only successful lookups, so a module that lands later is
        found without restarting. No lock: building an area service touches no table, so the UI thread
        can ask even while a worker holds the desk for a long job."""
        try:
            return getattr(self.desk, name)
        except (ImportError, AttributeError):
            return None

    def has(self, name: str, method: str | None = None) -> bool:
        svc = self.service(name)
        return svc is not None and (method is None or callable(getattr(svc, method, None)))

    def can(self, permission: str) -> bool:
        """Whether to offer actions needing ``permission`` to the signed-in agent."""
        return self.actor is not None and allowed(self.actor.role, permission)

    def now(self) -> int:
        return self.desk.now()
