"""What happens, in order, when a domain event is raised (``Desk.emit``).

Each step is ``"module:function"`` with the signature ``step(desk, actor, event) -> None`` and runs inside
the transaction of the change that raised the event, so a failing step rolls the change back with it.
Steps are resolved on first use; a step that names a missing module is a packaging error and fails loudly.
The order is the data flow of DESIGN.md: language, classification, SLA clocks, then automation rules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crossdesk.api.desk import Desk
    from crossdesk.models import Actor, Event

#: One line per area, in data-flow order.
STEPS: tuple[str, ...] = (
    "crossdesk.language.pipeline:on_event",  # language of new messages, tickets and customers
    "crossdesk.classify.pipeline:on_event",  # intents, sentiment and threat flags of buyer messages
    "crossdesk.sla:on_event",  # SLA clocks: deadlines, pauses
    "crossdesk.rules:on_event",  # automation rules
)

_resolved: list[Callable[..., None]] | None = None


def steps() -> list[Callable[..., None]]:
    global _resolved
    if _resolved is None:
        found = []
        for spec in STEPS:
            module, _, name = spec.partition(":")
            found.append(getattr(importlib.import_module(module), name))
        _resolved = found
    return _resolved


def run(desk: Desk, actor: Actor, event: Event) -> None:
    for step in steps():
        step(desk, actor, event)
