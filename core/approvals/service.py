"""Approvals and escalation tiers: what an agent may not do alone goes to a supervisor's queue.

- :meth:`ApprovalService.refund`: a refund within the actor's limit is made at once; above it (the limit of
  the ``refund_limits`` setting, checked by ``store.require(..., amount_usd_minor=...)``) it becomes a
  request in the approvers' queue, with the amount, the case's verdict and the reason.
- :meth:`ApprovalService.request_return`: an agent who may not approve a return asks for it.
- :meth:`ApprovalService.decide`: a supervisor ("supervise") approves or declines; an approved refund is
  made by the case service as the approver (their own limit applies) and so queued to the outbox; the
  decision goes back to the ticket as a note, and to the requester as the event ``approval_decided``.
- :meth:`ApprovalService.escalate`: a ticket moves up a tier (1: a specialist team's queue, 2: a
  supervisor), by hand with a reason.

Every step is audited (``approval.request``, ``approval.approve``, ``approval.decline``,
``ticket.escalate``) in the transaction of the change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from crossdesk.aftersales import CaseService
from crossdesk.aftersales.refunds import refund_amount
from crossdesk.errors import DeskError, NotFound, PermissionDenied
from crossdesk.models import Actor, TicketStatus
from crossdesk.orders import Rates
from crossdesk.store import Store, to_json
from crossdesk.tickets import TicketService

KINDS = ("refund", "approve_return")
TIERS = {1: "specialist team", 2: "supervisor"}


@dataclass(frozen=True)
class Outcome:
    """What :meth:`ApprovalService.refund` did: ``refund_id`` when made, ``approval_id`` when requested."""

    refund_id: int | None = None
    approval_id: int | None = None


class ApprovalService:
    """``desk.approvals``."""

    def __init__(self, store: Store, rates: Rates, cases: CaseService, tickets: TicketService) -> None:
        self.store = store
        self.rates = rates
        self.cases = cases
        self.tickets = tickets

    # ---- asking --------------------------------------------------------------------------------------

    def refund(
        self,
        actor: Actor,
        case_id: int,
        *,
        amount_minor: int | None = None,
        lines: Sequence[Mapping[str, Any]] | None = None,
        reason: str = "",
        without_return: bool = False,
    ) -> Outcome:
        """Refund now when within the actor's limit; else ask a supervisor (an approval request)."""
        store = self.store
        store.require(actor, "refund")
        case = store.get("cases", case_id)
        order = store.get("orders", case["order_id"]) if case["order_id"] is not None else None
        if order is None:
            raise DeskError(f"case {case_id} has no order to refund")
        _, amount = refund_amount(store, case, order, amount_minor, lines, self._money)
        usd_minor = round(self.rates.to_usd(amount, order["currency"]) * 100)
        params = {
            "amount_minor": amount_minor,
            "lines": None if lines is None else list(lines),
            "reason": reason,
            "without_return": without_return,
        }
        try:
            store.require(actor, "refund", amount_usd_minor=usd_minor)
        except PermissionDenied as exc:
            return Outcome(
                approval_id=self._request(
                    actor, "refund", case, amount, order["currency"], usd_minor, params, reason or str(exc)
                )
            )
        return Outcome(refund_id=self.cases.refund(actor, case_id, **params))

    def request_return(self, actor: Actor, case_id: int, reason: str = "") -> int:
        """Ask a supervisor to approve a return or exchange the actor may not approve."""
        self.store.require(actor, "handle_cases")
        case = self.store.get("cases", case_id)
        if case["state"] != "requested":
            raise DeskError(f"case {case_id} is {case['state']}: only a requested case waits for approval")
        return self._request(actor, "approve_return", case, None, "", None, {}, reason)

    def _request(
        self,
        actor: Actor,
        kind: str,
        case: dict,
        amount: int | None,
        currency: str,
        usd: int | None,
        params: dict,
        reason: str,
    ) -> int:
        store = self.store
        row = {
            "kind": kind,
            "case_id": case["id"],
            "ticket_id": case.get("ticket_id"),
            "requested_by": actor.name,
            "requester_id": actor.agent_id,
            "reason": reason,
            "amount_minor": amount,
            "currency": currency,
            "amount_usd_minor": usd,
            "verdict": case.get("verdict") or "{}",
            "params": to_json(params),
            "created_at": store.now(),
        }
        with store.tx():
            if store.db.execute(
                "SELECT 1 FROM approvals WHERE case_id = ? AND kind = ? AND state = 'pending'",
                [case["id"], kind],
            ).fetchone():
                raise DeskError(f"case {case['id']} already has a {kind} waiting for approval")
            approval_id = store.insert("approvals", row)
            store.audit(
                actor,
                "approval.request",
                "approval",
                approval_id,
                None,
                {k: v for k, v in row.items() if k != "verdict"},
            )
            if row["ticket_id"] is not None:
                what = (
                    f"a refund of {self._money(amount, currency)}"
                    if amount is not None
                    else "approving the return"
                )
                self.tickets.add_note(
                    actor,
                    row["ticket_id"],
                    f"Approval #{approval_id} asked by {actor.name}: {what} ({reason})",
                )
            store.emit(actor, "approval_requested", "approval", approval_id, kind=kind, case_id=case["id"])
        return approval_id

    # ---- the approvers' queue ------------------------------------------------------------------------

    def queue(self, actor: Actor, state: str = "pending") -> list[dict]:
        """Requests in ``state`` (default the pending ones, oldest first), with the verdict parsed."""
        self.store.require(actor, "supervise")
        rows = self.store.rows("SELECT * FROM approvals WHERE state = ? ORDER BY created_at, id", [state])
        return [self._parsed(r) for r in rows]

    def mine(self, actor: Actor) -> list[dict]:
        """The requests the actor made, newest first."""
        self.store.require(actor, "view")
        rows = self.store.rows(
            "SELECT * FROM approvals WHERE requested_by = ? ORDER BY id DESC LIMIT 200", [actor.name]
        )
        return [self._parsed(r) for r in rows]

    def get(self, actor: Actor, approval_id: int) -> dict:
        self.store.require(actor, "view")
        return self._parsed(self.store.get("approvals", approval_id))

    def _parsed(self, row: dict) -> dict:
        for key in ("verdict", "params", "result"):
            row[key] = orjson.loads(row[key] or "{}")
        row["amount"] = (
            self._money(row["amount_minor"], row["currency"]) if row["amount_minor"] is not None else ""
        )
        return row

    def decide(self, actor: Actor, approval_id: int, approve: bool, note: str = "") -> dict:
        """Approve (carry the request out as ``actor``) or decline, with a note; returns the row."""
        store = self.store
        store.require(actor, "supervise")
        with store.tx():
            row = store.get("approvals", approval_id)
            if row["state"] != "pending":
                raise DeskError(f"approval #{approval_id} was already {row['state']} by {row['decided_by']}")
            result: dict[str, Any] = {}
            if approve:
                params = orjson.loads(row["params"])
                if row["kind"] == "refund":
                    result["refund_id"] = self.cases.refund(actor, row["case_id"], **params)
                elif row["kind"] == "approve_return":
                    self.cases.approve(actor, row["case_id"], note=note)
                else:
                    raise DeskError(f"approval #{approval_id}: unknown kind {row['kind']!r}")
            state = "approved" if approve else "declined"
            patch = {
                "state": state,
                "decided_by": actor.name,
                "decided_at": store.now(),
                "note": note,
                "result": to_json(result),
            }
            store.update("approvals", approval_id, patch)
            store.audit(
                actor,
                "approval.approve" if approve else "approval.decline",
                "approval",
                approval_id,
                {"state": "pending"},
                {**patch, "result": result},
            )
            if row["ticket_id"] is not None:
                self.tickets.add_note(
                    actor,
                    row["ticket_id"],
                    f"Approval #{approval_id} {state} by {actor.name}" + (f": {note}" if note else ""),
                )
            store.emit(
                actor, "approval_decided", "approval", approval_id,
                state=state, requester_id=row["requester_id"], ticket_id=row["ticket_id"],
            )  # fmt: skip
        return self.get(actor, approval_id)

    # ---- escalation tiers ----------------------------------------------------------------------------

    def escalate(
        self, actor: Actor, ticket_id: int, tier: int, reason: str, *, team_id: int | None = None
    ) -> dict:
        """Move a ticket up: tier 1 to a specialist team's queue (``team_id``), tier 2 to the least loaded
        active supervisor (of the ticket's team when it has one). Needs "reply" and a reason."""
        store = self.store
        store.require(actor, "reply")
        if tier not in TIERS:
            raise DeskError(f"tier must be one of {', '.join(f'{k} ({v})' for k, v in TIERS.items())}")
        if not reason.strip():
            raise DeskError("escalating a ticket needs a reason")
        with store.tx():
            ticket = store.get("tickets", ticket_id)
            if ticket["status"] >= int(TicketStatus.SOLVED):
                raise DeskError(f"ticket #{ticket_id} is solved or closed")
            if tier == 1:
                if (
                    team_id is None
                    or store.db.execute("SELECT 1 FROM teams WHERE id = ?", [team_id]).fetchone() is None
                ):
                    raise NotFound("tier 1 needs the specialist team to send the ticket to")
                changes = {"escalated": 1, "team_id": team_id, "assignee_id": None}
            else:
                supervisor = store.db.execute(
                    "SELECT a.id FROM agents a WHERE a.active = 1 AND a.role = 'supervisor' "
                    "ORDER BY (a.team_id IS ?) DESC, "
                    "(SELECT count(*) FROM tickets t WHERE t.assignee_id = a.id AND t.status < ?), a.id LIMIT 1",
                    [ticket["team_id"], int(TicketStatus.SOLVED)],
                ).fetchone()
                if supervisor is None:
                    raise DeskError("no active supervisor on this desk to escalate to")
                changes = {"escalated": 2, "assignee_id": supervisor[0]}
            self.tickets.update(actor, ticket_id, **changes)
            self.tickets.add_note(
                actor,
                ticket_id,
                f"Escalated to tier {tier} ({TIERS[tier]}) by {actor.name}: {reason.strip()}",
            )
            store.audit(
                actor,
                "ticket.escalate",
                "ticket",
                ticket_id,
                {"escalated": ticket["escalated"]},
                {**changes, "tier": tier, "reason": reason.strip()},
            )
        return changes

    def _money(self, amount_minor: int | None, currency: str) -> str:
        if amount_minor is None:
            return ""
        digits = self.rates.minor_digits(currency)
        return f"{currency} {amount_minor / 10**digits:.{digits}f}"
