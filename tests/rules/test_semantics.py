"""The semantics of docs/automation.md, one test each."""

from __future__ import annotations

from crossdesk.models import Actor, TicketStatus
from crossdesk.rules import MAX_DEPTH


def test_rules_run_in_position_order_and_see_earlier_changes(h):
    # Stored in the wrong order on purpose: position decides, not insertion.
    h.rules(
        {
            "name": "second",
            "event": "message_received",
            "position": 20,
            "all": [{"field": "tags", "op": "contains", "value": "first"}],
            "actions": [{"action": "add_tag", "tag": "second"}],
        },
        {
            "name": "first",
            "event": "message_received",
            "position": 10,
            "actions": [{"action": "add_tag", "tag": "first"}],
        },
    )
    ticket = h.ticket("hi")
    assert h.tags(ticket) == ["first", "second"]


def test_order_matters_when_positions_are_swapped(h):
    h.rules(
        {
            "name": "second",
            "event": "message_received",
            "position": 5,
            "all": [{"field": "tags", "op": "contains", "value": "first"}],
            "actions": [{"action": "add_tag", "tag": "second"}],
        },
        {
            "name": "first",
            "event": "message_received",
            "position": 10,
            "actions": [{"action": "add_tag", "tag": "first"}],
        },
    )
    ticket = h.ticket("hi")
    # "second" ran before "first" tagged the ticket; the tag raised ticket_updated, which it does not answer.
    assert h.tags(ticket) == ["first"]


def test_a_rules_own_actions_never_retrigger_it(h):
    h.rules(
        {"name": "touch", "event": "ticket_updated", "actions": [{"action": "add_tag", "tag": "touched"}]}
    )
    ticket = h.ticket("hi")
    h.desk.update_ticket(h.admin, ticket, type="return")
    # Its add_tag raised ticket_updated again; the rule did not answer its own event.
    assert len(h.firings(ticket, "touch")) == 1
    h.desk.update_ticket(h.admin, ticket, type="exchange")
    # A new outside event is a new cascade: it fires again (and its tag is already there).
    fired = h.firings(ticket, "touch")
    assert len(fired) == 2
    assert fired[0]["changes"] == [{"action": "add_tag", "added": []}]


def test_two_rules_that_would_ping_pong_fire_once_each(h):
    h.rules(
        {
            "name": "lower",
            "event": "ticket_updated",
            "all": [{"field": "priority", "op": "is", "value": "high"}],
            "actions": [{"action": "set_priority", "value": "low"}],
        },
        {
            "name": "raise",
            "event": "ticket_updated",
            "all": [{"field": "priority", "op": "is", "value": "low"}],
            "actions": [{"action": "set_priority", "value": "high"}],
        },
    )
    ticket = h.ticket("hi")
    h.desk.tickets.set_priority_level(h.admin, ticket, "high")
    assert [r["rule_name"] for r in reversed(h.firings(ticket))] == ["lower", "raise"]
    assert (
        h.desk.db.execute("SELECT priority_level FROM tickets WHERE id = ?", [ticket]).fetchone()[0] == "high"
    )
    assert not [r for r in h.firings(ticket) if r["outcome"] == "capped"]


def test_chained_firing_is_capped_and_the_cap_is_reported(h, caplog):
    # Each step answers the event the step before raised. Positions run backwards so that no single
    # event's pass reaches the next step by order alone: the chain can only go on by going deeper.
    chain = [
        {
            "name": f"step {i:02d}",
            "event": "ticket_updated",
            "position": 100 - i,
            "all": [{"field": "tags", "op": "contains", "value": f"t{i}"}],
            "actions": [{"action": "add_tag", "tag": f"t{i + 1}"}],
        }
        for i in range(MAX_DEPTH + 3)
    ]
    h.rules(*chain)
    ticket = h.ticket("hi")
    with caplog.at_level("WARNING", logger="crossdesk.rules"):
        h.desk.add_tags(h.admin, ticket, ["t0"])
    tags = set(h.tags(ticket))
    # The outside event is depth 0; rule k's tag raises an event at depth k + 1; depth 11 is cut.
    assert {f"t{i}" for i in range(MAX_DEPTH + 2)} <= tags
    assert f"t{MAX_DEPTH + 2}" not in tags
    capped = [r for r in h.firings(ticket) if r["outcome"] == "capped"]
    assert len(capped) == 1 and capped[0]["depth"] == MAX_DEPTH + 1
    assert "cut at depth" in caplog.text


def test_once_per_ticket_ever(h):
    h.rules(
        {
            "name": "greet",
            "event": "message_received",
            "once_per_ticket": True,
            "actions": [{"action": "notify", "message": "new"}],
        },
        {"name": "every", "event": "message_received", "actions": [{"action": "add_tag", "tag": "seen"}]},
    )
    ticket = h.ticket("one")
    h.message(ticket, "two")
    h.message(ticket, "three")
    assert len(h.firings(ticket, "greet")) == 1
    assert len(h.firings(ticket, "every")) == 3


def test_each_rule_fires_at_most_once_per_ticket_per_event(h):
    h.rules(
        {
            "name": "on-update",
            "event": "ticket_updated",
            "actions": [{"action": "set_type", "value": "return"}, {"action": "add_tag", "tag": "x"}],
        }
    )
    ticket = h.ticket("hi")
    h.desk.update_ticket(h.admin, ticket, priority=3.0)
    # set_type and add_tag each raised ticket_updated inside the cascade: still one firing.
    assert len(h.firings(ticket, "on-update")) == 1


def test_changed_from_and_to(h):
    h.rules(
        {
            "name": "reopened",
            "event": "ticket_updated",
            "all": [
                {"field": "status", "op": "changed_from", "value": "solved"},
                {"field": "status", "op": "changed_to", "value": "open"},
            ],
            "actions": [{"action": "add_tag", "tag": "reopened"}],
        },
        {
            "name": "assigned",
            "event": "ticket_updated",
            "all": [{"field": "assignee", "op": "changed"}],
            "actions": [{"action": "add_tag", "tag": "assigned"}],
        },
    )
    ticket = h.ticket("hi")
    h.desk.update_ticket(h.admin, ticket, status="open")
    assert h.tags(ticket) == []
    h.desk.update_ticket(h.admin, ticket, status="solved")
    h.desk.update_ticket(h.admin, ticket, status="open")
    assert h.tags(ticket) == ["reopened"]
    agent = h.desk.create_agent(h.admin, "kenji")
    h.desk.update_ticket(h.admin, ticket, assignee_id=agent)
    assert "assigned" in h.tags(ticket)


def test_a_failing_action_rolls_back_its_rule_only_and_is_logged(h):
    h.desk.templates.save(h.admin, "tracking", "Your tracking number: {tracking_number}")
    h.rules(
        {
            "name": "auto-tracking",
            "event": "message_received",
            "actions": [
                {"action": "add_tag", "tag": "answered"},
                {"action": "reply", "template": "tracking"},
            ],
        },
        {
            "name": "tagger",
            "event": "message_received",
            "actions": [{"action": "add_tag", "tag": "later-rule"}],
        },
    )
    ticket = h.ticket("where is it?")  # no order: no tracking number
    assert h.tags(ticket) == ["later-rule"]  # "answered" was rolled back with the failed reply
    (firing,) = h.firings(ticket, "auto-tracking")
    assert firing["outcome"] == "error"
    assert "tracking_number" in firing["changes"][0]["error"]
    messages = h.desk.ticket(h.admin, ticket)["messages"]
    assert [m["direction"] for m in messages] == ["in"]  # the buyer's message kept, nothing sent
    assert h.desk.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


def test_reply_action_sends_the_template_in_the_buyers_language(h):
    h.desk.templates.save(
        h.admin,
        "tracking",
        "Tracking: {tracking_number}",
        variants={"de": "Sendungsnummer: {tracking_number}"},
    )
    h.rules(
        {
            "name": "wismo",
            "event": "message_received",
            "all": [{"field": "keywords", "op": "contains", "value": ["wo ist mein paket"]}],
            "actions": [{"action": "reply", "template": "tracking"}],
        }
    )
    ticket = h.ticket("Hallo, wo ist mein Paket?", language="de", order=True, tracking="JJD0001")
    messages = h.desk.ticket(h.admin, ticket)["messages"]
    assert messages[-1]["body"] == "Sendungsnummer: JJD0001"
    assert (
        h.desk.db.execute("SELECT status FROM tickets WHERE id = ?", [ticket]).fetchone()[0]
        == TicketStatus.PENDING
    )
    (item,) = h.desk.db.execute("SELECT kind, payload FROM outbox").fetchall()
    assert item[0] == "message" and "JJD0001" in item[1]


def test_open_case_without_an_order_reports_it_cannot_run(h):
    h.rules(
        {"name": "case", "event": "ticket_created", "actions": [{"action": "open_case", "type": "return"}]}
    )
    ticket = h.ticket("I want to return it")
    (firing,) = h.firings(ticket, "case")
    assert firing["outcome"] == "error"
    assert "no order" in firing["changes"][0]["error"]


def test_firings_are_listed_on_the_ticket_with_their_changes(h):
    h.rules(
        {
            "name": "urgent chargebacks",
            "event": "message_received",
            "all": [{"field": "keywords", "op": "contains", "value": ["chargeback"]}],
            "actions": [{"action": "set_priority", "value": "urgent"}, {"action": "escalate"}],
        }
    )
    calm = h.ticket("Where is my parcel?")
    angry = h.ticket("I will file a CHARGEBACK today")
    assert h.firings(calm) == []
    (firing,) = h.firings(angry)
    assert firing["rule_name"] == "urgent chargebacks"
    assert firing["event"] == "message_received"
    assert firing["changes"] == [
        {"action": "set_priority", "changed": {"priority_level": "urgent"}},
        {"action": "escalate", "changed": {"escalated": 1}},
    ]
    assert firing["ticket_id"] == angry


def test_rule_actions_are_audited_under_the_rule_name(h):
    h.rules({"name": "tagger", "event": "ticket_created", "actions": [{"action": "add_tag", "tag": "new"}]})
    ticket = h.ticket("hi")
    trail = h.desk.audit_trail(h.admin, "ticket", ticket)
    assert any(row["actor"] == "rule:tagger" and row["action"] == "ticket.tag" for row in trail)


def test_inactive_rules_do_not_fire(h):
    h.rules(
        {
            "name": "off",
            "event": "ticket_created",
            "active": False,
            "actions": [{"action": "add_tag", "tag": "x"}],
        }
    )
    assert h.tags(h.ticket("hi")) == []
    h.desk.rules.set_active(h.admin, "off", True)
    assert h.tags(h.ticket("hi")) == ["x"]


def test_rule_changes_need_manage_rules(h):
    import pytest

    from crossdesk.errors import PermissionDenied
    from crossdesk.models import Role

    with pytest.raises(PermissionDenied):
        h.desk.rules.save(
            Actor("ana", Role.AGENT), [{"name": "x", "event": "time", "actions": [{"action": "escalate"}]}]
        )


def test_held_rules_keep_arrivals_only_when_asked(h):
    h.rules({"name": "ack", "event": "message_received", "actions": [{"action": "add_tag", "tag": "ack"}]})
    with h.desk.rules.held() as kept:
        first = h.ticket("one")
    with h.desk.rules.held(keep=False) as dropped:
        second = h.ticket("two")
    assert [e.name for e in kept] == ["ticket_created", "message_received"]
    assert [e.object_id for e in kept] == [first, first]
    assert dropped == []  # an import that will not replay them holds none
    assert h.tags(first) == h.tags(second) == []  # no rule ran while held
    third = h.ticket("three")
    assert h.tags(third) == ["ack"]  # and they run again after
