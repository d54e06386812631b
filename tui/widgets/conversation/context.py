"""Beside the thread: the ticket's head line and its context (buyer and order, SLA clocks, rules that
fired, knowledge-base suggestions, audit), drawn from the conversation read model."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from crossdesk.conversation import TicketView
from crossdesk.models import TicketStatus, Tier
from crossdesk.tui.format import clip, countdown, firing, money, when
from crossdesk.tui.widgets.conversation.audit_words import audit_line

#: Rich styles of the SLA clocks by urgency (see :func:`crossdesk.tui.format.countdown`).
CLOCK_STYLE = {
    "sla-breached": "bold red",
    "sla-urgent": "dark_orange",
    "sla-soon": "yellow",
    "sla-ok": "green",
}


def kb_line(article: dict) -> str:
    return f"{article['title']} [{article['language']}]"


class TicketHead(Static):
    """Subject, platform, shop, status, intent, language, tier, SLA, assignee and tags of the ticket."""

    def show(self, ticket: dict, now: int) -> None:
        t = ticket
        sla_text, _ = countdown(t.get("sla_due"), now)
        self.update(
            f"[b]#{t['id']}[/b] {escape(t.get('subject', ''))}\n"
            f"{t['platform']} · {escape(t['shop']['name'])} · {TicketStatus(t['status']).label} · "
            f"intent {t.get('intent') or '—'} · lang {t.get('language') or '?'} · "
            f"tier {Tier(t.get('tier', 0)).label} · SLA {sla_text} · assignee {escape(t.get('assignee') or '—')}"
            + (f"\ntags: {escape(', '.join(t['tags']))}" if t.get("tags") else "")
        )


class ContextPanel(VerticalScroll):
    """The ticket's context, one block each: buyer and order, SLA clocks, rules, KB, audit."""

    def compose(self) -> ComposeResult:
        yield Static("", id="ctx-order")
        yield Static("", id="ctx-parcels")
        yield Static("", id="ctx-sla")
        yield Static("", id="ctx-rules")
        yield Static("", id="ctx-kb")
        yield Static("", id="ctx-audit")

    def show(self, view: TicketView, now: int) -> None:
        """Draw the conversation's read model as of ``now``."""
        self.query_one("#ctx-order", Static).update(order_text(view))
        parcels = self.query_one("#ctx-parcels", Static)
        parcels.update(parcels_text(view.shipments))
        parcels.display = bool(view.shipments)  # the block appears once a parcel is tracked
        self.query_one("#ctx-sla", Static).update(sla_text(view.ticket, now, view.sla))
        if view.firings:
            rules = "[b]Rules[/b]\n" + "\n".join(escape(firing(f)) for f in view.firings)
        else:
            rules = "[b]Rules[/b]\nno rule fired on this ticket"
        self.query_one("#ctx-rules", Static).update(rules)
        kb = "\n".join(f"· {escape(kb_line(a))}" for a in view.kb) or "no article matches"
        self.query_one("#ctx-kb", Static).update(f"[b]Knowledge base[/b]\n{kb}")
        audit = "\n".join(f"{when(a['at'])} {escape(a['actor'])} {escape(audit_line(a))}" for a in view.audit)
        self.query_one("#ctx-audit", Static).update(f"[b]Audit[/b]\n{audit or '—'}")


def order_text(view: TicketView) -> str:
    """The buyer (tier, lifetime value) and the order with its lines."""
    lines = []
    customer, order = view.customer, view.order
    if customer:
        lines.append(
            f"[b]Buyer[/b]\n{escape(customer['name'])} · {customer['country']} · "
            f"{Tier(customer['tier']).label} · LTV ${customer['lifetime_value_usd']:,.2f}"
        )
        others = [t for t in customer.get("open_tickets", []) if t["id"] != view.ticket["id"]]
        if others:
            lines.append(
                "[b]Other open tickets[/b]\n"
                + "\n".join(f"  #{t['id']} {t['platform']} {escape(clip(t['subject'], 30))}" for t in others)
            )
    if order:
        digits = view.digits
        lines.append(
            f"[b]Order[/b] {escape(order['external_id'])} · {order['status']}\n"
            f"{money(order['total_minor'], order['currency'], digits)} · ordered {when(order['ordered_at'])}\n"
            f"delivered {when(order.get('delivered_at'))} · {escape(order.get('carrier') or '')} "
            f"{escape(order.get('tracking_number') or '')}"
        )
        for line in order["lines"]:
            lines.append(
                f"  {line['quantity']}× {escape(line['sku'])} {escape(clip(line['title'], 20))} "
                f"{money(line['unit_price_minor'], line['currency'], digits)}"
            )
    return "\n".join(lines) or "[b]Order[/b]\nno order linked"


#: Scans shown per parcel, newest first.
PARCEL_SCANS = 6


def parcels_text(shipments: list[dict]) -> str:
    """The shipment timeline: each parcel's state, ETA and latest scans (newest first)."""
    if not shipments:
        return "[b]Parcels[/b]\nno tracked parcel"
    rows = ["[b]Parcels[/b]"]
    for s in shipments:
        kind = " return" if s["kind"] == "return" else ""
        stalled = " [red]stalled[/]" if s.get("stalled_at") else ""
        eta = f" · eta {when(s['eta'])}" if s.get("eta") and s["state"] != "delivered" else ""
        rows.append(
            f"{escape(s['carrier'] or '?')} {escape(s['tracking_number'])}{kind} · "
            f"[b]{s['state'].replace('_', ' ')}[/b]{stalled}{eta}"
        )
        for e in list(reversed(s["events"]))[:PARCEL_SCANS]:
            place = f" · {escape(e['place'])}" if e["place"] else ""
            rows.append(f"  {when(e['at'])} {escape(clip(e['description'], 40))}{place}")
    return "\n".join(rows)


def sla_text(ticket: dict, now: int, sla: dict | None) -> str:
    """The SLA policy, pause, and the three clocks with their urgency colour."""
    rows = ["[b]SLA clocks[/b]"]
    if sla and sla.get("policy"):
        rows[0] += f" · {escape(str(sla['policy']))}"
        if sla.get("paused_since"):
            rows.append(f"[yellow]paused since {when(sla['paused_since'])}[/]")
    breached = int(ticket.get("sla_breached") or 0)  # bits: 1 first, 2 next, 4 resolution
    for bit, label, key in (
        (1, "first reply", "first_reply_due"),
        (2, "next reply", "next_reply_due"),
        (4, "resolution", "resolution_due"),
    ):
        text, urgency = countdown(ticket.get(key), now)
        if ticket.get(key) is None and breached & bit:  # met, but late: the breach stays on record
            text, urgency = "breached (answered late)", "sla-breached"
        rows.append(f"{label:12} [{CLOCK_STYLE.get(urgency, 'dim')}]{text}[/]")
    if not breached and all(ticket.get(k) is None for k in ("first_reply_due", "next_reply_due", "resolution_due")):
        rows.append("[dim]no SLA policy applies[/dim]")
    return "\n".join(rows)
