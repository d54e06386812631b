"""The bulk service (``desk.bulk``): one policy for many tickets or cases, a result per item."""

from __future__ import annotations

import pytest

from crossdesk.errors import DeskError, PermissionDenied
from crossdesk.models import Actor


@pytest.fixture
def world(crossdesk_seeded):
    desk, ids = crossdesk_seeded
    return desk, ids, desk.actor_for("ana"), desk.actor_for("sam")


def audit_rows(desk) -> int:
    return desk.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]


def test_assign_many_results_per_ticket_and_audit(world):
    desk, ids, _, sam = world
    tickets = [ids.tickets["de_wismo"], ids.tickets["fr_broken"]]
    desk.bulk.assign(sam, [tickets[0]], ids.agents["ana"])
    results = desk.bulk.assign(sam, [*tickets, 9999], ids.agents["ana"])
    assert results == {tickets[0]: "unchanged", tickets[1]: "ok", 9999: "error: no ticket #9999"}
    assert desk.ticket(sam, tickets[1])["assignee_id"] == ids.agents["ana"]
    trail = desk.audit_trail(sam, "ticket", tickets[1])
    assert trail[0]["actor"] == "sam" and trail[0]["action"] == "ticket.update"
    assert desk.assign(sam, tickets, None) == {tickets[0]: "ok", tickets[1]: "ok"}  # the facade's name


def test_more_than_one_ticket_needs_bulk_and_nothing_is_done_when_refused(world):
    desk, ids, ana, _ = world
    tickets = list(ids.tickets.values())[:3]
    before = audit_rows(desk)
    for op, value in (("assign", ids.agents["ana"]), ("status", "closed"), ("tag", "vip"), ("template", "x")):
        with pytest.raises(PermissionDenied):
            desk.bulk.tickets(ana, op, tickets, value)
    assert audit_rows(desk) == before
    # one ticket is not a bulk action: an agent takes a ticket or tags it
    assert desk.bulk.assign(ana, [tickets[0]], ids.agents["ana"]) == {tickets[0]: "ok"}
    assert desk.bulk.add_tag(ana, [tickets[0]], "vip") == {tickets[0]: "ok"}


def test_status_and_tags(world):
    desk, ids, _, sam = world
    tickets = [ids.tickets["de_wismo"], ids.tickets["us_return"]]
    assert desk.bulk.tickets(sam, "status", tickets, "closed") == {t: "ok" for t in tickets}
    assert {desk.ticket(sam, t)["status"] for t in tickets} == {5}
    assert desk.bulk.tickets(sam, "status", tickets, "closed") == {t: "unchanged" for t in tickets}
    desk.add_tags(sam, tickets[0], ["vip"])
    assert desk.bulk.tickets(sam, "tag", tickets, "VIP") == {tickets[0]: "unchanged", tickets[1]: "ok"}
    assert "vip" in desk.tags(tickets[1])


def test_bad_values_are_refused_before_any_ticket(world):
    desk, ids, _, sam = world
    tickets = list(ids.tickets.values())
    before = audit_rows(desk)
    with pytest.raises(DeskError, match="unknown ticket status 'finished'"):
        desk.bulk.set_status(sam, tickets, "finished")
    with pytest.raises(DeskError, match="a tag cannot be empty"):
        desk.bulk.add_tag(sam, tickets, "  ")
    with pytest.raises(DeskError, match="unknown bulk operation 'explode'"):
        desk.bulk.tickets(sam, "explode", tickets, None)
    assert audit_rows(desk) == before


def test_template_reply_per_buyer_and_a_failure_leaves_its_ticket_untouched(world):
    desk, ids, _, sam = world
    desk.templates.install_starter(Actor.system())
    with_order, without = ids.tickets["de_wismo"], ids.tickets["fr_broken"]
    desk.db.execute("UPDATE tickets SET order_id = NULL WHERE id = ?", [without])  # no tracking to fill in
    results = desk.bulk.reply_with_template(sam, [with_order, without], "order_status")
    assert results[with_order] == "ok"
    assert results[without].startswith("error: template 'order_status' needs")
    sent = [m for m in desk.ticket(sam, with_order)["messages"] if m["direction"] == "out"]
    assert len(sent) == 1 and sent[0]["language"] == "de"
    assert not [m for m in desk.ticket(sam, without)["messages"] if m["direction"] == "out"]
    assert desk.db.execute("SELECT COUNT(*) FROM outbox WHERE ticket_id = ?", [without]).fetchone()[0] == 0


def test_case_batches_always_need_bulk_and_a_known_action(world):
    desk, ids, ana, sam = world
    with pytest.raises(PermissionDenied):
        desk.bulk.cases(ana, [1], "close")
    with pytest.raises(DeskError, match="unknown case action 'explode'"):
        desk.bulk.cases(sam, [1], "explode")
    order = desk.customer(sam, ids.customers["us_return"])["orders"][0]
    case = desk.cases.open(
        sam, type="return", order_id=order["id"], items=[{"order_line_id": order["lines"][0]["id"]}]
    )
    assert desk.bulk.cases(sam, [case, 4242], "approve") == {
        case: "ok",
        4242: "error: no case 4242 on this desk",
    }
    assert desk.cases.get(sam, case)["state"] == "approved"
