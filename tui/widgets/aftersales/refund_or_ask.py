"""A refund above the agent's limit (issue 17): instead of only an error, the agent is told why in plain
words and offered to ask a supervisor (``desk.approvals.refund`` files the approval request)."""

from __future__ import annotations

from typing import Any

from crossdesk.errors import PermissionDenied
from crossdesk.tui.messages import CaseChanged, Failed
from crossdesk.tui.widgets.common.modals import ConfirmModal


class AskApproval(ConfirmModal):
    """"Above your limit: ask a supervisor?": y files an approval request, n leaves it."""


def refund(screen: Any, quote: Any, minor: int) -> None:
    """Refund ``minor`` on the quote's case in a worker; above the limit, ask whether to request approval."""
    gw, app = screen.gw, screen.app
    params = {"amount_minor": minor, "without_return": quote.without_return}

    def request(yes: bool | None) -> None:
        if not yes:
            return
        try:
            out = gw.call(gw.desk.approvals.refund, gw.actor, quote.case_id, **params)
        except Exception as exc:
            app.post_message(Failed(exc))
            return
        if out.approval_id:
            app.notify(f"Approval request #{out.approval_id} sent: a supervisor decides on this refund.")
        screen.post_message(CaseChanged(quote.case_id, out))

    def ask(reason: str) -> None:
        body = f"{reason}.\nAsk a supervisor to approve this refund instead?"
        app.push_screen(AskApproval("Above your refund limit", body, "Request approval"), request)

    def job() -> None:
        try:
            result = gw.call(gw.desk.cases.refund, gw.actor, quote.case_id, currency=quote.currency, **params)
        except PermissionDenied as exc:
            if "limit" in str(exc) and gw.can("refund"):
                app.call_from_thread(ask, str(exc))
            else:
                app.post_message(Failed(exc))
            return
        except Exception as exc:
            app.post_message(Failed(exc))
            return
        screen.post_message(CaseChanged(quote.case_id, result))

    screen.run_worker(job, thread=True, group="service")
