"""The supervisor's approval queue: requests with their amount and verdict; approve (a) or decline (x).

The decision goes through ``desk.approvals.decide`` (which checks "supervise" again): an approved refund is
made as the supervisor and queued to the outbox."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from crossdesk.tui.messages import ApprovalDecided, ApprovalsLoaded
from crossdesk.tui.screens.base import DeskScreen, topbar
from crossdesk.tui.widgets.common.footer import WrapFooter


class ApprovalsScreen(DeskScreen):
    """Pending approval requests, oldest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="approvals.back"),
        Binding("a", "approve", "Approve", id="approvals.approve"),
        Binding("x", "decline", "Decline", id="approvals.decline"),
        Binding("r", "reload", "Refresh", id="approvals.refresh"),
    ]
    NEEDS: ClassVar[dict[str, str]] = {"approve": "supervise", "decline": "supervise"}

    def compose(self) -> ComposeResult:
        yield topbar(self.app, "approvals")
        yield DataTable(id="approvals", cursor_type="row", zebra_stripes=True)
        yield Static("", id="approvals-status")
        yield WrapFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).add_columns("#", "Kind", "Case", "Amount", "Verdict", "Asked by", "Reason")
        self.action_reload()

    def action_reload(self) -> None:
        self.call(ApprovalsLoaded, self.desk.approvals.queue, self.actor, group="approvals", exclusive=True)

    @on(ApprovalsLoaded)
    def _show(self, message: ApprovalsLoaded) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for r in message.value:
            verdict = r["verdict"].get("decision", "") if isinstance(r["verdict"], dict) else ""
            table.add_row(
                str(r["id"]), r["kind"], str(r["case_id"]), r["amount"], str(verdict), r["requested_by"], r["reason"],
                key=str(r["id"]),
            )  # fmt: skip
        self.query_one("#approvals-status", Static).update(f"{len(message.value)} waiting")

    def _selected(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(str(key.value))

    def _decide(self, approve: bool) -> None:
        approval_id = self._selected()
        if approval_id is not None:
            self.call(
                ApprovalDecided,
                self.desk.approvals.decide,
                self.actor,
                approval_id,
                approve,
                "",
                group="approvals",
            )

    def action_approve(self) -> None:
        self._decide(True)

    def action_decline(self) -> None:
        self._decide(False)

    @on(ApprovalDecided)
    def _decided(self, message: ApprovalDecided) -> None:
        row = message.value
        extra = f": refund {row['result']['refund_id']} queued" if row["result"].get("refund_id") else ""
        self.notify(f"Approval #{row['id']} {row['state']}{extra}")
        self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()
