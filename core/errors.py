"""The errors every layer may raise and every front end knows how to show in one line.

Public: plugins and scripts import them from :mod:`crossdesk.api` (which re-exports them) or from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crossdesk.models import Actor


class DeskError(Exception):
    """A request the desk cannot carry out; the message says why in one line."""


class NotFound(DeskError):
    """The object asked for does not exist."""


class PermissionDenied(Exception):
    """The actor may not do this. Raised before anything is written."""

    def __init__(self, actor: Actor, permission: str, detail: str = "") -> None:
        self.actor = actor
        self.permission = permission
        message = f"{actor.name} ({actor.role_name}) may not {permission.replace('_', ' ')}"
        if detail:
            message += f": {detail}"
        super().__init__(message)
