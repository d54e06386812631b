"""Time rules fire once per condition window, however often ``automate`` runs."""

from __future__ import annotations

HOUR = 3600


def _stale_rule(h):
    h.rules(
        {
            "name": "nudge stale",
            "event": "time",
            "all": [
                {"field": "status", "op": "in", "value": ["new", "open"]},
                {"field": "hours_since_buyer_message", "op": "gte", "value": 2},
            ],
            "actions": [{"action": "notify", "message": "buyer waiting for 2 hours"}],
        }
    )


def test_time_rule_fires_once_per_window_however_often_it_runs(h):
    _stale_rule(h)
    ticket = h.ticket("hello?")
    assert h.desk.automate(h.admin)["time_rules_fired"] == {}
    h.clock.advance(3 * HOUR)
    assert h.desk.automate(h.admin)["time_rules_fired"] == {"nudge stale": 1}
    for _ in range(3):
        h.clock.advance(600)
        assert h.desk.automate(h.admin)["time_rules_fired"] == {}
    assert len(h.firings(ticket, "nudge stale")) == 1
    # The buyer writes again: the condition stops holding, the window closes...
    h.message(ticket, "still waiting")
    result = h.desk.automate(h.admin)
    assert result["windows_closed"] == 1 and result["time_rules_fired"] == {}
    # ...and a new window opens when it holds again.
    h.clock.advance(2 * HOUR)
    assert h.desk.automate(h.admin)["time_rules_fired"] == {"nudge stale": 1}
    assert len(h.firings(ticket, "nudge stale")) == 2
    notes = [m for m in h.desk.ticket(h.admin, ticket)["messages"] if m["direction"] == "note"]
    assert len(notes) == 2


def test_time_rule_only_touches_matching_tickets(h):
    _stale_rule(h)
    old = h.ticket("first")
    h.clock.advance(3 * HOUR)
    fresh = h.ticket("second")
    solved = h.ticket("third")
    h.desk.update_ticket(h.admin, solved, status="solved")
    h.clock.advance(HOUR)
    h.desk.automate(h.admin)
    assert [len(h.firings(t, "nudge stale")) for t in (old, fresh, solved)] == [1, 0, 0]


def test_once_per_ticket_time_rule_never_refires(h):
    h.rules(
        {
            "name": "first nudge only",
            "event": "time",
            "once_per_ticket": True,
            "all": [{"field": "hours_since_buyer_message", "op": "gte", "value": 1}],
            "actions": [{"action": "add_tag", "tag": "nudged"}],
        }
    )
    ticket = h.ticket("hello")
    h.clock.advance(2 * HOUR)
    h.desk.automate(h.admin)
    h.message(ticket, "again")
    h.desk.automate(h.admin)
    h.clock.advance(2 * HOUR)
    h.desk.automate(h.admin)
    assert len(h.firings(ticket, "first nudge only")) == 1


def test_time_rule_actions_cascade_into_event_rules(h):
    _stale_rule(h)
    h.rules(
        {
            "name": "escalate on tag",
            "event": "ticket_updated",
            "all": [{"field": "priority", "op": "is", "value": "urgent"}],
            "actions": [{"action": "escalate"}],
        },
        {
            "name": "urgent when stale",
            "event": "time",
            "all": [{"field": "hours_since_created", "op": "gt", "value": 5}],
            "actions": [{"action": "set_priority", "value": "urgent"}],
        },
    )
    ticket = h.ticket("hello")
    h.clock.advance(6 * HOUR)
    h.desk.automate(h.admin)
    assert h.desk.db.execute("SELECT escalated FROM tickets WHERE id = ?", [ticket]).fetchone()[0] == 1
    (chained,) = h.firings(ticket, "escalate on tag")
    assert chained["depth"] == 1
