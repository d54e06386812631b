"""The bulk service (``desk.bulk``): one operation on many tickets or many cases, each item on its own.

The policy lives here and nowhere else; the TUI's inbox, ``crossdesk cases act`` and scripts all use it:

- acting on more than one ticket needs the ``bulk`` permission on top of the operation's own; a case batch
  needs ``bulk`` whatever its size (one case on its own goes through ``desk.cases.act``);
- every permission is checked before the first item is touched, so a refused batch does nothing;
- each item runs in its own savepoint (:meth:`crossdesk.store.Store.each`): an item that fails is left as
  it was and reported as ``"error: ..."``, the others are done. The result maps each id, in the order
  given, to ``"ok"``, ``"unchanged"`` or the error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from crossdesk.aftersales import CaseError, CaseService
from crossdesk.aftersales.states import PERMISSIONS as CASE_PERMISSIONS
from crossdesk.errors import DeskError
from crossdesk.models import Actor, TicketStatus
from crossdesk.store import Store
from crossdesk.templates import TemplateService
from crossdesk.tickets import TicketService

#: The ticket operations of :meth:`BulkService.tickets`, with what ``value`` is for each.
TICKET_OPS = {
    "assign": "an agent id, or None to unassign",
    "tag": "a tag to add",
    "status": "a status name or number",
    "template": "a template name: each buyer gets it in their language",
}
#: The permission every ticket operation needs (the ticket and template services check it again per item).
TICKET_PERMISSION = "reply"


class BulkService:
    """Bulk actions over the ticket, template and case services. Every method takes the acting
    :class:`~crossdesk.models.Actor` first and returns a result per item."""

    def __init__(
        self, store: Store, tickets: TicketService, templates: TemplateService, cases: CaseService
    ) -> None:
        self.store = store
        self.ticket_service = tickets
        self.templates = templates
        self.case_service = cases

    # ---- the policy ---------------------------------------------------------------------------------

    def require(self, actor: Actor, permission: str, count: int, *, always: bool = False) -> None:
        """Raise :class:`~crossdesk.errors.PermissionDenied` unless ``actor`` may do ``permission`` on
        ``count`` items at once: more than one (or any number, with ``always``) needs ``bulk`` too."""
        if count > 1 or always:
            self.store.require(actor, "bulk")
        self.store.require(actor, permission)

    # ---- tickets --------------------------------------------------------------------------------------

    def assign(self, actor: Actor, ticket_ids: Sequence[int], agent_id: int | None) -> dict[int, str]:
        """Assign tickets to an agent (None unassigns)."""
        ids = list(ticket_ids)
        self.require(actor, TICKET_PERMISSION, len(ids))
        return self._each(ids, lambda tid: self.ticket_service.update(actor, tid, assignee_id=agent_id))

    def set_status(self, actor: Actor, ticket_ids: Sequence[int], status: str | int) -> dict[int, str]:
        """Set the status of tickets (``"closed"`` closes them)."""
        ids = list(ticket_ids)
        self.require(actor, TICKET_PERMISSION, len(ids))
        try:
            wanted = TicketStatus.parse(status).label
        except ValueError as exc:
            raise DeskError(str(exc)) from None
        return self._each(ids, lambda tid: self.ticket_service.update(actor, tid, status=wanted))

    def add_tag(self, actor: Actor, ticket_ids: Sequence[int], tag: str) -> dict[int, str]:
        """Add one tag to tickets ("unchanged" where it was there already)."""
        ids = list(ticket_ids)
        self.require(actor, TICKET_PERMISSION, len(ids))
        if not tag.strip():
            raise DeskError("a tag cannot be empty")
        return self._each(ids, lambda tid: self.ticket_service.add_tags(actor, tid, [tag]))

    def reply_with_template(self, actor: Actor, ticket_ids: Sequence[int], name: str) -> dict[int, str]:
        """Send template ``name`` to each ticket's buyer, in the buyer's language. A ticket the template
        cannot be filled for (a placeholder without a value) is reported and gets nothing."""
        ids = list(ticket_ids)
        self.require(actor, TICKET_PERMISSION, len(ids))
        return self._each(ids, lambda tid: self.templates.send(actor, name, tid))

    def tickets(self, actor: Actor, op: str, ticket_ids: Sequence[int], value: Any) -> dict[int, str]:
        """One of :data:`TICKET_OPS` by name (for front ends that let the user pick the operation)."""
        if op == "assign":
            return self.assign(actor, ticket_ids, value)
        if op == "status":
            return self.set_status(actor, ticket_ids, value)
        if op == "tag":
            return self.add_tag(actor, ticket_ids, value)
        if op == "template":
            return self.reply_with_template(actor, ticket_ids, value)
        raise DeskError(f"unknown bulk operation {op!r}; expected one of {', '.join(TICKET_OPS)}")

    def _each(self, ids: Sequence[int], step: Callable[[int], Any]) -> dict[int, str]:
        # A step returns what changed (a diff, the tags added, a message id); nothing means "unchanged".
        return self.store.each(ids, lambda tid: "ok" if step(tid) else "unchanged")

    # ---- cases ----------------------------------------------------------------------------------------

    def cases(self, actor: Actor, case_ids: Sequence[int], action: str, **params: Any) -> dict[int, str]:
        """Run one case step (approve, decline, receive, refund, close ...) on many cases, with the same
        ``params`` for each (see :meth:`CaseService.act`)."""
        if action not in CaseService.ACTIONS:
            raise CaseError(
                f"unknown case action {action!r}; expected one of {', '.join(CaseService.ACTIONS)}"
            )
        self.require(actor, CASE_PERMISSIONS[action], len(case_ids), always=True)

        def one(case_id: int) -> str:
            self.case_service.act(actor, case_id, action, **params)
            return "ok"

        return self.store.each(list(case_ids), one)
