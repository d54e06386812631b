"""Built-in observer: writes domain events to the ``crossdesk.events`` logger at debug level."""

from __future__ import annotations

import logging

from crossdesk import hookimpl
from crossdesk.models import Event

log = logging.getLogger("crossdesk.events")


@hookimpl
def crossdesk_event(event: Event) -> None:
    log.debug("%s %s#%s by %s", event.name, event.object_type, event.object_id, event.actor)
