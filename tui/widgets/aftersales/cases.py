"""The after-sales widgets: the order's head line, its lines, its cases, and the selected case's policy
verdict with its audit rows."""

from __future__ import annotations

from rich.markup import escape
from textual.widgets import DataTable, Static

from crossdesk.aftersales import OrderCases
from crossdesk.policy.words import verdict_words
from crossdesk.tui.format import clip, money, when


class OrderHead(Static):
    """External id, platform, status, total, dates and country of the order."""

    def show(self, data: OrderCases) -> None:
        order = data.order
        self.update(
            f"[b]{escape(order['external_id'])}[/b] · {order['platform']} · {order['status']} · "
            f"{money(order['total_minor'], order['currency'], data.digits)} · ordered {when(order['ordered_at'])} · "
            f"delivered {when(order.get('delivered_at'))} · {order.get('country', '')}"
        )


class KeyedTable(DataTable):
    """A table whose rows are keyed by an id, with its columns declared in ``COLUMNS``."""

    COLUMNS: tuple[str, ...] = ()

    def on_mount(self) -> None:
        self.add_columns(*self.COLUMNS)

    def selected_key(self) -> str | None:
        """The key of the row under the cursor, or None for an empty table."""
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)


class LinesTable(KeyedTable):
    """The order's lines; the row key is the line id."""

    COLUMNS = ("line", "sku", "title", "qty", "unit price", "delivered")

    def show(self, data: OrderCases) -> None:
        self.clear()
        for line in data.order["lines"]:
            self.add_row(
                line["external_id"],
                line["sku"],
                clip(line["title"], 28),
                str(line["quantity"]),
                money(line["unit_price_minor"], line["currency"], data.digits),
                when(line.get("delivered_at")),
                key=str(line["id"]),
            )


class CasesTable(KeyedTable):
    """The order's cases; the row key is the case id."""

    COLUMNS = ("case", "type", "state", "line(s)", "requested", "refunded", "verdict")

    def show(self, data: OrderCases) -> None:
        self.clear()
        for case in data.cases:
            currency = case["currency"] or data.order["currency"]
            self.add_row(
                f"#{case['id']}",
                case["type"],
                case["state"],
                ", ".join(f"{ln['quantity']}× {ln['sku']}" for ln in case.get("lines", [])),
                money(case["requested_minor"], currency, data.digits),
                money(case["refunded_minor"], currency, data.digits),
                verdict_summary(case),
                key=str(case["id"]),
            )


def verdict_summary(case: dict) -> str:
    verdict = case.get("verdict") or {}
    if not verdict:
        return ""
    return verdict_words(bool(verdict.get("eligible")), verdict.get("deadline"))


class CaseVerdict(Static):
    """The selected case: its policy verdict (outcome, deadline, basis, reasons) and audit rows."""

    def show(self, case: dict | None) -> None:
        if case is None:
            self.update("No case on this order yet. Select a line and press o to open one.")
        else:
            self.update(verdict_text(case))


def verdict_text(case: dict) -> str:
    """The policy verdict of a case: outcome, deadline, basis and the reasons it cites, then its audit."""
    verdict = case.get("verdict") or {}
    head = f"[b]Case #{case['id']}[/b] {case['type']} · {case['state']}"
    if case.get("reason"):
        head += f" · reason: {escape(case['reason'])}"
    lines = [head]
    if case.get("exception_reason"):
        lines.append(f"[red]exception: {escape(case['exception_reason'])}[/red]")
    if not verdict:
        lines.append("[dim]no policy verdict for this case[/dim]")
        return "\n".join(lines + _audit_lines(case))
    colour = "green" if verdict.get("eligible") else "red"
    outcome = f"[{colour}]{escape(verdict_summary(case))}[/{colour}]"
    lines.append(
        f"verdict: {outcome} · {escape(str(verdict.get('policy', '')))} · {escape(str(verdict.get('basis', '')))}"
    )
    extra = []
    if verdict.get("return_by"):
        extra.append(f"goods back by {verdict['return_by']}")
    if verdict.get("refund_due"):
        extra.append(f"refund due {verdict['refund_due']}")
    elif verdict.get("refund_days") is not None:
        extra.append(
            f"refund within {verdict['refund_days']} days of {verdict.get('refund_from') or 'notice'}"
        )
    if case.get("refund_due"):
        extra.append(f"refund deadline {when(case['refund_due'])}")
    if verdict.get("missing"):
        extra.append("missing: " + ", ".join(verdict["missing"]))
    if extra:
        lines.append(escape(" · ".join(extra)))
    for reason in verdict.get("reasons", []):
        lines.append(f"  · {escape(str(reason))}")
    return "\n".join(lines + _audit_lines(case))


def _audit_lines(case: dict) -> list[str]:
    rows = case.get("audit") or []
    if not rows:
        return []
    out = ["[b]Audit[/b]"]
    for a in rows:
        after = a.get("after") or {}
        detail = f" → {after['state']}" if isinstance(after, dict) and after.get("state") else ""
        if isinstance(after, dict) and after.get("refunded_minor") and case.get("currency"):
            detail += f", refunded {money(after['refunded_minor'], case['currency'])}"
        out.append(f"  {when(a['at'])} {escape(a['actor'])} ({a['role']}) {a['action']}{escape(detail)}")
    return out
