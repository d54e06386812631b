"""The plugin-facing entry point (**public**): the :class:`Desk` facade and the errors every service raises.

Every service call takes an :class:`~crossdesk.models.Actor` first; permissions are checked before anything
is written, and every write leaves an audit row (actor, action, object, before, after, time) in the same
transaction as the change.

    from crossdesk.api import Desk
    from crossdesk.models import Actor

    desk = Desk.open("desk.db")
    admin = Actor.system()
    shop = desk.shops.upsert(admin, platform="amazon", external_id="A1PA6795UKMFR9", name="Acme DE")
"""

from __future__ import annotations

from crossdesk.api.desk import Desk
from crossdesk.errors import DeskError, NotFound, PermissionDenied

__all__ = ["Desk", "DeskError", "NotFound", "PermissionDenied"]
