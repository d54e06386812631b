"""The desk's event log (a core plugin): every committed domain event to the ``crossdesk.events`` logger.

Always registered, so ``logging.getLogger("crossdesk.events").setLevel(logging.DEBUG)`` shows what the
desk did whichever plugins are loaded.
"""

from __future__ import annotations

import logging

from crossdesk import hookimpl
from crossdesk.models import Event

log = logging.getLogger("crossdesk.events")


@hookimpl
def crossdesk_event(event: Event) -> None:
    """Log the event at debug level: name, object, actor."""
    log.debug("%s %s#%s by %s", event.name, event.object_type, event.object_id, event.actor)
