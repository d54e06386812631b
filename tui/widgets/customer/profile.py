"""The buyer's merged profile: the head (identities, contact, tier, lifetime value), the orders with their
lines, and the past tickets."""

from __future__ import annotations

from collections.abc import Callable

from rich.markup import escape
from textual.widgets import DataTable, Static

from crossdesk.models import TicketStatus, Tier
from crossdesk.tui.format import clip, money, when


class ProfileHead(Static):
    """Name, tier, lifetime value, contact, country, language and the platforms the buyer is known on."""

    def show(self, p: dict) -> None:
        idents = ", ".join(
            f"{i['platform']}:{i['handle'] or i['external_id']} ({i['shop_name']})" for i in p["identities"]
        )
        self.update(
            f"[b]{escape(p['name'] or '(no name)')}[/b] · {Tier(p['tier']).label} · "
            f"lifetime value ${p['lifetime_value_usd']:,.2f} · {len(p['orders'])} order(s) · {len(p['tickets'])} ticket(s)\n"
            f"{escape(p['email'] or '—')} · {escape(p['phone'] or '—')} · {p['country'] or '?'} {p['region']} · "
            f"language {p['language'] or '?'}\n"
            f"on: {escape(idents or '—')}\n"
            f"{segment_line(p.get('segment'))}"
        )


def segment_line(segment: dict | None) -> str:
    """The buyer's RFM scores and why they are in their segment (one line)."""
    if not segment:
        return "segment: not computed yet (crossdesk customers segment)"
    return f"[b]R{segment['r']} F{segment['f']} M{segment['m']}[/b] · {escape(segment['reason'])}"


class Suggestions(Static):
    """Profiles that may be the same buyer, with the evidence: a person accepts (a) or rejects (x)."""

    def show(self, found: list) -> None:
        if not found:
            self.update("no merge suggestions")
            return
        s = found[0]
        more = f" (+{len(found) - 1} more: crossdesk customers suggestions)" if len(found) > 1 else ""
        self.update(
            f"may be the same buyer: #{s.keep_id} + #{s.other_id} · {'; '.join(escape(e) for e in s.evidence)}"
            f"{more} · [b]a[/b] merge · [b]x[/b] not the same"
        )


class OrdersTable(DataTable):
    """Every order of the buyer, one row per line; the row key is ``"<order id>:<line id>"``."""

    COLUMNS = ("order", "platform", "shop", "status", "ordered", "sku", "title", "qty", "amount")

    def on_mount(self) -> None:
        self.add_columns(*self.COLUMNS)

    def show(self, orders: list[dict], digits: Callable[[str], int]) -> None:
        self.clear()
        for o in orders:
            places = digits(o["currency"])
            for n, line in enumerate(o["lines"] or [{}]):
                first = n == 0
                self.add_row(
                    o["external_id"] if first else "",
                    o["platform"] if first else "",
                    clip(o["shop_name"], 18) if first else "",
                    o["status"] if first else "",
                    when(o["ordered_at"])[:10] if first else "",
                    line.get("sku", ""),
                    clip(line.get("title", ""), 20),
                    str(line.get("quantity", "")),
                    money(line["quantity"] * line["unit_price_minor"], line["currency"], places)
                    if line
                    else "",
                    key=f"{o['id']}:{line.get('id', 0)}",
                )

    def selected_order(self) -> int | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(str(key).split(":")[0])


class TicketsTable(DataTable):
    """The buyer's tickets, newest first; the row key is the ticket id."""

    COLUMNS = ("ticket", "platform", "status", "intent", "created", "subject")

    def on_mount(self) -> None:
        self.add_columns(*self.COLUMNS)

    def show(self, tickets: list[dict]) -> None:
        self.clear()
        for t in tickets:
            self.add_row(
                f"#{t['id']}",
                t["platform"],
                TicketStatus(t["status"]).label,
                t["intent"] or "—",
                when(t["created_at"]),
                clip(t["subject"], 50),
                key=str(t["id"]),
            )

    def selected_ticket(self) -> int | None:
        if not self.row_count:
            return None
        return int(str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value))
