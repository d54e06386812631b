"""The read models behind the dashboard and the inbox (analytics, ticket pages, what is refundable), without
the TUI."""

from __future__ import annotations

import pytest

from crossdesk.models import Actor, Role


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"language": "de"},
        {"platform": "ebay"},
        {"search": "Paket"},
        {"status": ["new"]},
        {"status": ["solved"]},
        {"unassigned": True},
        {"breaching_before": 0},
    ],
)
def test_count_matches_the_rows_list_tickets_pages_through(desk, filters):
    actor = desk.actor_for("ana")
    rows = desk.list_tickets(actor, limit=1000, **filters)
    assert desk.tickets.count(actor, **filters) == len(rows)


def test_names_and_rows_by_id_keep_the_order_asked(desk, ids):
    actor = desk.actor_for("ana")
    wanted = [ids.tickets["jp_question"], ids.tickets["de_wismo"], 10**9]  # an unknown id is skipped
    rows = desk.tickets.by_ids(actor, wanted)
    assert [r["id"] for r in rows] == wanted[:2]
    assert rows[0]["buyer"] == "佐藤 花子" and rows[0]["shop_name"] == "Acme Official SG"
    assert rows[1]["assignee"] == ""


def test_dashboard_figures(desk, ids, clock):
    ana = desk.actor_for("ana")
    desk.reply(ana, ids.tickets["us_return"], "Here is your label.")  # asked 4 h before now
    clock.advance(1800)
    desk.reply(ana, ids.tickets["jp_question"], "Yes, it fits.")  # asked 3 h before the first reply
    board = desk.analytics.dashboard(ana)
    assert board.created_today == 6 and sum(board.volume_by_hour) == 6
    assert board.volume_by_hour[4:10] == [1] * 6  # the seeded tickets came in 04:00 to 09:00 UTC
    assert board.messages_in_today == 6 and board.replies_today == 2
    assert board.first_reply_count == 2
    assert board.first_reply_median_s == (4 * 3600 + (3 * 3600 + 1800)) / 2
    assert board.open_tickets == 6 and board.sla_breaches == 0


def test_returns_per_sku_and_refundable(desk, ids):
    sam = desk.actor_for("sam")
    order = desk.customer(sam, ids.customers["us_return"])["orders"][0]
    line = order["lines"][0]
    case_id = desk.cases.open(
        sam, type="return", order_id=order["id"], items=[{"order_line_id": line["id"], "quantity": 1}]
    )
    assert desk.analytics.dashboard(sam).returns_per_sku == [("SHOE-42", 1)]
    assert desk.cases.refundable(sam, order["id"]) == 12900
    desk.cases.approve(sam, case_id)
    desk.cases.refund(sam, case_id, amount_minor=2900, currency="USD", without_return=True)
    assert desk.cases.refundable(sam, order["id"]) == 10000


def test_reads_need_the_view_permission(desk, monkeypatch):
    from crossdesk.store.permissions import MATRIX, PermissionDenied

    monkeypatch.setitem(MATRIX, Role.AGENT, frozenset())  # a role without "view"
    nobody = Actor("ghost", Role.AGENT)
    with pytest.raises(PermissionDenied):
        desk.analytics.dashboard(nobody)
    with pytest.raises(PermissionDenied):
        desk.tickets.count(nobody)
